import Foundation
import MnemondModel

/// What the CloudWatch replication and storage metrics say about the promises of guide Phase 3
/// (replication within 15 min, nothing failing) and Phase 8.4 (replica object counts never drop
/// unexpectedly). Each metric is read where AWS publishes it (see `S3Metrics.region`).
public enum ReplicationMetricChecks {
    public static let all: [Check] = [latency, failures, backlog, objectCount]

    // MARK: s3.replication.latency

    /// Guide Phase 3 / 8.3: objects reach the replica within 15 minutes; the guide's alarm fires
    /// when the 5-minute Maximum of ReplicationLatency exceeds it in 2 consecutive periods.
    public static let latency = Check(
        id: "s3.replication.latency", evidence: [.metrics],
        promise: "Replication latency stays below the promise (15 min) — never over it for 2 consecutive 5-min periods",
        recoveryWindow: .replication
    ) { policy, observations, _, _ in
        replicationPairs(policy).map { source, promise in
            switch S3Metrics.lookup(
                observations.monitoring, metric: "ReplicationLatency", source: source, promise: promise, policy: policy)
            {
            case .notCollected: return Catalog.notCollected("s3.replication.latency", resource: source.name)
            case .unavailable(let reason):
                return Catalog.unknown("s3.replication.latency", resource: source.name, reason, guide: promise.guide)
            case .found(let series, let region):
                return latencyFinding(source, promise, points: series?.points ?? [], region: region)
            }
        }
    }

    /// Severity: the newest `latencyPeriods` consecutive 5-minute periods all above the promise →
    /// critical (the guide's alarm condition, measured by mnemond itself); a breach earlier in the
    /// hour that has recovered → warning; no datapoint in the hour → UNKNOWN (S3 publishes
    /// ReplicationLatency even when nothing replicates, so silence means the metric is missing).
    public static func latencyFinding(
        _ source: BucketPolicy, _ promise: ReplicationPromise, points: [MetricSeries.Point], region: String,
        periodSeconds: Int = 300
    ) -> Finding {
        let pair = "\(source.name) → \(promise.destinationBucket)"
        let limit = Double(promise.latencyCriticalSeconds)
        let want = "< \(S3Metrics.seconds(limit))"
        func finding(_ state: CheckState, _ text: String, found: String) -> Finding {
            Finding(
                check: "s3.replication.latency", resource: source.name, state: state, message: "\(pair): \(text)",
                expected: want, found: found, guide: promise.guide,
                runbook: state == .ok || state == .unknown
                    ? nil
                    : "Replica \(promise.destinationBucket) is behind: objects written in the last \(S3Metrics.seconds(points.last?.value ?? limit)) exist only in \(source.region). Check replication status and failures (s3.replication.failures); for a region loss follow Scenario 3 knowing the replica lacks them."
            )
        }
        let sorted = points.sorted { $0.time < $1.time }
        guard let newest = sorted.last else {
            return finding(
                .unknown,
                "no ReplicationLatency datapoint in the last hour in \(region) (published in the destination bucket's region) — are replication metrics enabled on the rule? (\(promise.guide))",
                found: "no data")
        }
        let needed = max(1, promise.latencyPeriods)
        let run = S3Metrics.breachingRun(sorted, periodSeconds: periodSeconds) { $0 > limit }
        if run >= needed {
            return finding(
                .critical,
                "replication latency \(S3Metrics.seconds(newest.value)) — above \(S3Metrics.seconds(limit)) in each of the last \(run) 5-min periods; guide requires \(want) (\(promise.guide))",
                found: S3Metrics.seconds(newest.value))
        }
        if let peak = sorted.max(by: { $0.value < $1.value }), peak.value > limit {
            return finding(
                .warning,
                "replication latency peaked at \(S3Metrics.seconds(peak.value)) at \(S3Metrics.clock(peak.time)) and is \(S3Metrics.seconds(newest.value)) now; guide requires \(want) (\(promise.guide))",
                found: S3Metrics.seconds(peak.value))
        }
        let worst = sorted.map(\.value).max() ?? newest.value
        return finding(
            .ok,
            "replication latency at most \(S3Metrics.seconds(worst)) over the last hour (\(sorted.count) periods); guide requires \(want)",
            found: S3Metrics.seconds(worst))
    }

    // MARK: s3.replication.failures

