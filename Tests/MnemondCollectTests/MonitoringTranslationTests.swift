import Foundation
import MnemondModel
import Testing

@testable import MnemondAWS
@testable import MnemondCollect

/// CloudWatch, SNS and EventBridge answers (shapes recorded from the simulator, which builds them
/// from botocore's output shapes) → the monitoring observation, and the metric plan → queries.
@Suite struct MonitoringTranslationTests {
    static let buckets = [
        BucketPolicy(
            name: "mne-media-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1",
            replication: ReplicationPromise(
                destinationBucket: "mne-media-replica", storageClass: "DEEP_ARCHIVE", deleteMarkerReplication: true,
                metricsEnabled: true, ruleID: "paris-replica")),
        BucketPolicy(
            name: "mne-vault-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 2A",
            replication: ReplicationPromise(
                destinationBucket: "mne-vault-replica", storageClass: "DEEP_ARCHIVE", deleteMarkerReplication: true,
                metricsEnabled: true, ruleID: "vault-replica-rule")),
        BucketPolicy(
            name: "mne-media-replica", region: "eu-west-3", role: .replica, noncurrentDays: 180, guide: "Phase 2"),
        BucketPolicy(
            name: "mne-vault-replica", region: "eu-north-1", role: .replica, noncurrentDays: 180, guide: "Phase 2B"),
    ]
    /// 2026-11-20 14:03:20 UTC.
    static let now = Date(timeIntervalSince1970: 1_795_183_400)

    // MARK: the plan

