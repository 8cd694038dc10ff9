import Foundation
import Logging
import MnemondAWS
import MnemondModel

/// Guide Phase 8: reads the CloudWatch metrics the replication and object-count checks judge,
/// and the alert plumbing (alarms, SNS topics, EventBridge rules) the alerting checks judge.
/// It fetches and translates; it never decides whether anything is right.
///
/// Two entry points, for two check families: `collectMetrics` (every 5 min) and
/// `collectPlumbing` (every 15 min, with the rest of the configuration).
public struct MonitoringCollector: Sendable {
    let cloudwatch: CloudWatch
    let sns: SNS
    let events: EventBridge
    let now: @Sendable () -> Date
    /// The storage types each bucket has (nil: every storage run asks for every type).
    let discovery: StorageTypeDiscovery?
    let logger: Logger

    /// `discovery`: where the storage types learned from ListMetrics are kept between cycles; the
    /// daemon passes one, so only the types a bucket has are requested (see `StorageTypeDiscovery`).
    public init(
        client: AWSClient, now: @escaping @Sendable () -> Date = Date.init, discovery: StorageTypeDiscovery? = nil,
        logger: Logger = Logger(label: "mnemond.collect")
    ) {
        self.cloudwatch = CloudWatch(client: client)
        self.sns = SNS(client: client)
        self.events = EventBridge(client: client)
        self.now = now
        self.discovery = discovery
        self.logger = logger
    }

    public struct Result: Sendable {
        /// Only the fields of this entry point are filled (metrics, or alarms/topics/rules).
        public var monitoring: MonitoringObservation
        public var samples: [Sample]
        /// Every call answered.
        public var success: Bool
    }

    // MARK: - Metrics

    /// One GetMetricData call per region that publishes a watched metric and per time range its
    /// queries need (issue #4: never one call per metric; billing is per metric requested, so the
    /// query count is recorded as a sample). A GetMetricData request carries one StartTime and
    /// EndTime, so each family is its own request over its own range: the 5-minute replication
    /// metrics over the last hour, and with `storage` the daily S3 storage metrics over
    /// `storageDays`. One request spanning both would ask for 5-minute replication points over
    /// all those days (≈ 5,900 points per query, of which 13 are kept). A 5-minute cycle makes one
    /// call per region; a storage run two (replication, storage).
    ///
    /// A request with more than 500 queries needs one page per 500. A region's pages, of every
    /// request, go out concurrently (at most `pagesInFlight` at once), and a page that fails
    /// makes only its own queries' series unavailable.
    ///
    /// With a `discovery`, a storage run first learns (at most daily) which storage types each
    /// bucket has and asks only for those; where that listing fails it asks for every type.
    public func collectMetrics(policy: Policy, storage: Bool = true) async -> Result {
        let started = now()
        var types: [String: [String]] = [:]
        if storage, let discovery {
            let found = await discovery.storageTypes(for: policy.buckets, now: started) { [cloudwatch] region in
                try await cloudwatch.listMetrics(namespace: "AWS/S3", metricName: "BucketSizeBytes", region: region)
            }
            types = found.types
            for reason in found.failed {
                logger.warning(
                    "storage types not discovered: asking for every storage type of the region's buckets this cycle",
                    metadata: ["region": "\(reason.region ?? "?")", "reason": "\(reason)"])
            }
        }
        let plan = Self.metricPlan(policy.buckets, now: started, storage: storage, storageTypes: types)
        let answers = await withTaskGroup(of: (String, [PageAnswer]).self) { group in
            for (region, regionPlan) in plan.regions {
                let requests = plan.requests(in: region)
                group.addTask {
                    (region, await pages(regionPlan.map(\.query), requests: requests, region: region))
                }
            }
            var answers: [String: [PageAnswer]] = [:]
            for await (region, pages) in group { answers[region] = pages }
            return answers
        }
        let finished = now()
        var monitoring = MonitoringObservation()
        var samples: [Sample] = []
        for (region, regionPlan) in plan.regions.sorted(by: { $0.key < $1.key }) {
            samples.append(
                Sample(
                    series: .cloudWatchMetricsRequested, labels: ["region": region], time: finished,
                    value: Double(regionPlan.count)))
            guard let pages = answers[region] else { continue }
            let (observed, calls) = Self.regionSeries(regionPlan, pages: pages, replicationSince: plan.replicationStart)
            monitoring.metrics[region] = observed
            if case .value(let series) = observed { samples += Self.samples(series) }
            // A failed call still counts against the budget (and the bill).
            samples.append(
                Sample(
                    series: .cloudWatchGetMetricDataCalls, labels: ["region": region], time: finished,
                    value: Double(calls)))
        }
        let complete = monitoring.metrics.values.allSatisfy { observed in
            observed.value?.allSatisfy { $0.unavailable == nil } ?? false
        }
        return Result(monitoring: monitoring, samples: samples, success: complete)
    }