    /// Guide Phase 8.3: no replication operation fails (the guide's alarm: Sum ≥ 1 in 5 min).
    public static let failures = Check(
        id: "s3.replication.failures", evidence: [.metrics],
        promise: "No replication operation fails (OperationsFailedReplication Sum stays 0)",
        recoveryWindow: .replication
    ) { policy, observations, _, _ in
        replicationPairs(policy).map { source, promise in
            switch S3Metrics.lookup(
                observations.monitoring, metric: "OperationsFailedReplication", source: source, promise: promise,
                policy: policy)
            {
            case .notCollected: return Catalog.notCollected("s3.replication.failures", resource: source.name)
            case .unavailable(let reason):
                return Catalog.unknown("s3.replication.failures", resource: source.name, reason, guide: promise.guide)
            case .found(let series, _):
                return failuresFinding(source, promise, points: series?.points ?? [])
            }
        }
    }

    /// Severity: any failed operation in the last hour → critical (each one is an object version
    /// missing from the replica). No datapoints → OK: per AWS's replication-metrics page
    /// OperationsFailedReplication is not published while nothing replicates.
    public static func failuresFinding(
        _ source: BucketPolicy, _ promise: ReplicationPromise, points: [MetricSeries.Point]
    )
        -> Finding
    {
        let pair = "\(source.name) → \(promise.destinationBucket)"
        let failed = points.reduce(0) { $0 + $1.value }
        guard failed >= 1 else {
            return Finding(
                check: "s3.replication.failures", resource: source.name, state: .ok,
                message: "\(pair): no failed replication operations in the last hour", expected: "0",
                found: "0", guide: promise.guide)
        }
        let last = points.filter { $0.value >= 1 }.map(\.time).max()
        return Finding(
            check: "s3.replication.failures", resource: source.name, state: .critical,
            message:
                "\(pair): \(Int(failed)) failed replication operations in the last hour (latest in the period of \(last.map(S3Metrics.clock) ?? "?")); guide requires none (\(promise.guide)) — those versions are not in the replica",
            expected: "0", found: "\(Int(failed))", guide: promise.guide,
            runbook:
                "Find the failed objects and reasons via the s3:Replication:OperationFailedReplication event (S3 Event Notifications); fix the cause (role, KMS, destination versioning), then re-replicate them with S3 Batch Replication on \(source.name) (\(source.region))."
        )
    }

    // MARK: s3.replication.backlog

    /// Guide Phase 3: replication keeps up. A backlog (pending operations or bytes) that grows
    /// through the whole hour means the replica falls further behind every period.
    public static let backlog = Check(
        id: "s3.replication.backlog", evidence: [.metrics],
        promise: "The replication backlog (pending operations and bytes) does not keep growing",
        recoveryWindow: .replication
    ) { policy, observations, _, _ in
        replicationPairs(policy).map { source, promise in
            let ops = S3Metrics.lookup(
                observations.monitoring, metric: "OperationsPendingReplication", source: source, promise: promise,
                policy: policy)
            let bytes = S3Metrics.lookup(
                observations.monitoring, metric: "BytesPendingReplication", source: source, promise: promise,
                policy: policy)
            switch (ops, bytes) {
            case (.notCollected, _), (_, .notCollected):
                return Catalog.notCollected("s3.replication.backlog", resource: source.name)
            case (.unavailable(let reason), _), (_, .unavailable(let reason)):
                return Catalog.unknown("s3.replication.backlog", resource: source.name, reason, guide: promise.guide)
            case (.found(let o, let region), .found(let b, _)):
                return backlogFinding(
                    source, promise, pendingOperations: o?.points ?? [], pendingBytes: b?.points ?? [], region: region)
            }
        }
    }