    @Test func eachMetricIsAskedWhereAWSPublishesIt() {
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: true)
        #expect(Set(plan.regions.keys) == ["eu-west-1", "eu-west-3", "eu-north-1"])
        func metrics(_ region: String) -> [String] {
            plan.regions[region]!.filter { $0.query.periodSeconds == 300 }.map(\.query.metricName)
        }
        // repl-metrics.html: failures in the source's region, the other three in the destination's.
        #expect(metrics("eu-west-1") == ["OperationsFailedReplication", "OperationsFailedReplication"])
        #expect(
            metrics("eu-west-3") == ["ReplicationLatency", "OperationsPendingReplication", "BytesPendingReplication"])
        #expect(
            metrics("eu-north-1") == ["ReplicationLatency", "OperationsPendingReplication", "BytesPendingReplication"])
        // Storage metrics in each bucket's region: one object count + 22 storage types per bucket.
        let storage = plan.regions["eu-west-1"]!.filter { $0.query.periodSeconds == 86400 }
        #expect(storage.count == 2 * 23)
        #expect(
            storage.filter { $0.query.metricName == "NumberOfObjects" }.map(\.labels) == [
                ["bucket": "mne-media-prod"], ["bucket": "mne-vault-prod"],
            ])
        let total: Int = plan.regions.values.map(\.count).reduce(0, +)
        #expect(total == 8 + 4 * 23)
        for queries in plan.regions.values {
            #expect(Set(queries.map(\.query.id)).count == queries.count)
            #expect(queries.count <= CloudWatch.maxQueriesPerCall)
        }
    }

    /// 500 replicated pairs: sources in eu-west-1, replicas alternating between eu-west-3 and
    /// eu-north-1 (the issue's 1,000-bucket estate).
    static func generatedEstate(pairs: Int) -> [BucketPolicy] {
        var buckets: [BucketPolicy] = []
        for index in 0..<pairs {
            let replicaRegion = index.isMultiple(of: 2) ? "eu-west-3" : "eu-north-1"
            buckets.append(
                BucketPolicy(
                    name: "src-\(index)", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1",
                    replication: ReplicationPromise(
                        destinationBucket: "dst-\(index)", storageClass: "DEEP_ARCHIVE",
                        deleteMarkerReplication: true, metricsEnabled: true, ruleID: "rule-\(index)")))
            buckets.append(
                BucketPolicy(
                    name: "dst-\(index)", region: replicaRegion, role: .replica, noncurrentDays: 180,
                    guide: "Phase 2"))
        }
        return buckets
    }

    @Test func aThousandBucketPlanHasEveryQueryOnceInBucketOrder() {
        let buckets = Self.generatedEstate(pairs: 500)
        let plan = MonitoringCollector.metricPlan(buckets, now: Self.now, storage: true)
        // Per region: the replication queries of each pair in bucket order, then per bucket the
        // object count and the 22 storage types, in bucket order.
        var expected: [String: [String]] = [:]
        for index in 0..<500 {
            let destination = index.isMultiple(of: 2) ? "eu-west-3" : "eu-north-1"
            for metric in ["ReplicationLatency", "OperationsFailedReplication", "OperationsPendingReplication"]
                + ["BytesPendingReplication"]
            {
                let region = metric == "OperationsFailedReplication" ? "eu-west-1" : destination
                expected[region, default: []].append("\(metric) src-\(index)>dst-\(index) rule-\(index)")
            }
        }
        for bucket in buckets {
            expected[bucket.region, default: []].append("NumberOfObjects \(bucket.name) AllStorageTypes")
            for type in MonitoringCollector.storageTypes {
                expected[bucket.region, default: []].append("BucketSizeBytes \(bucket.name) \(type)")
            }
        }
        func describe(_ planned: MonitoringCollector.PlannedQuery) -> String {
            let values = planned.query.dimensions.map(\.value)
            return planned.query.periodSeconds == 300
                ? "\(planned.query.metricName) \(values[0])>\(values[1]) \(values[2])"
                : "\(planned.query.metricName) \(values[0]) \(values[1])"
        }
        #expect(plan.regions.mapValues { $0.count } == ["eu-west-1": 12_000, "eu-west-3": 6_500, "eu-north-1": 6_500])
        #expect(plan.regions.values.map(\.count).reduce(0, +) == 25_000)
        for (region, queries) in plan.regions {
            #expect(queries.map(describe) == expected[region], "order in \(region)")
            // Ids number the region's queries in plan order, so they are unique in every call.
            #expect(queries.map(\.query.id) == (0..<queries.count).map { "q\($0)" }, "ids in \(region)")
        }
        // Without the daily family only the replication queries remain, in the same order.
        let hourly = MonitoringCollector.metricPlan(buckets, now: Self.now, storage: false)
        #expect(hourly.regions.mapValues { $0.count } == ["eu-west-1": 500, "eu-west-3": 750, "eu-north-1": 750])
        for (region, queries) in hourly.regions {
            #expect(queries.map(describe) == Array(expected[region]!.prefix(queries.count)))
        }
    }

    /// The same 1,000 buckets once ListMetrics has said which storage types each has: 2 each
    /// (Standard and Intelligent-Tiering on the sources, Deep Archive and its overhead on the
    /// replicas). 25,000 metric queries per storage run before discovery, 5,000 after: 2,000
    /// replication queries, and per bucket its object count and its 2 types.
    @Test func aThousandBucketPlanAfterDiscoveryAsksOnlyForTheListedTypes() async {
        let buckets = Self.generatedEstate(pairs: 500)
        var listed: [String: [CloudWatch.ListedMetric]] = [:]
        for bucket in buckets {
            let types =
                bucket.role == .source
                ? ["IntelligentTieringFAStorage", "StandardStorage"]
                : ["DeepArchiveObjectOverhead", "DeepArchiveStorage"]
            listed[bucket.region, default: []] += types.map {
                CloudWatch.ListedMetric(
                    namespace: "AWS/S3", metricName: "BucketSizeBytes",
                    dimensions: [.init("BucketName", bucket.name), .init("StorageType", $0)])
            }
        }
        let answers = listed
        let found = await StorageTypeDiscovery().storageTypes(for: buckets, now: Self.now) { answers[$0] ?? [] }
        #expect(found.failed.isEmpty)
        let before = MonitoringCollector.metricPlan(buckets, now: Self.now, storage: true)
        let after = MonitoringCollector.metricPlan(buckets, now: Self.now, storage: true, storageTypes: found.types)
        let queriesBefore: Int = before.regions.values.map(\.count).reduce(0, +)
        let queriesAfter: Int = after.regions.values.map(\.count).reduce(0, +)
        #expect(queriesBefore == 25_000)
        #expect(queriesAfter == 5_000)
        #expect(after.regions.mapValues { $0.count } == ["eu-west-1": 2_000, "eu-west-3": 1_500, "eu-north-1": 1_500])
        // Per bucket: its object count, then its listed types in AWS's order.
        let dst = after.regions["eu-west-3"]!.filter { $0.labels["bucket"] == "dst-0" }
        #expect(
            dst.map { "\($0.query.metricName) \($0.labels["storage_type"] ?? "")" } == [
                "NumberOfObjects ", "BucketSizeBytes DeepArchiveStorage", "BucketSizeBytes DeepArchiveObjectOverhead",
            ])
        for queries in after.regions.values {
            #expect(queries.map(\.query.id) == (0..<queries.count).map { "q\($0)" })
        }
        // Without the daily family nothing changes: 2,000 replication queries either way.
        let hourly = MonitoringCollector.metricPlan(buckets, now: Self.now, storage: false, storageTypes: found.types)
        let hourlyQueries: Int = hourly.regions.values.map(\.count).reduce(0, +)
        #expect(hourlyQueries == 2_000)
    }

    @Test func windowsAreAlignedToTheirPeriods() {
        let hourly = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: false)
        // 14:03:20 → 5-minute boundary 14:00, minus one hour.
        let hour = Date(timeIntervalSince1970: 1_795_183_200 - 3600)
        #expect(hourly.replicationStart == hour)
        #expect(hourly.end == Self.now)
        #expect(hourly.regions.values.flatMap { $0 }.allSatisfy { $0.query.periodSeconds == 300 })
        let daily = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: true)
        // Midnight of 2026-11-20 minus 20 days: S3 stamps its daily datapoints at midnight UTC.
        #expect(daily.storageStart == Date(timeIntervalSince1970: 1_795_132_800 - 20 * 86400))
        #expect(daily.replicationStart == hour)
    }

    /// Issue #15: a request has one time range, so a region's queries go out as one request per
    /// range its families need. A 5-minute cycle: one request per region over the hour. A storage
    /// run: the replication queries over the hour, the storage queries over 20 days.
    @Test func eachFamilyIsOneRequestOverItsOwnRange() {
        let hour = Date(timeIntervalSince1970: 1_795_183_200 - 3600)
        let days = Date(timeIntervalSince1970: 1_795_132_800 - 20 * 86400)
        let hourly = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: false)
        for region in ["eu-west-1", "eu-west-3", "eu-north-1"] {
            #expect(hourly.requests(in: region).count == 1)
            #expect(hourly.requests(in: region).allSatisfy { $0.start == hour && $0.end == Self.now })
        }
        let daily = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: true)
        let replication = "5-minute replication metrics"
        let storage = "daily storage metrics"
        #expect(
            daily.requests(in: "eu-west-1") == [
                .init(family: replication, queries: 0..<2, start: hour, end: Self.now),
                .init(family: storage, queries: 2..<48, start: days, end: Self.now),
            ])
        for region in ["eu-west-3", "eu-north-1"] {
            #expect(
                daily.requests(in: region) == [
                    .init(family: replication, queries: 0..<3, start: hour, end: Self.now),
                    .init(family: storage, queries: 3..<26, start: days, end: Self.now),
                ])
        }
        // Every query of a request has the request's period.
        for (region, queries) in daily.regions {
            for request in daily.requests(in: region) {
                let periods = Set(queries[request.queries].map(\.query.periodSeconds))
                #expect(periods == [request.family == storage ? 86400 : 300], "\(region) \(request.family)")
            }
        }

        // Datapoints a storage run asks for, from the plan. The 8 replication queries: 13 points
        // each over the hour (3,800 s); over the storage range one request used to carry
        // (20 days + 50,600 s), 5,929 each. The 92 storage queries: 21 daily points each, as before.
        let requests = daily.regions.keys.flatMap { daily.requests(in: $0) }
        let replicationRequests = requests.filter { $0.family == replication }
        let after = replicationRequests.map { $0.points(periodSeconds: 300) }.reduce(0, +)
        let before = replicationRequests.map {
            MonitoringCollector.MetricRequest(family: replication, queries: $0.queries, start: days, end: Self.now)
                .points(periodSeconds: 300)
        }.reduce(0, +)
        #expect(after == 8 * 13)
        #expect(before == 8 * 5_929)
        let storagePoints = requests.filter { $0.family == storage }.map { $0.points(periodSeconds: 86400) }.reduce(
            0, +)
        #expect(storagePoints == 92 * 21)
        // A storage run of the guide's estate: 49,364 points before, 2,036 after.
        #expect(before + storagePoints == 49_364)
        #expect(after + storagePoints == 2_036)
    }

    /// The pages of a region's requests: 500 queries at most, each page in its request's range,
    /// named so a failure says which family and page (and nothing where the region takes one call).
    @Test func pagesAreCutPerRequestAndNamed() {
        let hour = Date(timeIntervalSince1970: 1_795_179_600)
        let days = Date(timeIntervalSince1970: 1_793_404_800)
        let replication = MonitoringCollector.MetricRequest(
            family: "5-minute replication metrics", queries: 0..<3, start: hour, end: Self.now)
        let storage = MonitoringCollector.MetricRequest(
            family: "daily storage metrics", queries: 3..<532, start: days, end: Self.now)
        #expect(
            MonitoringCollector.pages([replication]) == [.init(range: 0..<3, start: hour, end: Self.now, name: nil)])
        #expect(
            MonitoringCollector.pages([replication, storage]) == [
                .init(range: 0..<3, start: hour, end: Self.now, name: "5-minute replication metrics (queries q0–q2)"),
                .init(
                    range: 3..<503, start: days, end: Self.now,
                    name: "daily storage metrics, page 1 of 2 (queries q3–q502)"),
                .init(
                    range: 503..<532, start: days, end: Self.now,
                    name: "daily storage metrics, page 2 of 2 (queries q503–q531)"),
            ])
        // One request of several pages: named as before this split, by page only.
        let big = MonitoringCollector.MetricRequest(
            family: "5-minute replication metrics", queries: 0..<750, start: hour, end: Self.now)
        #expect(
            MonitoringCollector.pages([big]).map(\.name) == [
                "page 1 of 2 (queries q0–q499)", "page 2 of 2 (queries q500–q749)",
            ])
    }

    @Test func dimensionsGoInAWSsDocumentedOrder() {
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: true)
        let latency = plan.regions["eu-west-3"]!.first { $0.query.metricName == "ReplicationLatency" }!
        #expect(
            latency.query.dimensions == [
                .init("SourceBucket", "mne-media-prod"), .init("DestinationBucket", "mne-media-replica"),
                .init("RuleId", "paris-replica"),
            ])
        #expect(latency.series == .s3ReplicationLatencySeconds)
        #expect(latency.labels == ["source": "mne-media-prod", "destination": "mne-media-replica"])
    }

    @Test func getMetricDataIsFlattenedTheQueryProtocolWay() {
        let query = CloudWatch.MetricQuery(
            id: "q0", namespace: "AWS/S3", metricName: "NumberOfObjects",
            dimensions: [.init("BucketName", "mne-vault-replica"), .init("StorageType", "AllStorageTypes")],
            periodSeconds: 86400, stat: "Average")
        let parameters = CloudWatch.metricDataParameters(
            [query], start: Date(timeIntervalSince1970: 1_793_404_800), end: Date(timeIntervalSince1970: 1_795_183_400),
            nextToken: "page-2")
        #expect(
            parameters.map { "\($0.0)=\($0.1)" } == [
                "MetricDataQueries.member.1.Id=q0",
                "MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS/S3",
                "MetricDataQueries.member.1.MetricStat.Metric.MetricName=NumberOfObjects",
                "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=BucketName",
                "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=mne-vault-replica",
                "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name=StorageType",
                "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value=AllStorageTypes",
                "MetricDataQueries.member.1.MetricStat.Period=86400",
                "MetricDataQueries.member.1.MetricStat.Stat=Average",
                "MetricDataQueries.member.1.ReturnData=true",
                "StartTime=2026-10-31T00:00:00Z", "EndTime=2026-11-20T14:03:20Z", "ScanBy=TimestampAscending",
                "NextToken=page-2",
            ])
    }

    // MARK: answers

    @Test func metricDataResultsKeepTimestampsAndValuesTogether() throws {
        let xml = """
            <GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult>
            <MetricDataResults>
              <member><Id>q0</Id><Label>ReplicationLatency Maximum</Label>
                <Timestamps><member>2026-11-20T13:55:00Z</member><member>2026-11-20T14:00:00Z</member></Timestamps>
                <Values><member>59.0</member><member>1800.0</member></Values><StatusCode>Complete</StatusCode></member>
              <member><Id>q1</Id><Label>OperationsFailedReplication Sum</Label><Timestamps/><Values/>
                <StatusCode>Complete</StatusCode></member>
            </MetricDataResults><NextToken>abc</NextToken></GetMetricDataResult></GetMetricDataResponse>
            """
        let root = try XMLTree.parse(Data(xml.utf8))
        let results = try CloudWatch.metricResults(
            root["GetMetricDataResult"]!,
            operation: QueryProtocol.operation(.cloudwatch, action: "GetMetricData", parameters: []),
            region: "eu-west-1")
        #expect(results.count == 2)
        #expect(results[0].id == "q0")
        #expect(results[0].points.map(\.value) == [59, 1800])
        #expect(
            results[0].points.map(\.time) == [
                Date(timeIntervalSince1970: 1_795_182_900), Date(timeIntervalSince1970: 1_795_183_200),
            ])
        #expect(results[1].points.isEmpty)
    }

    @Test func seriesKeepTheLastHourAndDropUnusedStorageTypes() {
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: true)
        let queries = plan.regions["eu-west-3"]!
        let latency = queries.first { $0.query.metricName == "ReplicationLatency" }!.query.id
        let count = queries.first { $0.query.metricName == "NumberOfObjects" }!.query.id
        let deep = queries.first { $0.labels["storage_type"] == "DeepArchiveStorage" }!.query.id
        let old = plan.replicationStart.addingTimeInterval(-300)
        let midnight = Date(timeIntervalSince1970: 1_795_046_400)  // 2026-11-19
        let results = [
            CloudWatch.MetricResult(
                id: latency, label: "", statusCode: "Complete",
                points: [(old, 4000), (plan.replicationStart, 60), (Self.now.addingTimeInterval(-200), 70)]),
            CloudWatch.MetricResult(id: count, label: "", statusCode: "Complete", points: [(midnight, 4_812_340)]),
            CloudWatch.MetricResult(id: deep, label: "", statusCode: "Complete", points: [(midnight, 9.23e13)]),
        ]
        let series = MonitoringCollector.series(queries, results: results, replicationSince: plan.replicationStart)
        // 3 replication series (2 empty) + object count + the one storage type in use.
        #expect(series.count == 5)
        let lag = series.first { $0.metric == "ReplicationLatency" }!
        #expect(lag.points.map(\.value) == [60, 70])  // the point before the hour is dropped
        #expect(
            lag.dimensions == [
                "SourceBucket": "mne-media-prod", "DestinationBucket": "mne-media-replica", "RuleId": "paris-replica",
            ])
        #expect(
            series.filter { $0.metric == "BucketSizeBytes" }.map { $0.dimensions["StorageType"] } == [
                "DeepArchiveStorage"
            ])

        let samples = MonitoringCollector.samples(series)
        #expect(
            samples.contains(
                Sample(series: .s3Objects, labels: ["bucket": "mne-media-replica"], time: midnight, value: 4_812_340))
        )
        #expect(
            samples.contains(
                Sample(
                    series: .s3BucketBytes,
                    labels: ["bucket": "mne-media-replica", "storage_type": "DeepArchiveStorage"],
                    time: midnight, value: 9.23e13)))
        #expect(
            samples.filter { $0.series == .s3ReplicationLatencySeconds }.map(\.labels) == [
                ["source": "mne-media-prod", "destination": "mne-media-replica"],
                ["source": "mne-media-prod", "destination": "mne-media-replica"],
            ])
    }

    // MARK: pages

    static let pageFailure = Unavailable(
        action: "cloudwatch:GetMetricData", resource: "page 2 of 3 (queries q16–q31)", region: "eu-west-1",
        code: "InternalFailure", message: "simulated")

    @Test func aFailedPageMakesOnlyItsOwnQueriesUnavailable() {
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: true)
        let queries = plan.regions["eu-west-1"]!  // 2 failure queries + 2 × 23 storage queries
        #expect(queries.count == 48)
        let midnight = Date(timeIntervalSince1970: 1_795_046_400)
        // Every query of the answered pages has one point, so no BucketSizeBytes is dropped.
        func answered(_ range: Range<Int>, calls: Int) -> MonitoringCollector.PageAnswer {
            let results = queries[range].map {
                CloudWatch.MetricResult(id: $0.query.id, label: "", statusCode: "Complete", points: [(midnight, 7)])
            }
            return .init(range: range, answer: .value(CloudWatch.MetricData(results: results, calls: calls)))
        }
        let pages: [MonitoringCollector.PageAnswer] = [
            answered(0..<16, calls: 1), .init(range: 16..<32, answer: .unavailable(Self.pageFailure)),
            answered(32..<48, calls: 2),
        ]
        let (observed, calls) = MonitoringCollector.regionSeries(
            queries, pages: pages, replicationSince: midnight.addingTimeInterval(-1))
        #expect(calls == 1 + 1 + 2)  // the failed page counts one call
        guard case .value(let series) = observed else {
            Issue.record("a region with answered pages is a value, got \(observed)")
            return
        }
        // Every query keeps its series in plan order; only the failed page's carry its reason.
        #expect(series.count == 48)
        #expect(series.map(\.metric) == queries.map(\.query.metricName))
        for (index, one) in series.enumerated() {
            if (16..<32).contains(index) {
                #expect(one.unavailable == Self.pageFailure && one.points.isEmpty, "q\(index)")
            } else {
                #expect(one.unavailable == nil && one.points.map(\.value) == [7], "q\(index)")
            }
        }
        // mne-vault-prod's object count (q25) is in the failed page; mne-media-prod's (q2) is not.
        #expect(queries[2].labels == ["bucket": "mne-media-prod"] && queries[2].query.metricName == "NumberOfObjects")
        #expect(queries[25].labels == ["bucket": "mne-vault-prod"] && queries[25].query.metricName == "NumberOfObjects")
        let samples = MonitoringCollector.samples(series)
        #expect(samples.contains { $0.series == .s3Objects && $0.labels == ["bucket": "mne-media-prod"] })
        #expect(!samples.contains { $0.series == .s3Objects && $0.labels == ["bucket": "mne-vault-prod"] })
        #expect(samples.count == 32)
    }

    @Test func everyPageFailedMakesTheRegionUnavailable() {
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.now, storage: true)
        let queries = plan.regions["eu-west-1"]!
        let other = Unavailable(
            action: "cloudwatch:GetMetricData", region: "eu-west-1", code: "Throttling", message: "slow down")
        let (observed, calls) = MonitoringCollector.regionSeries(
            queries,
            pages: [
                .init(range: 0..<24, answer: .unavailable(Self.pageFailure)),
                .init(range: 24..<48, answer: .unavailable(other)),
            ], replicationSince: Self.now)
        // The whole region failed: the first page's reason, naming no page.
        var whole = Self.pageFailure
        whole.resource = nil
        #expect(observed == .unavailable(whole))
        #expect(calls == 2)
    }

    @Test func pagesHoldFiveHundredQueriesInOrder() {
        #expect(CloudWatch.pages(0) == [])
        #expect(CloudWatch.pages(500) == [0..<500])
        #expect(CloudWatch.pages(1_201) == [0..<500, 500..<1_000, 1_000..<1_201])
    }

    @Test func aMetricAlarmIsTranslated() throws {
        let xml = """
            <member><AlarmName>mnemonica-media-replication-lag</AlarmName><ActionsEnabled>true</ActionsEnabled><OKActions/>
            <AlarmActions><member>arn:aws:sns:eu-west-3:828879644785:mnemonica-backup-alerts-dr</member></AlarmActions>
            <StateValue>OK</StateValue><StateUpdatedTimestamp>2026-11-25T01:57:09.738238Z</StateUpdatedTimestamp>
            <MetricName>ReplicationLatency</MetricName><Namespace>AWS/S3</Namespace><Statistic>Maximum</Statistic>
            <Dimensions><member><Name>SourceBucket</Name><Value>mne-media-prod</Value></member>
            <member><Name>DestinationBucket</Name><Value>mne-media-replica</Value></member>
            <member><Name>RuleId</Name><Value>paris-replica</Value></member></Dimensions>
            <Period>300</Period><EvaluationPeriods>2</EvaluationPeriods><Threshold>900.0</Threshold>
            <ComparisonOperator>GreaterThanThreshold</ComparisonOperator><TreatMissingData>notBreaching</TreatMissingData>
            <Metrics/></member>
            """
        let alarm = try MonitoringCollector.alarm(try XMLTree.parse(Data(xml.utf8)), region: "eu-west-3")
        #expect(
            alarm
                == AlarmObservation(
                    name: "mnemonica-media-replication-lag", region: "eu-west-3", state: "OK",
                    stateUpdatedAt: ISO8601.parse("2026-11-25T01:57:09.738238Z"), metric: "ReplicationLatency",
                    namespace: "AWS/S3",
                    dimensions: [
                        "SourceBucket": "mne-media-prod", "DestinationBucket": "mne-media-replica",
                        "RuleId": "paris-replica",
                    ],
                    statistic: "Maximum", periodSeconds: 300, threshold: 900, comparison: "GreaterThanThreshold",
                    evaluationPeriods: 2, actions: ["arn:aws:sns:eu-west-3:828879644785:mnemonica-backup-alerts-dr"]))
        #expect(alarm.stateUpdatedAt != nil)
    }

    @Test func anAnomalyAlarmWatchesItsFirstMetricStat() throws {
        let xml = """
            <member><AlarmName>mnemonica-media-replica-object-count-anomaly</AlarmName>
            <AlarmActions><member>arn:aws:sns:eu-west-3:828879644785:mnemonica-backup-alerts-dr</member></AlarmActions>
            <StateValue>INSUFFICIENT_DATA</StateValue><StateUpdatedTimestamp>2026-11-25T01:57:09Z</StateUpdatedTimestamp>
            <Dimensions/><EvaluationPeriods>1</EvaluationPeriods><ComparisonOperator>LessThanLowerThreshold</ComparisonOperator>
            <Metrics><member><Id>m1</Id><MetricStat><Metric><Namespace>AWS/S3</Namespace><MetricName>NumberOfObjects</MetricName>
            <Dimensions><member><Name>BucketName</Name><Value>mne-media-replica</Value></member>
            <member><Name>StorageType</Name><Value>AllStorageTypes</Value></member></Dimensions></Metric>
            <Period>86400</Period><Stat>Average</Stat></MetricStat><ReturnData>true</ReturnData></member>
            <member><Id>ad1</Id><Expression>ANOMALY_DETECTION_BAND(m1, 2)</Expression><ReturnData>true</ReturnData></member>
            </Metrics><ThresholdMetricId>ad1</ThresholdMetricId></member>
            """
        let alarm = try MonitoringCollector.alarm(try XMLTree.parse(Data(xml.utf8)), region: "eu-west-1")
        #expect(alarm.metric == "NumberOfObjects")
        #expect(alarm.dimensions == ["BucketName": "mne-media-replica", "StorageType": "AllStorageTypes"])
        #expect(alarm.periodSeconds == 86400)
        #expect(alarm.statistic == "Average")
        #expect(alarm.threshold == nil)
        #expect(alarm.state == "INSUFFICIENT_DATA")
        #expect(alarm.region == "eu-west-1")
    }

    @Test func subscriptionsArePendingOrConfirmedAndWebhooksAreRedacted() throws {
        let xml = """
            <ListSubscriptionsByTopicResult><Subscriptions>
            <member><SubscriptionArn>arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts:1af2</SubscriptionArn>
              <Protocol>email</Protocol><Endpoint>ops@example.com</Endpoint>
              <TopicArn>arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts</TopicArn></member>
            <member><SubscriptionArn>PendingConfirmation</SubscriptionArn><Protocol>https</Protocol>
              <Endpoint>https://Hooks.Slack.com/services/T000/B000/XXXXSECRETXXXX?token=abc</Endpoint>
              <TopicArn>arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts</TopicArn></member>
            </Subscriptions><NextToken>next</NextToken></ListSubscriptionsByTopicResult>
            """
        let listed = SNS.subscriptions(try XMLTree.parse(Data(xml.utf8)))
        #expect(listed.map(\.isPendingConfirmation) == [false, true])
        #expect(!"\(listed[1])".contains("SECRET"))
        let kept = listed.map(MonitoringCollector.subscription)
        #expect(
            kept == [
                .init(protocol: "email", endpoint: "ops@example.com", confirmed: true),
                .init(protocol: "https", endpoint: "https://hooks.slack.com", confirmed: false),
            ])
        let encoded = String(decoding: try JSONEncoder().encode(kept), as: UTF8.self)
        #expect(!encoded.contains("SECRET") && !encoded.contains("token") && !encoded.contains("services"))
    }

    @Test(arguments: [
        ("https://hooks.example.com/sns", "https", "https://hooks.example.com"),
        ("http://10.0.0.5:8080/alert?key=s3cr3t", "http", "http://10.0.0.5"),
        ("not a url", "https", "https://(unparseable endpoint)"),
        ("arn:aws:sqs:eu-west-1:828879644785:q", "sqs", "arn:aws:sqs:eu-west-1:828879644785:q"),
    ])
    func endpointRedaction(_ endpoint: String, _ proto: String, _ expected: String) {
        #expect(MonitoringCollector.redactedEndpoint(endpoint, protocol: proto) == expected)
    }

    @Test func eventBridgeAnswersAreRead() throws {
        let rule = EventBridge.rule(
            [
                "Name": "mnemonica-backup-job-failures", "State": "DISABLED",
                "EventPattern": #"{"source":["aws.backup"]}"#,
                "Arn": "arn:aws:events:eu-west-1:828879644785:rule/mnemonica-backup-job-failures",
            ], name: "mnemonica-backup-job-failures")
        #expect(rule.state == "DISABLED")
        #expect(rule.eventPattern == #"{"source":["aws.backup"]}"#)
        let targets = try EventBridge.targets(
            ["Targets": [["Id": "1", "Arn": "arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts"]]],
            operation: JSONProtocol.operation(.eventbridge, action: "ListTargetsByRule", input: [:]),
            region: "eu-west-1")
        #expect(targets == [.init(id: "1", arn: "arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts")])
    }

    @Test func alarmsAreAskedInEveryRegionThatCouldHoldOne() {
        let policy = Policy(
            accountID: "828879644785", buckets: Self.buckets,
            monitoring: MonitoringPolicy(
                topics: [
                    TopicPromise(arn: "arn:aws:sns:us-east-1:828879644785:t", requireEmail: true, requireHTTPS: false)
                ],
                alarms: [
                    AlarmPromise(
                        name: "a", region: "eu-central-1", metric: "X", dimensions: [:], threshold: nil, topicARN: nil)
                ], eventRules: []))
        #expect(
            MonitoringCollector.alarmRegions(policy) == [
                "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3", "us-east-1",
            ])
    }
}