    /// Pages of one region sent at once. The HTTP client's pool bounds all requests; this keeps
    /// one large region from taking every worker from the other regions and services.
    static let pagesInFlight = 4

    /// One page's queries (indices into the region's plan) and what became of them.
    struct PageAnswer: Sendable {
        var range: Range<Int>
        var answer: Observed<CloudWatch.MetricData>
    }

    /// One page to send: its queries (indices into the region's plan), its request's time range,
    /// and the words a failure names it by (nil where the region needs one call only).
    struct Page: Sendable, Equatable {
        var range: Range<Int>
        var start: Date
        var end: Date
        var name: String?
    }

    /// The pages of a region's requests, in plan order. Each request is split into pages of at
    /// most 500 queries. Where the region takes more than one call, a page is named by its
    /// queries, by its number where its request has several pages, and by its family where the
    /// region has several requests.
    static func pages(_ requests: [MetricRequest]) -> [Page] {
        var pages: [Page] = []
        let total = requests.map { CloudWatch.pages($0.queries.count).count }.reduce(0, +)
        for request in requests {
            let ranges = CloudWatch.pages(request.queries.count).map {
                (request.queries.lowerBound + $0.lowerBound)..<(request.queries.lowerBound + $0.upperBound)
            }
            for (index, range) in ranges.enumerated() {
                var words: [String] = []
                if requests.count > 1 { words.append(request.family) }
                if ranges.count > 1 { words.append("page \(index + 1) of \(ranges.count)") }
                let name =
                    total == 1
                    ? nil : words.joined(separator: ", ") + " (queries q\(range.lowerBound)–q\(range.upperBound - 1))"
                pages.append(Page(range: range, start: request.start, end: request.end, name: name))
            }
        }
        return pages
    }

    /// The pages of one region's requests, at most `pagesInFlight` in flight; answers in page order.
    func pages(_ queries: [CloudWatch.MetricQuery], requests: [MetricRequest], region: String) async
        -> [PageAnswer]
    {
        let pages = Self.pages(requests)
        return await withTaskGroup(of: (Int, PageAnswer).self) { group in
            var answers = [PageAnswer?](repeating: nil, count: pages.count)
            var next = 0
            var inFlight = 0
            while true {
                while next < pages.count, inFlight < Self.pagesInFlight {
                    let index = next
                    let page = pages[index]
                    group.addTask {
                        let answer = await observe("cloudwatch:GetMetricData", resource: page.name, region: region) {
                            try await cloudwatch.getMetricDataPage(
                                queries: Array(queries[page.range]), start: page.start, end: page.end, region: region)
                        }
                        return (index, PageAnswer(range: page.range, answer: answer))
                    }
                    next += 1
                    inFlight += 1
                }
                guard let done = await group.next() else { break }
                inFlight -= 1
                answers[done.0] = done.1
            }
            return answers.compactMap { $0 }
        }
    }