    /// Severity: either backlog growing across the window → warning (not yet a breach of the
    /// latency promise, which `s3.replication.latency` judges); no datapoints → UNKNOWN.
    public static func backlogFinding(
        _ source: BucketPolicy, _ promise: ReplicationPromise, pendingOperations: [MetricSeries.Point],
        pendingBytes: [MetricSeries.Point], region: String
    ) -> Finding {
        let pair = "\(source.name) → \(promise.destinationBucket)"
        let ops = pendingOperations.sorted { $0.time < $1.time }
        let bytes = pendingBytes.sorted { $0.time < $1.time }
        func finding(_ state: CheckState, _ text: String, found: String) -> Finding {
            Finding(
                check: "s3.replication.backlog", resource: source.name, state: state, message: "\(pair): \(text)",
                expected: "not growing", found: found, guide: promise.guide,
                runbook: state == .warning
                    ? "Replication is falling behind: check s3.replication.failures and the destination \(promise.destinationBucket); a sustained backlog becomes a latency breach."
                    : nil)
        }
        if ops.isEmpty && bytes.isEmpty {
            return finding(
                .unknown,
                "no OperationsPendingReplication/BytesPendingReplication datapoints in the last hour in \(region) — are replication metrics enabled on the rule? (\(promise.guide))",
                found: "no data")
        }
        var growing: [String] = []
        if S3Metrics.isGrowing(ops.map(\.value)) {
            growing.append("pending operations \(Int(ops.first!.value)) → \(Int(ops.last!.value))")
        }
        if S3Metrics.isGrowing(bytes.map(\.value)) {
            growing.append(
                "pending bytes \(S3Metrics.bytes(bytes.first!.value)) → \(S3Metrics.bytes(bytes.last!.value))")
        }
        let now = [
            ops.last.map { "\(Int($0.value)) operations" }, bytes.last.map { S3Metrics.bytes($0.value) },
        ].compactMap { $0 }.joined(separator: ", ")
        if !growing.isEmpty {
            return finding(
                .warning,
                "replication backlog growing through the last hour: \(growing.joined(separator: "; ")); guide requires replication within \(S3Metrics.seconds(Double(promise.latencyCriticalSeconds))) (\(promise.guide))",
                found: "growing")
        }
        return finding(.ok, "replication backlog steady (\(now) pending)", found: now)
    }

    // MARK: s3.replica.object_count

    /// Guide Phase 8.4: a replica's object count never drops unexpectedly (the guide's anomaly
    /// alarm, measured here with a robust band so one odd day cannot widen it), and the replica
    /// does not fall behind its source.
    public static let objectCount = Check(
        id: "s3.replica.object_count", evidence: [.storageMetrics],
        promise: "Replica object counts never drop below their 14-day robust band, nor trail the source",
        recoveryWindow: .bucketVersions,
        // The band looks back at stored daily counts beyond what one GetMetricData answer holds;
        // a week more than the band's window, as counts arrive 1–3 days late.
        history: [
            SeriesQuery(.s3Objects) { Double(($0.monitoring?.objectCountWindowDays ?? 14) + 7) * 86400 }
        ]
    ) { policy, observations, history, now in
        let settings = policy.monitoring ?? MonitoringPolicy(topics: [], alarms: [], eventRules: [])
        let metrics = S3Metrics.ByBucket(observations.monitoring)
        return policy.buckets.filter { $0.role == .replica }.map { replica in
            let own = S3Metrics.dailyCounts(metrics, bucket: replica, history: history)
            guard case .points(let points) = own else {
                if case .unavailable(let reason) = own {
                    return Catalog.unknown("s3.replica.object_count", resource: replica.name, reason, guide: "Phase 8")
                }
                return Catalog.notCollected("s3.replica.object_count", resource: replica.name)
            }
            let source = policy.buckets.first { $0.replication?.destinationBucket == replica.name }
            var sourcePoints: [MetricSeries.Point] = []
            if let source,
                case .points(let p) = S3Metrics.dailyCounts(metrics, bucket: source, history: history)
            {
                sourcePoints = p
            }
            return objectCountFinding(
                replica, points: points, source: source?.name, sourcePoints: sourcePoints, settings: settings, now: now,
                bytes: S3Metrics.dailyBytes(metrics, bucket: replica),
                sourceBytes: source.map { S3Metrics.dailyBytes(metrics, bucket: $0) } ?? [])
        }
    }

