import Foundation
import MnemondAWS
import MnemondChecks
import MnemondCollect
import MnemondConfig
import MnemondDaemon
import MnemondHTTP
import MnemondModel
import MnemondSigV4
import MnemondTestSupport
import Testing

/// The monitoring area end to end against the simulator: collect (metrics + plumbing) → the
/// monitoring checks. The target estate is all OK; each monitoring fault changes exactly the
/// check it is meant for; a cycle makes one GetMetricData call per publishing region and per
/// time range its metric families need.
@Suite(.serialized, .timeLimit(.minutes(15))) struct MonitoringCollectorTests {
    static let account = "828879644785"
    static func topic(_ region: String, _ name: String) -> String { "arn:aws:sns:\(region):\(account):\(name)" }
    static let primary = topic("eu-west-1", "mnemonica-backup-alerts")
    static let dr = topic("eu-west-3", "mnemonica-backup-alerts-dr")
    static let north = topic("eu-north-1", "mnemonica-backup-alerts-north")

    /// The guide's estate with its monitoring corrected: each alarm where its metric is published.
    static let policy: Policy = {
        func replication(_ destination: String, _ rule: String) -> ReplicationPromise {
            ReplicationPromise(
                destinationBucket: destination, storageClass: "DEEP_ARCHIVE", deleteMarkerReplication: true,
                metricsEnabled: true, ruleID: rule)
        }
        let buckets = [
            BucketPolicy(
                name: "mne-media-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1",
                replication: replication("mne-media-replica", "paris-replica")),
            BucketPolicy(
                name: "mne-vault-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 2A",
                replication: replication("mne-vault-replica", "vault-replica-rule")),
            BucketPolicy(
                name: "mne-media-replica", region: "eu-west-3", role: .replica, noncurrentDays: 180, guide: "Phase 2"),
            BucketPolicy(
                name: "mne-vault-replica", region: "eu-north-1", role: .replica, noncurrentDays: 180, guide: "Phase 2B"),
        ]
        func pair(_ name: String, _ source: String, _ destination: String, _ rule: String, topic: String)
            -> [AlarmPromise]
        {
            let dims = ["SourceBucket": source, "DestinationBucket": destination, "RuleId": rule]
            return [
                AlarmPromise(
                    name: "mnemonica-\(name)-replication-lag", region: nil, metric: "ReplicationLatency",
                    dimensions: dims,
                    threshold: 900, topicARN: topic),
                AlarmPromise(
                    name: "mnemonica-\(name)-replication-failures", region: nil, metric: "OperationsFailedReplication",
                    dimensions: dims, threshold: 1, topicARN: primary),
                AlarmPromise(
                    name: "mnemonica-\(name)-replica-object-count-anomaly", region: nil, metric: "NumberOfObjects",
                    dimensions: ["BucketName": destination, "StorageType": "AllStorageTypes"], threshold: nil,
                    topicARN: topic),
            ]
        }
        let monitoring = MonitoringPolicy(
            topics: [primary, dr, north].map { TopicPromise(arn: $0, requireEmail: true, requireHTTPS: true) },
            alarms: pair("media", "mne-media-prod", "mne-media-replica", "paris-replica", topic: dr)
                + pair("vault", "mne-vault-prod", "mne-vault-replica", "vault-replica-rule", topic: north),
            eventRules: [
                EventRulePromise(name: "mnemonica-backup-job-failures", region: "eu-west-1", topicARN: primary),
                EventRulePromise(name: "mnemonica-backup-job-failures-dr", region: "eu-west-3", topicARN: dr),
            ])
        return Policy(accountID: account, buckets: buckets, monitoring: monitoring)
    }()

    static let checks = ReplicationMetricChecks.all + AlertPlumbingChecks.all

    static func client(_ simulator: AWSSimulator) -> AWSClient {
        let credentials = AWSCredentials(
            signing: SigV4Credentials(
                accessKeyID: simulator.accessKeyID, secretAccessKey: simulator.secretAccessKey, sessionToken: nil),
            source: "test")
        return AWSClient(
            credentials: StaticCredentialProvider(credentials), http: HTTPClient(),
            endpoints: EndpointResolver(environment: ["AWS_ENDPOINT_URL": simulator.endpoint.absoluteString]),
            retry: RetryPolicy(maxAttempts: 1))
    }

    struct Cycle {
        var observation: MonitoringObservation
        var samples: [Sample]
        var metricCalls: [String: Int]
        var findings: [Finding]
        var byKey: [String: Finding] {
            Dictionary(uniqueKeysWithValues: findings.map { ("\($0.check) \($0.resource)", $0) })
        }
    }

    /// One cycle of the monitoring families, as the daemon runs them.
    static func cycle(_ simulator: AWSSimulator, policy: Policy = policy) async -> Cycle {
        let client = client(simulator)
        let collector = MonitoringCollector(client: client)
        _ = await client.calls.reset()
        let metrics = await CollectorRunner(collectors: [CloudWatchMetricsCollector(monitoring: collector)])
            .run(policy, families: [.metrics, .storageMetrics])
        let metricCalls = await client.calls.reset()
        let plumbing = await CollectorRunner(collectors: [AlertPlumbingCollector(monitoring: collector)])
            .run(policy, families: [.configuration])
        let now = Date()
        var observations = Observations(collectedAt: now)
        metrics.merge(into: &observations)
        plumbing.merge(into: &observations)
        let observation = observations.monitoring ?? MonitoringObservation()
        let findings = checks.flatMap { $0.evaluate(policy, observations, History(), now) }
        return Cycle(
            observation: observation, samples: metrics.samples + plumbing.samples, metricCalls: metricCalls,
            findings: findings)
    }

    @Test func targetEstateIsAllOKWithOneGetMetricDataCallPerPublishingRegionAndRange() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let cycle = await Self.cycle(simulator)
        // All OK but the guide's own DR topic policy gap (see `guideTargetDRTopicPolicyGap`).
        let notOK = cycle.findings.filter { $0.state != .ok }
        #expect(notOK.map { "\($0.check) \($0.resource)" } == [guideTargetDRTopicPolicyGap], "\(notOK.map(\.message))")
        // latency, failures, backlog: 2 sources each; object_count: 2 replicas; 3 topics; 6 alarms; 2 rules.
        let expectedFindings = 19
        #expect(cycle.findings.count == expectedFindings)

        // Issue #4: one batched GetMetricData per region that publishes a watched metric, and
        // per time range (issue #15): a request has one StartTime/EndTime, so on this storage run
        // each of the 3 regions asks once for its 5-minute replication metrics over the last hour
        // and once for its daily storage metrics over 20 days. One request over the storage range
        // would ask for ≈ 5,900 five-minute points per replication query to keep 13.
        #expect(cycle.metricCalls == ["cloudwatch": 3 * 2])
        let calls = cycle.samples.filter { $0.series == .cloudWatchGetMetricDataCalls }
        #expect(
            Dictionary(uniqueKeysWithValues: calls.map { ($0.labels["region"]!, $0.value) }) == [
                "eu-west-1": 2, "eu-west-3": 2, "eu-north-1": 2,
            ])
        let requested = cycle.samples.filter { $0.series == .cloudWatchMetricsRequested }
        let requestedTotal: Double = requested.map(\.value).reduce(0, +)
        #expect(requestedTotal == Double(8 + 4 * 23))
        #expect(Set(cycle.observation.metrics.keys) == ["eu-west-1", "eu-west-3", "eu-north-1"])

        // The metrics as stored series: latency in seconds per pair, daily counts at midnight.
        let latency = cycle.samples.filter {
            $0.series == .s3ReplicationLatencySeconds && $0.labels["source"] == "mne-media-prod"
        }
        #expect(latency.count >= 11 && latency.allSatisfy { (30...120).contains($0.value) })
        let counts = cycle.samples.filter { $0.series == .s3Objects && $0.labels == ["bucket": "mne-vault-replica"] }
        #expect(counts.count == 20 && counts.map(\.value).max() == 57_551)
        #expect(counts.allSatisfy { Int($0.time.timeIntervalSince1970) % 86400 == 0 })
        #expect(
            cycle.samples.contains {
                $0.series == .s3BucketBytes && $0.labels["storage_type"] == "DeepArchiveStorage"
            })
        #expect(
            cycle.samples.contains {
                $0.series == .collectorSuccess && $0.labels["collector"] == "cloudwatch_metrics" && $0.value == 1
            })
        #expect(
            cycle.samples.contains {
                $0.series == .collectorSuccess && $0.labels["collector"] == "alert_plumbing" && $0.value == 1
            })

        // A webhook URL is a secret: only scheme and host reach the observation.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let encoded = String(decoding: try encoder.encode(cycle.observation), as: UTF8.self)
        let keepsHost = encoded.contains("\"https://hooks.example.com\"")
        let leaksPath = encoded.contains("hooks.example.com/sns")
        #expect(keepsHost)
        #expect(!leaksPath)
    }

    @Test func theShippedConfigAgreesWithTheTargetEstate() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let policy = try Config.load(path: repoConfig).policy
        let client = Self.client(simulator)
        let collector = MonitoringCollector(client: client)
        var observation = await collector.collectMetrics(policy: policy).monitoring
        let plumbing = await collector.collectPlumbing(policy: policy).monitoring
        observation.alarms = plumbing.alarms
        observation.topics = plumbing.topics
        observation.rules = plumbing.rules
        let now = Date()
        let findings = Self.checks.flatMap {
            $0.evaluate(policy, Observations(collectedAt: now, monitoring: observation), History(), now)
        }
        let notOK = findings.filter { $0.state != .ok }
        #expect(!findings.isEmpty)
        #expect(notOK.map { "\($0.check) \($0.resource)" } == [guideTargetDRTopicPolicyGap], "\(notOK.map(\.message))")
    }

    @Test func fiveMinuteCyclesWithoutStorageStillMakeOneCallPerRegion() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let client = Self.client(simulator)
        _ = await client.calls.reset()
        let result = await MonitoringCollector(client: client).collectMetrics(policy: Self.policy, storage: false)
        #expect(await client.calls.reset() == ["cloudwatch": 3])
        let requested: Double = result.samples.filter { $0.series == .cloudWatchMetricsRequested }.map(\.value)
            .reduce(0, +)
        #expect(requested == 8)
        #expect(!result.samples.contains { $0.series == .s3Objects })
    }

    /// Each family is asked over the range it needs, as the requests carry it on the wire
    /// (issue #15). A GetMetricData request has one StartTime/EndTime; a storage run used to send
    /// one request per region over the storage family's 20 days, so the 5-minute replication
    /// queries asked for 5-minute points over all of it. A recorder stands in for CloudWatch and
    /// answers every request with no datapoints; the clock is fixed, so the ranges are exact.
    @Test func eachFamilyIsAskedOverTheRangeItNeeds() async throws {
        try await HTTPRecorder.with { recorder in
            let empty = """
                <GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult>\
                <MetricDataResults/></GetMetricDataResult></GetMetricDataResponse>
                """
            try await recorder.enqueue(
                responses: Array(
                    repeating: ScriptedResponse(headers: [(name: "Content-Type", value: "text/xml")], text: empty),
                    count: 6))
            let client = AWSClient(
                credentials: StaticCredentialProvider(
                    AWSCredentials(
                        signing: SigV4Credentials(
                            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: nil),
                        source: "test")),
                http: HTTPClient(),
                endpoints: EndpointResolver(environment: ["AWS_ENDPOINT_URL": recorder.endpoint.absoluteString]),
                retry: RetryPolicy(maxAttempts: 1))
            let now = Date(timeIntervalSince1970: 1_795_183_400)  // 2026-11-20 14:03:20 UTC
            let result = await MonitoringCollector(client: client, now: { now }).collectMetrics(
                policy: Self.policy, storage: true)
            #expect(result.success)

            struct Sent: Hashable {
                var region: String
                var start: String
                var end: String
                var period: Int
                var queries: Int
            }
            var sent: [Sent] = []
            for request in try await recorder.requests() {
                var form: [String: String] = [:]
                for item in URLComponents(string: "?" + request.bodyText)?.queryItems ?? [] {
                    form[item.name] = item.value ?? ""
                }
                // The region is the signature's credential scope: …/<date>/<region>/monitoring/aws4_request.
                let scope = request.header("Authorization")?.split(separator: "/").dropLast(2).last.map(String.init)
                let periods = Set(form.filter { $0.key.hasSuffix(".MetricStat.Period") }.values)
                #expect(form["Action"] == "GetMetricData")
                #expect(periods.count == 1, "one family per request: \(periods)")
                sent.append(
                    Sent(
                        region: scope ?? "?", start: form["StartTime"] ?? "", end: form["EndTime"] ?? "",
                        period: Int(periods.first ?? "") ?? 0,
                        queries: form.keys.filter { $0.hasSuffix(".Id") && $0.hasPrefix("MetricDataQueries") }.count))
            }
            // The replication family: the last hour from the 5-minute boundary (13:00). The storage
            // family: 20 midnights back. Both end now.
            let hour = "2026-11-20T13:00:00Z"
            let days = "2026-10-31T00:00:00Z"
            let end = "2026-11-20T14:03:20Z"
            #expect(
                Set(sent) == [
                    Sent(region: "eu-west-1", start: hour, end: end, period: 300, queries: 2),
                    Sent(region: "eu-west-1", start: days, end: end, period: 86400, queries: 2 * 23),
                    Sent(region: "eu-west-3", start: hour, end: end, period: 300, queries: 3),
                    Sent(region: "eu-west-3", start: days, end: end, period: 86400, queries: 23),
                    Sent(region: "eu-north-1", start: hour, end: end, period: 300, queries: 3),
                    Sent(region: "eu-north-1", start: days, end: end, period: 86400, queries: 23),
                ])
            #expect(sent.count == 6)

            // Datapoints asked for: per query one per period of its request's range (the last one
            // partial). The replication family, 8 queries: over the hour (3,800 s) 13 each; over
            // the storage range (20 days + 50,600 s) it was 5,929 each.
            func points(_ one: Sent) -> Int {
                let formatter = ISO8601DateFormatter()
                let seconds = formatter.date(from: one.end)!.timeIntervalSince(formatter.date(from: one.start)!)
                return one.queries * Int((seconds / Double(one.period)).rounded(.up))
            }
            let replication = sent.filter { $0.period == 300 }
            let storage = sent.filter { $0.period == 86400 }
            let replicationAfter = replication.map(points).reduce(0, +)
            let replicationBefore = replication.map {
                Sent(region: $0.region, start: days, end: end, period: 300, queries: $0.queries)
            }
            .map(points).reduce(0, +)
            #expect(replicationAfter == 8 * 13)
            #expect(replicationBefore == 8 * 5_929)
            // The daily storage family is asked over the same range as before: 92 queries × 21 days.
            #expect(storage.map(points).reduce(0, +) == 92 * 21)
        }
    }

    /// The guide's Step 8.3 lag alarm exactly as written — in eu-west-1, threshold 900000 —
    /// replacing the corrected one: it can never fire, and the finding says where it must live
    /// and what its threshold must be.
    @Test func theGuidesLagAlarmAsWrittenIsCritical() async throws {
        let simulator = try await AWSSimulator.start(state: .target)
        defer { Task { await simulator.stop() } }
        let script = """
            import boto3
            def cw(region):
                return boto3.client("cloudwatch", region_name=region, endpoint_url="\(simulator.endpoint.absoluteString)",
                    aws_access_key_id="\(simulator.accessKeyID)", aws_secret_access_key="\(simulator.secretAccessKey)")
            cw("eu-west-3").delete_alarms(AlarmNames=["mnemonica-media-replication-lag"])
            cw("eu-west-1").put_metric_alarm(
                AlarmName="mnemonica-media-replication-lag", MetricName="ReplicationLatency", Namespace="AWS/S3",
                Statistic="Maximum", Period=300, EvaluationPeriods=2, Threshold=900000,
                ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
                Dimensions=[{"Name": "SourceBucket", "Value": "mne-media-prod"},
                            {"Name": "DestinationBucket", "Value": "mne-media-replica"},
                            {"Name": "RuleId", "Value": "paris-replica"}],
                AlarmActions=["\(Self.primary)"])
            """
        let edited = try await runProgram(
            URL(fileURLWithPath: "/usr/bin/env"), [PeerProcess.defaultPython, "-c", script])
        #expect(edited.status == 0, "\(edited.stderr)")

        let cycle = await Self.cycle(simulator)
        let notOK = cycle.findings.filter {
            $0.state != .ok && "\($0.check) \($0.resource)" != guideTargetDRTopicPolicyGap
        }
        #expect(notOK.map { "\($0.check) \($0.resource)" } == ["alerting.alarms mnemonica-media-replication-lag"])
        let lag = notOK.first
        #expect(lag?.state == .critical)
        let message = lag?.message ?? ""
        #expect(
            message.contains(
                "lives in eu-west-1, but ReplicationLatency is published in eu-west-3 (the destination bucket's region)"
            ))
        #expect(message.contains("it must live in eu-west-3"))
        #expect(message.contains("the threshold should be 900 s (15 min)"))
    }

    /// The guide's estate with 22 more buckets in eu-west-3, listed before the replica: 532
    /// queries there, 3 replication (q0–q2, one request) and 529 storage (q3–q531), so two
    /// storage pages; the replica's storage queries (q509–q531) are in the second (q503–q531).
    /// The extra buckets have no metrics and no replication: no findings of their own.
    static let pagedPolicy: Policy = {
        var paged = policy
        let extra = (0..<22).map {
            BucketPolicy(
                name: "mne-paged-\($0)", region: "eu-west-3", role: .source, noncurrentDays: 35, guide: "Phase 1")
        }
        paged.buckets = Array(policy.buckets.prefix(2)) + extra + Array(policy.buckets.suffix(2))
        return paged
    }()

    /// A region's second page fails (every attempt): only the queries of that page are UNKNOWN,
    /// naming the call, the page and the cause; its first page and the other regions are judged.
    @Test func aFailedPageFailsOnlyItsOwnQueries() async throws {
        let simulator = try await AWSSimulator.start(state: .target)
        defer { Task { await simulator.stop() } }
        let before = await Self.cycle(simulator, policy: Self.pagedPolicy)
        // Replication + storage in each region, and a second storage page in eu-west-3.
        #expect(before.metricCalls == ["cloudwatch": 2 + 3 + 2])
        let notOK = before.findings.filter { $0.state != .ok }
        #expect(notOK.map { "\($0.check) \($0.resource)" } == [guideTargetDRTopicPolicyGap], "\(notOK.map(\.message))")

        try await simulator.failRequests(
            action: "GetMetricData", region: "eu-west-3", containing: ["MetricDataQueries.member.1.Id=q503&"])
        let after = await Self.cycle(simulator, policy: Self.pagedPolicy)
        #expect(after.metricCalls == ["cloudwatch": 2 + 3 + 2])
        let changed = after.byKey.filter { key, finding in before.byKey[key]?.state != finding.state }
        #expect(changed.keys.sorted() == ["s3.replica.object_count mne-media-replica"])
        let count = after.byKey["s3.replica.object_count mne-media-replica"]
        #expect(count?.state == .unknown)
        #expect(
            count?.message
                == "mne-media-replica: cannot evaluate — cloudwatch:GetMetricData on daily storage metrics, page 2 of 2 (queries q503–q531) (eu-west-3): InternalFailure — We encountered an internal error. Please try again. (HTTP 500)"
        )
        // The replication request of eu-west-3 was answered: the media pair's latency and backlog still judged.
        #expect(after.byKey["s3.replication.latency mne-media-prod"]?.state == .ok)
        #expect(after.byKey["s3.replication.backlog mne-media-prod"]?.state == .ok)

        guard case .value(let series)? = after.observation.metrics["eu-west-3"] else {
            Issue.record("eu-west-3 should be a value with its failed page marked")
            return
        }
        let failed = series.filter { $0.unavailable != nil }
        #expect(failed.count == 29)  // q503–q531: 6 of mne-paged-21's storage types, the replica's 23
        #expect(failed.filter { $0.dimensions["BucketName"] == "mne-media-replica" }.count == 23)
        #expect(failed.allSatisfy { $0.points.isEmpty && $0.unavailable?.code == "InternalFailure" })
        #expect(series.contains { $0.metric == "ReplicationLatency" && $0.unavailable == nil && !$0.points.isEmpty })
        // Every page counts against the budget, the failed one too; the collector reports the failure.
        let calls = after.samples.filter { $0.series == .cloudWatchGetMetricDataCalls }
        #expect(
            Dictionary(uniqueKeysWithValues: calls.map { ($0.labels["region"]!, $0.value) }) == [
                "eu-west-1": 2, "eu-west-3": 3, "eu-north-1": 2,
            ])
        #expect(
            after.samples.contains {
                $0.series == .collectorSuccess && $0.labels["collector"] == "cloudwatch_metrics" && $0.value == 0
            })
        #expect(!after.samples.contains { $0.series == .s3Objects && $0.labels["bucket"] == "mne-media-replica" })
        #expect(after.samples.contains { $0.series == .s3Objects && $0.labels["bucket"] == "mne-vault-replica" })
    }

    struct FaultCase: Sendable, CustomTestStringConvertible {
        var fault: String
        var check: CheckID
        var resource: String
        var state: CheckState
        var says: String
        var testDescription: String { fault }
    }

    static let faults: [FaultCase] = [
        FaultCase(
            fault: "replication-latency-30m", check: "s3.replication.latency", resource: "mne-media-prod",
            state: .critical,
            says: "mne-media-prod → mne-media-replica: replication latency 1800 s (30 min) — above 900 s (15 min)"),
        FaultCase(
            fault: "replication-failures", check: "s3.replication.failures", resource: "mne-vault-prod",
            state: .critical,
            says: "mne-vault-prod → mne-vault-replica: 10 failed replication operations in the last hour"),
        FaultCase(
            fault: "replica-count-drop-30pct", check: "s3.replica.object_count", resource: "mne-media-replica",
            state: .critical, says: "mne-media-replica: NumberOfObjects fell to"),
        FaultCase(
            fault: "alarm-missing", check: "alerting.alarms", resource: "mnemonica-vault-replication-failures",
            state: .critical, says: "mnemonica-vault-replication-failures: alarm does not exist"),
        FaultCase(
            fault: "alarm-in-alarm", check: "alerting.alarms", resource: "mnemonica-media-replication-lag",
            state: .critical, says: "mnemonica-media-replication-lag: is in ALARM since"),
        FaultCase(
            fault: "subscription-unconfirmed", check: "alerting.sns", resource: "mnemonica-backup-alerts",
            state: .warning,
            says: "mnemonica-backup-alerts (eu-west-1): email subscription ops@example.com is PendingConfirmation"),
        FaultCase(
            fault: "eventbridge-disabled", check: "alerting.eventbridge",
            resource: "mnemonica-backup-job-failures (eu-west-1)", state: .critical,
            says: "mnemonica-backup-job-failures (eu-west-1): rule is DISABLED"),
    ]

    @Test(.serialized, arguments: faults)
    func eachFaultChangesExactlyItsCheck(_ c: FaultCase) async throws {
        let simulator = try await AWSSimulator.start(state: .target)
        defer { Task { await simulator.stop() } }
        let before = await Self.cycle(simulator).byKey
        let notOK = before.filter { $0.value.state != .ok }
        #expect(Set(notOK.keys) == [guideTargetDRTopicPolicyGap], "\(notOK.values.map(\.message))")
        try await simulator.apply(fault: c.fault)
        let after = await Self.cycle(simulator).byKey
        let changed = after.filter { key, finding in before[key]?.state != finding.state }
        #expect(changed.keys.sorted() == ["\(c.check) \(c.resource)"], "\(changed.values.map(\.message))")
        let finding = after["\(c.check) \(c.resource)"]
        #expect(finding?.state == c.state)
        #expect(finding?.message.hasPrefix(c.says) == true, "\(finding?.message ?? "no finding")")
    }
}