    /// A region's page answers → its observation and the calls they took. Every page failed: the
    /// region is unavailable (the first page's reason, without the page's name). Otherwise the
    /// answered pages' series, and for each query of a failed page an empty series carrying that
    /// page's reason, in plan order.
    static func regionSeries(_ plan: [PlannedQuery], pages: [PageAnswer], replicationSince: Date) -> (
        Observed<[MetricSeries]>, calls: Int
    ) {
        var results: [CloudWatch.MetricResult] = []
        var failed: [(range: Range<Int>, reason: Unavailable)] = []
        var calls = 0
        for page in pages {
            switch page.answer {
            case .value(let data):
                results += data.results
                calls += data.calls
            case .unavailable(let reason):
                failed.append((page.range, reason))
                calls += 1
            }
        }
        if var first = failed.first?.reason, failed.count == pages.count {
            // The whole region failed, not one page or one family: the reason names no page.
            first.resource = nil
            return (.unavailable(first), calls)
        }
        var reasons: [Unavailable?] = Array(repeating: nil, count: plan.count)
        for (range, reason) in failed {
            for index in range where index < plan.count { reasons[index] = reason }
        }
        return (.value(series(plan, results: results, replicationSince: replicationSince, unavailable: reasons)), calls)
    }

    /// Where AWS publishes each S3 metric. A CloudWatch metric exists only in that region, so it
    /// must be read there, and an alarm on it must live there.
    /// - ReplicationLatency, BytesPendingReplication, OperationsPendingReplication: "published in
    ///   the Region of the destination bucket"; OperationsFailedReplication: "published in the
    ///   Region of the source bucket" (AWS, "Using S3 Replication metrics",
    ///   docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html).
    /// - NumberOfObjects, BucketSizeBytes: daily storage metrics, in the bucket's own region.
    /// MnemondChecks keeps the same table for `alerting.alarms` (it cannot import this module).
    public enum PublishedIn: Sendable, Equatable {
        case sourceBucket, destinationBucket, bucket
    }

    public static let publishedIn: [String: PublishedIn] = [
        "ReplicationLatency": .destinationBucket,
        "BytesPendingReplication": .destinationBucket,
        "OperationsPendingReplication": .destinationBucket,
        "OperationsFailedReplication": .sourceBucket,
        "NumberOfObjects": .bucket,
        "BucketSizeBytes": .bucket,
    ]

    /// Replication metrics, the statistic each check needs. Latency and backlog are gauges (the
    /// worst value in a period matters); failures are counted per period.
    static let replicationMetrics: [(metric: String, stat: String)] = [
        ("ReplicationLatency", "Maximum"),
        ("OperationsFailedReplication", "Sum"),
        ("OperationsPendingReplication", "Maximum"),
        ("BytesPendingReplication", "Maximum"),
    ]

    /// BucketSizeBytes' StorageType values (AWS, "Metrics and dimensions", S3 User Guide), all asked
    /// for where the types a bucket has are not known (no discovery, or its listing failed). Types
    /// a bucket does not use return no datapoints and cost one metric request each.
    static let storageTypes = [
        "StandardStorage", "IntelligentTieringFAStorage", "IntelligentTieringIAStorage", "IntelligentTieringAAStorage",
        "IntelligentTieringAIAStorage", "IntelligentTieringDAAStorage", "StandardIAStorage", "StandardIASizeOverhead",
        "StandardIAObjectOverhead", "OneZoneIAStorage", "OneZoneIASizeOverhead", "ReducedRedundancyStorage",
        "GlacierInstantRetrievalSizeOverhead", "GlacierInstantRetrievalStorage", "GlacierStorage",
        "GlacierStagingStorage", "GlacierObjectOverhead", "GlacierS3ObjectOverhead", "DeepArchiveStorage",
        "DeepArchiveObjectOverhead", "DeepArchiveS3ObjectOverhead", "DeepArchiveStagingStorage",
    ]

    static let replicationPeriodSeconds = 300
    static let replicationWindowSeconds = 3600
    static let storagePeriodSeconds = 86400
    /// Daily points kept: 14 for the robust band plus room for 1–3 days of lateness.
    public static let storageDays = 20

    /// One query, with what its answer becomes.
    struct PlannedQuery: Sendable, Equatable {
        var query: CloudWatch.MetricQuery
        /// Sample series and labels for the datapoints.
        var series: Series
        var labels: [String: String]
    }