@Suite struct TopicPolicyTranslationTests {
    @Test func theDefaultTopicPolicyIsReadStatementByStatement() throws {
        let json = """
            {"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Effect":"Allow","Sid":"__default_statement_ID",
             "Principal":{"AWS":"*"},"Action":["SNS:Publish","SNS:Subscribe"],"Resource":"arn:aws:sns:eu-west-3:828879644785:t",
             "Condition":{"StringEquals":{"AWS:SourceOwner":"828879644785"}}},
             {"Sid":"AllowEventBridgePublish","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"*"}]}
            """
        let statements = try MonitoringCollector.topicPolicy(json)
        #expect(
            statements == [
                TopicPolicyStatement(
                    sid: "__default_statement_ID", effect: "Allow", anyPrincipal: true,
                    actions: ["SNS:Publish", "SNS:Subscribe"],
                    conditions: [.init(operator: "StringEquals", key: "AWS:SourceOwner", values: ["828879644785"])]),
                TopicPolicyStatement(
                    sid: "AllowEventBridgePublish", effect: "Allow", services: ["events.amazonaws.com"],
                    actions: ["sns:Publish"]),
            ])
    }

    @Test func anUnreadableTopicPolicyIsInvalidNotEmpty() {
        #expect(throws: UnreadableField("Policy", "not json")) { try MonitoringCollector.topicPolicy("not json") }
        #expect(throws: UnreadableField("Policy.Statement[0].Principal.Service", "7")) {
            try MonitoringCollector.topicPolicy(#"{"Statement":[{"Effect":"Allow","Principal":{"Service":7}}]}"#)
        }
    }
}