    /// Severity: the newest daily count below median − k·MAD (scaled, with a floor of 0.5 % of the
    /// median) of the preceding window → critical (objects vanished from the DR copy); the newest
    /// count more than 3 days late (beyond the day S3 needs to publish it) → warning (the check is
    /// blind); the replica trailing its source by more than `replicaLagFraction` → one warning that
    /// says why while the gap holds steady, critical once the gap grows over the window (see
    /// `replicaGapIssue`). `expected` is what the worst issue was judged against.
    public static func objectCountFinding(
        _ replica: BucketPolicy, points: [MetricSeries.Point], source: String?, sourcePoints: [MetricSeries.Point],
        settings: MonitoringPolicy, now: Date, bytes: [MetricSeries.Point] = [], sourceBytes: [MetricSeries.Point] = []
    ) -> Finding {
        let daily = S3Metrics.byDay(points)
        var issues: [(state: CheckState, text: String, expected: String?)] = []
        var expected = "no drop"
        var found = "no data"
        func finding(_ state: CheckState, _ text: String) -> Finding {
            Finding(
                check: "s3.replica.object_count", resource: replica.name, state: state,
                message: "\(replica.name): \(text)",
                expected: expected, found: found, guide: "Phase 8",
                runbook: state == .critical
                    ? "Objects disappeared from \(replica.name) (\(replica.region)): check its lifecycle (s3.lifecycle.*) and CloudTrail DeleteObject calls; restore from noncurrent versions (Scenario 2) while they exist."
                    : nil)
        }
        guard let newest = daily.last else {
            return finding(
                .warning,
                "no NumberOfObjects datapoint in the last \(days(MonitoringCollectorWindow.storageDays)) in \(replica.region) — the object count cannot be watched (Phase 8.4)"
            )
        }
        found = S3Metrics.count(newest.value)
        // A datapoint stamped day D describes D and cannot exist before D+1; S3 is often 1–3 d later.
        let lateDays = now.timeIntervalSince(newest.time) / 86400 - 1
        if lateDays > 3 {
            issues.append(
                (
                    .warning,
                    "newest NumberOfObjects datapoint is for \(S3Metrics.day(newest.time)) (\(Int(lateDays.rounded(.down))) d late; S3 storage metrics are daily and normally 1–3 d late) — drops cannot be seen",
                    nil
                ))
        }
        let windowStart = newest.time.addingTimeInterval(-Double(settings.objectCountWindowDays) * 86400)
        let baseline = daily.filter { $0.time >= windowStart && $0.time < newest.time }.map(\.value)
        if baseline.count >= 5 {
            let band = S3Metrics.robustFloor(baseline, factor: settings.objectCountMADFactor)
            expected = "≥ \(S3Metrics.count(band.floor))"
            if newest.value < band.floor {
                let change = (newest.value - band.median) / band.median * 100
                issues.append(
                    (
                        .critical,
                        "NumberOfObjects fell to \(S3Metrics.count(newest.value)) on \(S3Metrics.day(newest.time)) (\(S3Metrics.change(change)) vs the \(baseline.count)-day median \(S3Metrics.count(band.median))), below the robust band's floor \(S3Metrics.count(band.floor)); guide requires the replica's count never to drop unexpectedly (Phase 8.4)",
                        expected
                    ))
            }
        }
        if let source,
            let gap = replicaGapIssue(
                daily, source: source, sourceDaily: S3Metrics.byDay(sourcePoints), settings: settings, bytes: bytes,
                sourceBytes: sourceBytes)
        {
            issues.append(gap)
        }
        guard !issues.isEmpty else {
            let note = baseline.count >= 5 ? "" : " (only \(baseline.count) days of history: no band yet)"
            return finding(
                .ok,
                "\(S3Metrics.count(newest.value)) objects on \(S3Metrics.day(newest.time)), within the \(baseline.count)-day band\(note)"
            )
        }
        let state = CheckState.worst(issues.map(\.state))
        let ordered = issues.filter { $0.state == state } + issues.filter { $0.state != state }
        if let judged = ordered.first?.expected { expected = judged }
        return finding(state, ordered.map(\.text).joined(separator: "; "))
    }