    /// One GetMetricData request of a region: consecutive queries of the region's plan that need
    /// the same time range (one family), and that range.
    struct MetricRequest: Sendable, Equatable {
        var family: String
        var queries: Range<Int>
        var start: Date
        var end: Date

        /// Datapoints the request asks for: per query, one per period of its range (the last
        /// period may be partial). What CloudWatch returns where the metric has data.
        func points(periodSeconds: Int) -> Int {
            let seconds = end.timeIntervalSince(start)
            return queries.count * Int((seconds / Double(periodSeconds)).rounded(.up))
        }
    }

    struct MetricPlan: Sendable, Equatable {
        var end: Date
        /// The start of the replication family's range: the last hour, aligned to 5 minutes.
        /// Replication points before it are dropped.
        var replicationStart: Date
        /// The start of the storage family's range: `storageDays` midnights back.
        var storageStart: Date
        var regions: [String: [PlannedQuery]]

        /// Where a query's range starts: each family's range is what its checks need.
        func start(periodSeconds: Int) -> Date {
            periodSeconds == MonitoringCollector.storagePeriodSeconds ? storageStart : replicationStart
        }

        /// The requests of one region: each run of consecutive queries that need the same range is
        /// one request. The plan adds each family's queries together (replication, then storage),
        /// so a region has one request per family it asks for.
        func requests(in region: String) -> [MetricRequest] {
            let queries = regions[region] ?? []
            var requests: [MetricRequest] = []
            for (index, planned) in queries.enumerated() {
                let start = start(periodSeconds: planned.query.periodSeconds)
                if let last = requests.last, last.start == start, last.queries.upperBound == index {
                    requests[requests.count - 1].queries = last.queries.lowerBound..<(index + 1)
                } else {
                    requests.append(
                        MetricRequest(
                            family: MonitoringCollector.family(periodSeconds: planned.query.periodSeconds),
                            queries: index..<(index + 1), start: start, end: end))
                }
            }
            return requests
        }
    }

    /// The family a period belongs to, as a failed page's reason names it.
    static func family(periodSeconds: Int) -> String {
        periodSeconds == storagePeriodSeconds ? "daily storage metrics" : "5-minute replication metrics"
    }

    /// The queries of one cycle, grouped by the region each metric is published in. Windows are
    /// aligned to period boundaries so CloudWatch's (and the simulator's) buckets match S3's
    /// midnight storage datapoints and 5-minute replication periods.
    ///
    /// `storageTypes`: the BucketSizeBytes types to ask for per bucket (discovered); a bucket
    /// without an entry is asked for every type, so a type is never left out unseen.
    static func metricPlan(
        _ buckets: [BucketPolicy], now: Date, storage: Bool, storageTypes discovered: [String: [String]] = [:]
    ) -> MetricPlan {
        let regionOf = Dictionary(buckets.map { ($0.name, $0.region) }, uniquingKeysWith: { first, _ in first })
        let fiveMinutes = Double(replicationPeriodSeconds)
        let replicationStart = Date(
            timeIntervalSince1970: (now.timeIntervalSince1970 / fiveMinutes).rounded(.down) * fiveMinutes
                - Double(replicationWindowSeconds))
        let day = Double(storagePeriodSeconds)
        let storageStart = Date(
            timeIntervalSince1970: (now.timeIntervalSince1970 / day).rounded(.down) * day - Double(storageDays) * day)
        var regions: [String: [PlannedQuery]] = [:]
        func add(
            _ region: String, metric: String, dimensions: [CloudWatch.Dimension], period: Int, stat: String,
            series: Series, labels: [String: String]
        ) {
            // Appended in place: copying the region's list out and back on every query made the plan
            // quadratic in the number of buckets. Ids must start with a lower-case letter; the index
            // keeps them unique per call.
            let index = regions[region]?.count ?? 0
            let query = CloudWatch.MetricQuery(
                id: "q\(index)", namespace: "AWS/S3", metricName: metric, dimensions: dimensions,
                periodSeconds: period, stat: stat)
            regions[region, default: []].append(PlannedQuery(query: query, series: series, labels: labels))
        }
        for bucket in buckets {
            guard let replication = bucket.replication else { continue }
            let destination = replication.destinationBucket
            // Replication metrics are per rule; without a configured rule ID none can be named.
            var dimensions = [
                CloudWatch.Dimension("SourceBucket", bucket.name), .init("DestinationBucket", destination),
            ]
            if let rule = replication.ruleID { dimensions.append(.init("RuleId", rule)) }
            let labels = ["source": bucket.name, "destination": destination]
            for (metric, stat) in replicationMetrics {
                let region: String?
                switch publishedIn[metric] {
                case .destinationBucket: region = regionOf[destination]
                default: region = bucket.region
                }
                guard let region else { continue }  // destination not configured: region unknown
                add(
                    region, metric: metric, dimensions: dimensions, period: replicationPeriodSeconds, stat: stat,
                    series: replicationSeries[metric]!, labels: labels)
            }
        }
        if storage {
            for bucket in buckets {
                add(
                    bucket.region, metric: "NumberOfObjects",
                    dimensions: [.init("BucketName", bucket.name), .init("StorageType", "AllStorageTypes")],
                    period: storagePeriodSeconds, stat: "Average", series: .s3Objects, labels: ["bucket": bucket.name]
                )
                for type in discovered[bucket.name] ?? storageTypes {
                    add(
                        bucket.region, metric: "BucketSizeBytes",
                        dimensions: [.init("BucketName", bucket.name), .init("StorageType", type)],
                        period: storagePeriodSeconds, stat: "Average", series: .s3BucketBytes,
                        labels: ["bucket": bucket.name, "storage_type": type])
                }
            }
        }
        return MetricPlan(end: now, replicationStart: replicationStart, storageStart: storageStart, regions: regions)
    }

    static let replicationSeries: [String: Series] = [
        "ReplicationLatency": .s3ReplicationLatencySeconds,
        "OperationsFailedReplication": .s3ReplicationFailedOperations,
        "OperationsPendingReplication": .s3ReplicationPendingOperations,
        "BytesPendingReplication": .s3ReplicationPendingBytes,
    ]

    /// Answers → series, in plan order. BucketSizeBytes of storage types the bucket does not use
    /// (no datapoints) are left out; every other query keeps its series even when empty, which
    /// says "asked, and CloudWatch had nothing". A query whose page failed (`unavailable[i]` set)
    /// keeps its series, empty, with the reason: "asked, and not answered".
    static func series(
        _ plan: [PlannedQuery], results: [CloudWatch.MetricResult], replicationSince: Date,
        unavailable: [Unavailable?] = []
    ) -> [MetricSeries] {
        let byID = Dictionary(results.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return plan.enumerated().compactMap { index, planned in
            if index < unavailable.count, let reason = unavailable[index] {
                return MetricSeries(
                    metric: planned.query.metricName,
                    dimensions: Dictionary(
                        planned.query.dimensions.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                    statistic: planned.query.stat, periodSeconds: planned.query.periodSeconds, points: [],
                    unavailable: reason)
            }
            var points = (byID[planned.query.id]?.points ?? []).map {
                MetricSeries.Point(time: $0.time, value: $0.value)
            }
            if planned.query.periodSeconds == replicationPeriodSeconds {
                points = points.filter { $0.time >= replicationSince }
            }
            if planned.query.metricName == "BucketSizeBytes", points.isEmpty { return nil }
            return MetricSeries(
                metric: planned.query.metricName,
                dimensions: Dictionary(
                    planned.query.dimensions.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                statistic: planned.query.stat,
                periodSeconds: planned.query.periodSeconds, points: points.sorted { $0.time < $1.time })
        }
    }

    /// Every datapoint becomes a sample at its own time (the store replaces a sample of the same
    /// series and time, so the overlap between cycles is harmless). Daily storage values keep
    /// their midnight timestamps: they tolerate lateness because they are never "now".
    static func samples(_ series: [MetricSeries]) -> [Sample] {
        series.flatMap { one -> [Sample] in
            let labels: [String: String]
            let name: Series
            switch one.metric {
            case "NumberOfObjects":
                name = .s3Objects
                labels = ["bucket": one.dimensions["BucketName"] ?? ""]
            case "BucketSizeBytes":
                name = .s3BucketBytes
                labels = [
                    "bucket": one.dimensions["BucketName"] ?? "", "storage_type": one.dimensions["StorageType"] ?? "",
                ]
            default:
                guard let replication = replicationSeries[one.metric] else { return [] }
                name = replication
                labels = [
                    "source": one.dimensions["SourceBucket"] ?? "",
                    "destination": one.dimensions["DestinationBucket"] ?? "",
                ]
            }
            return one.points.map { Sample(series: name, labels: labels, time: $0.time, value: $0.value) }
        }
    }

    // MARK: - Plumbing

    /// DescribeAlarms by name in every region that could hold a configured alarm, the SNS topics
    /// (in each ARN's region) and the EventBridge rules (in each rule's region).
    public func collectPlumbing(policy: Policy) async -> Result {
        var monitoring = MonitoringObservation()
        guard let promises = policy.monitoring else {
            return Result(monitoring: monitoring, samples: [], success: true)
        }
        let names = promises.alarms.map(\.name)
        let regions = Self.alarmRegions(policy)
        async let alarms = concurrentMap(names.isEmpty ? [] : regions) { region in
            await observe("cloudwatch:DescribeAlarms", resource: nil, region: region) {
                try await cloudwatch.describeAlarms(names: names, region: region).map {
                    xml throws(UnreadableField) in try Self.alarm(xml, region: region)
                }
            }
        }
        async let topics = concurrentMap(promises.topics.map(\.arn)) { arn in await self.topic(arn) }
        async let rules = concurrentMap(promises.eventRules, by: { "\($0.region)/\($0.name)" }) { rule in
            await self.rule(rule.name, region: rule.region)
        }
        monitoring.alarms = await alarms
        monitoring.topics = await topics
        monitoring.rules = await rules
        let success =
            monitoring.alarms.values.allSatisfy { $0.value != nil }
            && monitoring.topics.values.allSatisfy { $0.value != nil }
            && monitoring.rules.values.allSatisfy { $0.value != nil }
        return Result(monitoring: monitoring, samples: [], success: success)
    }

    /// Regions where a configured alarm could live: every bucket's region (each S3 metric is
    /// published in one of them), every topic's region, and any region the config names.
    static func alarmRegions(_ policy: Policy) -> [String] {
        var regions = Set(policy.buckets.map(\.region))
        for topic in policy.monitoring?.topics ?? [] {
            if let region = SNS.region(ofTopic: topic.arn) { regions.insert(region) }
        }
        for alarm in policy.monitoring?.alarms ?? [] {
            if let region = alarm.region { regions.insert(region) }
        }
        return regions.sorted()
    }

    func topic(_ arn: String) async -> Observed<TopicObservation> {
        await observe("sns:GetTopicAttributes", resource: arn, region: SNS.region(ofTopic: arn)) {
            guard let attributes = try await sns.getTopicAttributes(topicARN: arn) else {
                return TopicObservation(arn: arn, exists: false, subscriptions: [])
            }
            let policy = try attributes["Policy"].map { text throws(UnreadableField) in try Self.topicPolicy(text) }
            let subscriptions = try await sns.listSubscriptionsByTopic(topicARN: arn)
            return TopicObservation(
                arn: arn, exists: true, subscriptions: subscriptions.map(Self.subscription), policy: policy)
        }
    }

    func rule(_ name: String, region: String) async -> Observed<EventRuleObservation> {
        await observe("events:DescribeRule", resource: name, region: region) {
            guard let rule = try await events.describeRule(name: name, region: region) else {
                return EventRuleObservation(
                    name: name, region: region, exists: false, state: nil, eventPattern: nil, targetARNs: [])
            }
            let targets = try await events.listTargetsByRule(rule: name, region: region)
            return EventRuleObservation(
                name: name, region: region, exists: true, state: rule.state, eventPattern: rule.eventPattern,
                targetARNs: targets.map(\.arn))
        }
    }

    /// The topic's `Policy` attribute (a JSON policy document) → statements. A document or a
    /// statement that cannot be read is unreadable, never "nobody may publish".
    static func topicPolicy(_ json: String) throws(UnreadableField) -> [TopicPolicyStatement] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
            let document = object as? [String: Any]
        else { throw UnreadableField("Policy", json) }
        let raw: [Any]
        switch document["Statement"] {
        case nil: raw = []
        case let single as [String: Any]: raw = [single]
        case let list as [Any]: raw = list
        case let other?: throw UnreadableField("Policy.Statement", "\(other)")
        }
        func strings(_ value: Any?, _ field: String) throws(UnreadableField) -> [String] {
            switch value {
            case nil: return []
            case let one as String: return [one]
            case let many as [Any]:
                return try many.map { item throws(UnreadableField) in
                    guard let text = item as? String else { throw UnreadableField(field, "\(item)") }
                    return text
                }
            case let other?: throw UnreadableField(field, "\(other)")
            }
        }
        return try raw.enumerated().map { index, item throws(UnreadableField) in
            let field = "Policy.Statement[\(index)]"
            guard let s = item as? [String: Any] else { throw UnreadableField(field, "\(item)") }
            guard let effect = s["Effect"] as? String, ["Allow", "Deny"].contains(effect) else {
                throw UnreadableField("\(field).Effect", "\(s["Effect"] ?? "(absent)")")
            }
            var any = false
            var services: [String] = []
            var aws: [String] = []
            switch s["Principal"] {
            case let star as String where star == "*": any = true
            case let map as [String: Any]:
                services = try strings(map["Service"], "\(field).Principal.Service")
                aws = try strings(map["AWS"], "\(field).Principal.AWS")
                any = aws.contains("*")
                aws.removeAll { $0 == "*" }
            case nil: break
            case let other?: throw UnreadableField("\(field).Principal", "\(other)")
            }
            var conditions: [TopicPolicyStatement.Condition] = []
            if let raw = s["Condition"] {
                guard let operators = raw as? [String: Any] else {
                    throw UnreadableField("\(field).Condition", "\(raw)")
                }
                for (op, entries) in operators.sorted(by: { $0.key < $1.key }) {
                    guard let entries = entries as? [String: Any] else {
                        throw UnreadableField("\(field).Condition.\(op)", "\(entries)")
                    }
                    for (key, values) in entries.sorted(by: { $0.key < $1.key }) {
                        conditions.append(
                            .init(
                                operator: op, key: key, values: try strings(values, "\(field).Condition.\(op).\(key)")))
                    }
                }
            }
            return TopicPolicyStatement(
                sid: s["Sid"] as? String, effect: effect, anyPrincipal: any, services: services, awsPrincipals: aws,
                actions: try strings(s["Action"], "\(field).Action"), conditions: conditions)
        }
    }

    /// A subscription as the observation keeps it. AWS lists an unconfirmed one with the ARN
    /// `PendingConfirmation`. An http(s) endpoint is a webhook URL whose path and query are the
    /// secret, so only scheme and host are kept.
    static func subscription(_ listed: SNS.TopicSubscription) -> TopicObservation.Subscription {
        TopicObservation.Subscription(
            protocol: listed.protocol, endpoint: redactedEndpoint(listed.endpoint, protocol: listed.protocol),
            confirmed: !listed.isPendingConfirmation && !listed.subscriptionARN.isEmpty)
    }

    static func redactedEndpoint(_ endpoint: String, protocol: String) -> String {
        guard ["http", "https"].contains(`protocol`.lowercased()) else { return endpoint }
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme,
            let host = components.host, !host.isEmpty
        else { return "\(`protocol`.lowercased())://(unparseable endpoint)" }
        return "\(scheme.lowercased())://\(host.lowercased())"
    }

    /// One `MetricAlarms` member → observation. A metric-math alarm (the guide's anomaly-detection
    /// alarms) has no top-level metric: its first `MetricStat` is the metric it watches, and its
    /// threshold is a band (ThresholdMetricId), not a number.
    /// A number or timestamp that is present but unreadable throws: a threshold read as "none"
    /// would be reported as "has no static threshold".
    static func alarm(_ xml: XMLTree, region: String) throws(UnreadableField) -> AlarmObservation {
        func dimensions(_ node: XMLTree?) -> [String: String] {
            var out: [String: String] = [:]
            for member in node?["Dimensions"]?.all("member") ?? [] {
                if let name = member.string("Name") { out[name] = member.string("Value") ?? "" }
            }
            return out
        }
        var metric = xml.string("MetricName")
        var namespace = xml.string("Namespace")
        var dims = dimensions(xml)
        var statistic = xml.string("Statistic") ?? xml.string("ExtendedStatistic")
        var period = try xml.readInt("Period")
        if metric == nil,
            let stat = xml["Metrics"]?.all("member").compactMap({ $0["MetricStat"] }).first
        {
            metric = stat.string("Metric", "MetricName")
            namespace = stat.string("Metric", "Namespace")
            dims = dimensions(stat["Metric"])
            statistic = stat.string("Stat")
            period = try stat.readInt("Period")
        }
        return AlarmObservation(
            name: xml.string("AlarmName") ?? "", region: region, state: xml.string("StateValue") ?? "",
            stateUpdatedAt: try xml.readDate("StateUpdatedTimestamp"), metric: metric,
            namespace: namespace, dimensions: dims, statistic: statistic, periodSeconds: period,
            threshold: try xml.readDouble("Threshold"), comparison: xml.string("ComparisonOperator"),
            evaluationPeriods: try xml.readInt("EvaluationPeriods"),
            actions: (xml["AlarmActions"]?.all("member") ?? []).map(\.text))
    }
}

/// The CloudWatch replication metrics every `metrics` cycle, with the daily S3 storage metrics
/// (their own request per region, over their own range) when `storage_metrics` is due too.
public struct CloudWatchMetricsCollector: Collector {
    let monitoring: MonitoringCollector
    public init(monitoring: MonitoringCollector) { self.monitoring = monitoring }

    public var name: String { "cloudwatch_metrics" }
    public var families: Set<CheckFamily> { [.metrics, .storageMetrics] }

    public func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected {
        let storage = due.contains(.storageMetrics)
        let result = await monitoring.collectMetrics(policy: policy, storage: storage)
        let metrics = result.monitoring.metrics
        return Collected(samples: result.samples, success: result.success) {
            var merged = $0.monitoring ?? MonitoringObservation()
            for (region, observed) in metrics {
                merged.metrics[region] = Self.mergeSeries(old: merged.metrics[region], new: observed, storage: storage)
            }
            $0.monitoring = merged
        }
    }

    /// Replaces the series a run asked for and keeps the others (the daily storage series of the
    /// last daily run when only replication metrics were fetched).
    static func mergeSeries(old: Observed<[MetricSeries]>?, new: Observed<[MetricSeries]>, storage: Bool)
        -> Observed<[MetricSeries]>
    {
        guard !storage, case .value(let fresh)? = Optional(new), case .value(let previous)? = old else { return new }
        let asked = Set(fresh.map(\.metric))
        return .value(fresh + previous.filter { !asked.contains($0.metric) })
    }
}

/// The alert plumbing of guide Phase 8 (alarms, SNS topics, EventBridge rules), with the rest of
/// the configuration.
public struct AlertPlumbingCollector: Collector {
    let monitoring: MonitoringCollector
    public init(monitoring: MonitoringCollector) { self.monitoring = monitoring }

    public var name: String { "alert_plumbing" }
    public var families: Set<CheckFamily> { [.configuration] }

    public func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected {
        let result = await monitoring.collectPlumbing(policy: policy)
        let plumbing = result.monitoring
        return Collected(samples: result.samples, success: result.success) {
            var merged = $0.monitoring ?? MonitoringObservation()
            merged.alarms = plumbing.alarms
            merged.topics = plumbing.topics
            merged.rules = plumbing.rules
            $0.monitoring = merged
        }
    }
}