    /// A replica behind its source by more than `replicaLagFraction` on its newest day. A gap that
    /// holds steady over the window is one warning that says the likely cause — objects written
    /// before the replication rule existed are never copied by CRR (S3 copies only new writes;
    /// S3 Batch Replication copies existing objects) — with the gap in objects and bytes. The gap
    /// pages (critical) only when it grows: the newest day's gap exceeds the median gap of the
    /// window's earlier days by more than one percentage point of the source.
    static func replicaGapIssue(
        _ daily: [MetricSeries.Point], source: String, sourceDaily: [MetricSeries.Point], settings: MonitoringPolicy,
        bytes: [MetricSeries.Point], sourceBytes: [MetricSeries.Point]
    ) -> (state: CheckState, text: String, expected: String?)? {
        let sourceByTime = Dictionary(sourceDaily.map { ($0.time, $0.value) }, uniquingKeysWith: { _, last in last })
        // (day, fraction behind, replica, source) for each day both buckets have, oldest first.
        let gaps = daily.compactMap { point -> (time: Date, behind: Double, replica: Double, source: Double)? in
            guard let s = sourceByTime[point.time], s > 0 else { return nil }
            return (point.time, (s - point.value) / s, point.value, s)
        }
        guard let newest = gaps.last, newest.behind > settings.replicaLagFraction else { return nil }
        let limit = S3Metrics.percent(settings.replicaLagFraction * 100)
        let expected = "≤ \(limit) behind \(source)"
        let windowStart = newest.time.addingTimeInterval(-Double(settings.objectCountWindowDays) * 86400)
        let earlier = gaps.dropLast().filter { $0.time >= windowStart }.map(\.behind)
        let missing = newest.source - newest.replica
        var gapText = "\(S3Metrics.count(missing)) objects"
        let replicaBytes = bytes.first { $0.time == newest.time }?.value
        let sourceBytesSameDay = sourceBytes.first { $0.time == newest.time }?.value
        if let replicaBytes, let sourceBytesSameDay {
            gapText += " and \(S3Metrics.bytes(max(0, sourceBytesSameDay - replicaBytes)))"
        }
        let head =
            "holds \(S3Metrics.count(newest.replica)) objects on \(S3Metrics.day(newest.time)), \(S3Metrics.percent(newest.behind * 100)) behind \(source)'s \(S3Metrics.count(newest.source)) (allowed \(limit); Phase 3): \(gapText) missing"
        let baseline = earlier.isEmpty ? nil : S3Metrics.median(earlier)
        if let baseline, newest.behind - baseline > 0.01 {
            return (
                .critical,
                "\(head); the gap grew from \(S3Metrics.percent(baseline * 100)) (median of the \(earlier.count) earlier days) — replication is falling behind; guide requires replication within minutes (Phase 3)",
                expected
            )
        }
        let steady =
            earlier.isEmpty ? "" : "; the gap has held steady over \(earlier.count + 1) days"
        return (
            .warning,
            "\(head)\(steady) — likely objects that predate the replication rule: CRR never copies them; S3 Batch Replication copies existing objects (aws s3control create-job … --operation '{\"S3ReplicateObject\":{}}')",
            expected
        )
    }

    /// Sources with a replication promise.
    static func replicationPairs(_ policy: Policy) -> [(BucketPolicy, ReplicationPromise)] {
        policy.buckets.compactMap { bucket in bucket.replication.map { (bucket, $0) } }
    }
}

/// The collector's storage window, mirrored for messages.
enum MonitoringCollectorWindow {
    static let storageDays = 20
}

/// Where AWS publishes the S3 metrics and how to find them in an observation, shared by the
/// replication-metric and alert-plumbing checks.
enum S3Metrics {
    /// Where AWS publishes each S3 metric (MonitoringCollector in MnemondCollect keeps the same
    /// table, and reads each metric there):
    /// - ReplicationLatency, BytesPendingReplication, OperationsPendingReplication: "published in
    ///   the Region of the destination bucket"; OperationsFailedReplication: "published in the
    ///   Region of the source bucket" (AWS, "Using S3 Replication metrics",
    ///   docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html).
    /// - NumberOfObjects, BucketSizeBytes: daily, in the bucket's own region.
    /// CloudWatch alarms only see metrics of their own region, so this is also where an alarm on
    /// the metric must live.
    static func region(metric: String, dimensions: [String: String], buckets: [BucketPolicy]) -> (
        region: String, why: String
    )? {
        func regionOf(_ name: String?) -> String? { name.flatMap { n in buckets.first { $0.name == n }?.region } }
        switch metric {
        case "ReplicationLatency", "BytesPendingReplication", "OperationsPendingReplication":
            return regionOf(dimensions["DestinationBucket"]).map { ($0, "the destination bucket's region") }
        case "OperationsFailedReplication":
            return regionOf(dimensions["SourceBucket"]).map { ($0, "the source bucket's region") }
        case "NumberOfObjects", "BucketSizeBytes":
            return regionOf(dimensions["BucketName"]).map { ($0, "the bucket's region") }
        default:
            return nil
        }
    }

    enum Lookup {
        case notCollected
        case unavailable(Unavailable)
        /// The series (nil: CloudWatch returned none for it) and the region it was read in.
        case found(MetricSeries?, region: String)
    }

    /// The replication metric of one pair, from the region AWS publishes it in.
    static func lookup(
        _ monitoring: MonitoringObservation?, metric: String, source: BucketPolicy, promise: ReplicationPromise,
        policy: Policy
    ) -> Lookup {
        var dimensions = ["SourceBucket": source.name, "DestinationBucket": promise.destinationBucket]
        if let rule = promise.ruleID { dimensions["RuleId"] = rule }
        guard let region = region(metric: metric, dimensions: dimensions, buckets: policy.buckets)?.region,
            let observed = monitoring?.metrics[region]
        else { return .notCollected }
        switch observed {
        case .unavailable(let reason): return .unavailable(reason)
        case .value(let all):
            let series = all.first { s in
                s.metric == metric && dimensions.allSatisfy { s.dimensions[$0.key] == $0.value }
            }
            // Its page of the region's GetMetricData failed while others were answered.
            if let reason = series?.unavailable { return .unavailable(reason) }
            return .found(series, region: region)
        }
    }

    enum Daily {
        case notCollected
        case unavailable(Unavailable)
        case points([MetricSeries.Point])
    }

    /// Each region's answered metrics with a `BucketName` dimension (the storage metrics), by
    /// bucket, in answer order: built once per evaluation, so a thousand buckets do not each
    /// scan every series of their region.
    struct ByBucket {
        var regions: [String: Observed<[String: [MetricSeries]]>] = [:]

        init(_ monitoring: MonitoringObservation?) {
            for (region, observed) in monitoring?.metrics ?? [:] {
                switch observed {
                case .unavailable(let reason): regions[region] = .unavailable(reason)
                case .value(let all):
                    var byBucket: [String: [MetricSeries]] = [:]
                    for series in all {
                        guard let bucket = series.dimensions["BucketName"] else { continue }
                        byBucket[bucket, default: []].append(series)
                    }
                    regions[region] = .value(byBucket)
                }
            }
        }
    }

    /// A bucket's daily NumberOfObjects: the observation's points merged with stored history
    /// (`s3_objects{bucket}`); the observation wins for a day both have. With the observation
    /// unavailable, history alone still judges.
    static func dailyCounts(_ metrics: ByBucket, bucket: BucketPolicy, history: History) -> Daily {
        let stored = history.series(.s3Objects, labels: ["bucket": bucket.name]).map {
            MetricSeries.Point(time: $0.time, value: $0.value)
        }
        var observed: [MetricSeries.Point] = []
        switch metrics.regions[bucket.region] {
        case nil:
            if stored.isEmpty { return .notCollected }
        case .unavailable(let reason):
            if stored.isEmpty { return .unavailable(reason) }
        case .value(let byBucket):
            let series = byBucket[bucket.name]?.first {
                $0.metric == "NumberOfObjects"
                    && ($0.dimensions["StorageType"] ?? "AllStorageTypes") == "AllStorageTypes"
            }
            // Its page failed: as for an unavailable region, stored history alone still judges.
            if let reason = series?.unavailable, stored.isEmpty { return .unavailable(reason) }
            observed = series?.points ?? []
        }
        return .points(byDay(stored + observed))
    }

    /// A bucket's daily BucketSizeBytes summed over its storage types, without the per-object
    /// overhead types (Deep Archive's 40 KB an object is metadata, not object data), oldest first.
    /// None when any of its storage types was not read: a partial sum would understate the bytes.
    static func dailyBytes(_ metrics: ByBucket, bucket: BucketPolicy) -> [MetricSeries.Point] {
        guard case .value(let byBucket)? = metrics.regions[bucket.region] else { return [] }
        let sized = (byBucket[bucket.name] ?? []).filter { $0.metric == "BucketSizeBytes" }
        guard sized.allSatisfy({ $0.unavailable == nil }) else { return [] }
        var totals: [Date: Double] = [:]
        for series in sized where !(series.dimensions["StorageType"] ?? "").contains("Overhead") {
            for point in byDay(series.points) { totals[point.time, default: 0] += point.value }
        }
        return totals.sorted { $0.key < $1.key }.map { MetricSeries.Point(time: $0.key, value: $0.value) }
    }

    /// One value per UTC day (stamped at its midnight), oldest first; later entries win.
    static func byDay(_ points: [MetricSeries.Point]) -> [MetricSeries.Point] {
        var days: [Int: MetricSeries.Point] = [:]
        for point in points {
            let day = Int((point.time.timeIntervalSince1970 / 86400).rounded(.down))
            days[day] = MetricSeries.Point(time: Date(timeIntervalSince1970: Double(day) * 86400), value: point.value)
        }
        return days.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Length of the run of consecutive periods ending at the newest point for which `breach`
    /// holds. A missing period breaks the run (the guide's alarms treat missing data as not breaching).
    static func breachingRun(_ sorted: [MetricSeries.Point], periodSeconds: Int, breach: (Double) -> Bool) -> Int {
        var run = 0
        var expected: Date?
        for point in sorted.reversed() {
            if let expected, abs(point.time.timeIntervalSince(expected)) > 1 { break }
            guard breach(point.value) else { break }
            run += 1
            expected = point.time.addingTimeInterval(-Double(periodSeconds))
        }
        return run
    }

    /// A backlog grows when, over at least 6 periods, it ends higher than it began, rises or holds
    /// in at least 80 % of the steps, and its Theil–Sen slope (median of pairwise slopes, robust
    /// to one spike) is positive. Random noise around a level fails the 80 % test.
    static func isGrowing(_ values: [Double]) -> Bool {
        guard values.count >= 6, let first = values.first, let last = values.last, last > first else { return false }
        let steps = zip(values, values.dropFirst())
        let rising = steps.filter { $0.1 >= $0.0 }.count
        guard Double(rising) >= 0.8 * Double(values.count - 1) else { return false }
        var slopes: [Double] = []
        for i in values.indices {
            for j in values.indices where j > i { slopes.append((values[j] - values[i]) / Double(j - i)) }
        }
        return median(slopes) > 0
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// median − factor × 1.4826·MAD (the MAD scaled to a normal σ), but at least 0.5 % of the
    /// median below it: a perfectly flat history (MAD 0) must not make a one-object dip critical.
    static func robustFloor(_ values: [Double], factor: Double) -> (median: Double, floor: Double) {
        let m = median(values)
        let mad = median(values.map { abs($0 - m) })
        let width = max(factor * 1.4826 * mad, 0.005 * m)
        return (m, m - width)
    }

    // Formatting: units always in the text.

    static func seconds(_ value: Double) -> String {
        DurationText.measured(value)
    }

    static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = value
        var unit = 0
        while v >= 1024, unit < units.count - 1 {
            v /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(v)) B" : String(format: "%.1f ", v) + units[unit]
    }

    static func count(_ value: Double) -> String {
        // Digits grouped by hand: a NumberFormatter per call was most of the cost of a thousand
        // buckets' count findings. Anything not a finite count of sensible size goes the old way.
        let rounded = value.rounded()
        if rounded.isFinite, abs(rounded) < 1e15 {
            let whole = Int64(rounded)
            let digits = Array(String(whole.magnitude))
            var out = rounded.sign == .minus ? "-" : ""  // "-0" for -0.4, as NumberFormatter writes it
            for (index, digit) in digits.enumerated() {
                if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
                out.append(digit)
            }
            return out
        }
        return formattedCount(rounded)
    }

    static func formattedCount(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        formatter.maximumFractionDigits = 0
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: NSNumber(value: value.rounded())) ?? "\(Int(value))"
    }

    /// `30.0 %`
    static func percent(_ value: Double) -> String { String(format: "%.1f %%", value) }

    /// `-30.0 %`, `+2.5 %`
    static func change(_ value: Double) -> String { (value > 0 ? "+" : "") + percent(value) }

    /// `14:05 UTC`
    static func clock(_ date: Date) -> String {
        let time = UTCText.parts(date)
        return "\(UTCText.two(time.hour)):\(UTCText.two(time.minute)) UTC"
    }

    /// `2026-11-19`
    static func day(_ date: Date) -> String { UTCText.day(date) }

    /// `2026-11-19 14:05 UTC`
    static func timestamp(_ date: Date) -> String { UTCText.minute(date) }
}
