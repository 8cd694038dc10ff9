import Foundation
import MnemondModel
import Testing

@testable import MnemondChecks

// The guide's estate, as plain values.
private let account = "828879644785"
private func topicARN(_ region: String, _ name: String) -> String { "arn:aws:sns:\(region):\(account):\(name)" }
private let primaryTopic = topicARN("eu-west-1", "mnemonica-backup-alerts")
private let drTopic = topicARN("eu-west-3", "mnemonica-backup-alerts-dr")
private let northTopic = topicARN("eu-north-1", "mnemonica-backup-alerts-north")

private let mediaPromise = ReplicationPromise(
    destinationBucket: "mne-media-replica", storageClass: "DEEP_ARCHIVE", deleteMarkerReplication: true,
    metricsEnabled: true, ruleID: "paris-replica")
private let vaultPromise = ReplicationPromise(
    destinationBucket: "mne-vault-replica", storageClass: "DEEP_ARCHIVE", deleteMarkerReplication: true,
    metricsEnabled: true, ruleID: "vault-replica-rule")
private let mediaProd = BucketPolicy(
    name: "mne-media-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1",
    replication: mediaPromise)
private let vaultProd = BucketPolicy(
    name: "mne-vault-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 2A",
    replication: vaultPromise)
private let mediaReplica = BucketPolicy(
    name: "mne-media-replica", region: "eu-west-3", role: .replica, noncurrentDays: 180, guide: "Phase 2")
private let vaultReplica = BucketPolicy(
    name: "mne-vault-replica", region: "eu-north-1", role: .replica, noncurrentDays: 180, guide: "Phase 2B")
private let buckets = [mediaProd, vaultProd, mediaReplica, vaultReplica]

private func pairDimensions(_ source: String, _ destination: String, _ rule: String) -> [String: String] {
    ["SourceBucket": source, "DestinationBucket": destination, "RuleId": rule]
}

private let lagAlarm = AlarmPromise(
    name: "mnemonica-media-replication-lag", region: nil, metric: "ReplicationLatency",
    dimensions: pairDimensions("mne-media-prod", "mne-media-replica", "paris-replica"), threshold: 900,
    topicARN: drTopic)
private let failuresAlarm = AlarmPromise(
    name: "mnemonica-vault-replication-failures", region: nil, metric: "OperationsFailedReplication",
    dimensions: pairDimensions("mne-vault-prod", "mne-vault-replica", "vault-replica-rule"), threshold: 1,
    topicARN: primaryTopic)
private let anomalyAlarm = AlarmPromise(
    name: "mnemonica-media-replica-object-count-anomaly", region: nil, metric: "NumberOfObjects",
    dimensions: ["BucketName": "mne-media-replica", "StorageType": "AllStorageTypes"], threshold: nil,
    topicARN: drTopic)

private let monitoringPolicy = MonitoringPolicy(
    topics: [
        TopicPromise(arn: primaryTopic, requireEmail: true, requireHTTPS: true),
        TopicPromise(arn: drTopic, requireEmail: true, requireHTTPS: false),
    ],
    alarms: [lagAlarm, failuresAlarm, anomalyAlarm],
    eventRules: [
        EventRulePromise(name: "mnemonica-backup-job-failures", region: "eu-west-1", topicARN: primaryTopic),
        EventRulePromise(name: "mnemonica-backup-job-failures-dr", region: "eu-west-3", topicARN: drTopic),
    ])
private let policy = Policy(accountID: account, buckets: buckets, monitoring: monitoringPolicy)

/// 2026-11-20 14:00:00 UTC.
private let now = Date(timeIntervalSince1970: 1_795_183_200)

/// 5-minute points ending at `now`, oldest first.
private func fiveMinute(_ values: [Double], endingAt end: Date = now) -> [MetricSeries.Point] {
    values.enumerated().map { index, value in
        MetricSeries.Point(time: end.addingTimeInterval(-300 * Double(values.count - 1 - index)), value: value)
    }
}

/// Daily points stamped at midnight, the newest for `newestDaysAgo` days before today.
private func daily(_ values: [Double], newestDaysAgo: Int = 1) -> [MetricSeries.Point] {
    let today = (now.timeIntervalSince1970 / 86400).rounded(.down) * 86400
    return values.enumerated().map { index, value in
        MetricSeries.Point(
            time: Date(timeIntervalSince1970: today - 86400 * Double(newestDaysAgo + values.count - 1 - index)),
            value: value)
    }
}

private func growing(from start: Double, by step: Double, days: Int) -> [Double] {
    (0..<days).map { start + step * Double($0) }
}

extension MetricSeries {
    /// The same series, asked for and not read (its GetMetricData page failed).
    fileprivate func failed(_ reason: Unavailable) -> MetricSeries {
        var copy = self
        copy.points = []
        copy.unavailable = reason
        return copy
    }
}

// MARK: - s3.replication.latency

struct LatencyCase: Sendable, CustomTestStringConvertible {
    var name: String
    var points: [MetricSeries.Point]
    var state: CheckState
    var message: String
    var testDescription: String { name }
}

@Suite struct MonitoringLatencyTests {
    static let cases: [LatencyCase] = [
        LatencyCase(
            name: "a normal hour is OK", points: fiveMinute([40, 95, 120, 60, 30, 44, 81, 59, 119, 82, 44, 70]),
            state: .ok,
            message:
                "mne-media-prod → mne-media-replica: replication latency at most 120 s (2 min) over the last hour (12 periods); guide requires < 900 s (15 min)"
        ),
        LatencyCase(
            name: "30 min in the last three periods is critical", points: fiveMinute([60, 70, 80, 1800, 1800, 1800]),
            state: .critical,
            message:
                "mne-media-prod → mne-media-replica: replication latency 1800 s (30 min) — above 900 s (15 min) in each of the last 3 5-min periods; guide requires < 900 s (15 min) (Phase 3)"
        ),
        LatencyCase(
            name: "exactly the promise is not a breach", points: fiveMinute([900, 900, 900]), state: .ok,
            message:
                "mne-media-prod → mne-media-replica: replication latency at most 900 s (15 min) over the last hour (3 periods); guide requires < 900 s (15 min)"
        ),
        LatencyCase(
            name: "one breaching period is only a warning", points: fiveMinute([60, 70, 80, 1000]), state: .warning,
            message:
                "mne-media-prod → mne-media-replica: replication latency peaked at 1000 s (16 min) at 14:00 UTC and is 1000 s (16 min) now; guide requires < 900 s (15 min) (Phase 3)"
        ),
        LatencyCase(
            name: "a recovered breach is a warning", points: fiveMinute([1200, 1300, 1250, 90, 60]), state: .warning,
            message:
                "mne-media-prod → mne-media-replica: replication latency peaked at 1300 s (21 min) at 13:45 UTC and is 60 s now; guide requires < 900 s (15 min) (Phase 3)"
        ),
        LatencyCase(
            name: "a missing period breaks the run",
            points: [
                MetricSeries.Point(time: now.addingTimeInterval(-600), value: 1800),
                MetricSeries.Point(time: now, value: 1800),
            ],
            state: .warning,
            message:
                "mne-media-prod → mne-media-replica: replication latency peaked at 1800 s (30 min) at 13:50 UTC and is 1800 s (30 min) now; guide requires < 900 s (15 min) (Phase 3)"
        ),
        LatencyCase(
            name: "no datapoint is unknown", points: [], state: .unknown,
            message:
                "mne-media-prod → mne-media-replica: no ReplicationLatency datapoint in the last hour in eu-west-3 (published in the destination bucket's region) — are replication metrics enabled on the rule? (Phase 3)"
        ),
    ]

    @Test(arguments: cases)
    func latency(_ c: LatencyCase) {
        let finding = ReplicationMetricChecks.latencyFinding(
            mediaProd, mediaPromise, points: c.points, region: "eu-west-3")
        #expect(finding.state == c.state)
        #expect(finding.message == c.message)
        #expect(finding.check == "s3.replication.latency")
        #expect(finding.resource == "mne-media-prod")
    }
}

// MARK: - s3.replication.failures and backlog

struct FailuresCase: Sendable, CustomTestStringConvertible {
    var name: String
    var values: [Double]
    var state: CheckState
    var found: String
    var testDescription: String { name }
}

struct BacklogCase: Sendable, CustomTestStringConvertible {
    var name: String
    var operations: [Double]
    var bytes: [Double]
    var state: CheckState
    var testDescription: String { name }
}

@Suite struct MonitoringFailuresAndBacklogTests {
    static let failureCases: [FailuresCase] = [
        FailuresCase(name: "no datapoints (nothing replicated) is OK", values: [], state: .ok, found: "0"),
        FailuresCase(name: "zeros are OK", values: [0, 0, 0, 0], state: .ok, found: "0"),
        FailuresCase(name: "one failure is critical", values: [0, 0, 1, 0], state: .critical, found: "1"),
        FailuresCase(name: "failures are summed", values: [0, 0, 5, 5], state: .critical, found: "10"),
    ]

    @Test(arguments: failureCases)
    func failures(_ c: FailuresCase) {
        let finding = ReplicationMetricChecks.failuresFinding(vaultProd, vaultPromise, points: fiveMinute(c.values))
        #expect(finding.state == c.state)
        #expect(finding.found == c.found)
        #expect(finding.message.hasPrefix("mne-vault-prod → mne-vault-replica: "))
        if c.state == .critical {
            #expect(finding.message.contains("\(c.found) failed replication operations in the last hour"))
            #expect(finding.message.contains("guide requires none (Phase 3)"))
            #expect(finding.runbook != nil)
        }
    }

    static let backlogCases: [BacklogCase] = [
        BacklogCase(
            name: "noise around a level is steady", operations: [3, 0, 6, 2, 5, 1, 4, 6, 0, 3, 2, 5],
            bytes: [10, 30, 5, 40, 12, 0, 33, 20, 8, 39, 1, 17].map { $0 * 1_048_576 }, state: .ok),
        BacklogCase(
            name: "operations rising all hour is a warning", operations: [2, 5, 9, 14, 20, 26, 33, 41, 50, 58, 66, 75],
            bytes: [10, 30, 5, 40, 12, 0, 33, 20, 8, 39, 1, 17], state: .warning),
        BacklogCase(
            name: "bytes rising with one dip is a warning", operations: [1, 1, 1, 1, 1, 1],
            bytes: [1, 2, 3, 2.5, 5, 8, 13, 21, 34, 55].map { $0 * 1_048_576 }, state: .warning),
        BacklogCase(
            name: "a single spike is not growth", operations: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 90], bytes: [],
            state: .ok),
        BacklogCase(name: "too few periods to judge", operations: [1, 2, 3, 4, 5], bytes: [], state: .ok),
        BacklogCase(name: "no datapoints is unknown", operations: [], bytes: [], state: .unknown),
    ]

    @Test(arguments: backlogCases)
    func backlog(_ c: BacklogCase) {
        let finding = ReplicationMetricChecks.backlogFinding(
            mediaProd, mediaPromise, pendingOperations: fiveMinute(c.operations), pendingBytes: fiveMinute(c.bytes),
            region: "eu-west-3")
        #expect(finding.state == c.state, "\(finding.message)")
        #expect(finding.resource == "mne-media-prod")
    }

    @Test func growingBacklogMessageSaysFromWhereToWhere() {
        let finding = ReplicationMetricChecks.backlogFinding(
            mediaProd, mediaPromise, pendingOperations: fiveMinute([2, 5, 9, 14, 20, 26]),
            pendingBytes: fiveMinute([1, 2, 4, 8, 16, 32].map { $0 * 1_048_576 }), region: "eu-west-3")
        #expect(
            finding.message
                == "mne-media-prod → mne-media-replica: replication backlog growing through the last hour: pending operations 2 → 26; pending bytes 1.0 MiB → 32.0 MiB; guide requires replication within 900 s (15 min) (Phase 3)"
        )
    }
}

// MARK: - s3.replica.object_count

struct ObjectCountCase: Sendable, CustomTestStringConvertible {
    var name: String
    var replica: [MetricSeries.Point]
    var source: [MetricSeries.Point]
    var state: CheckState
    var contains: String
    var testDescription: String { name }
}

@Suite struct MonitoringObjectCountTests {
    static let media = growing(from: 4_789_540, by: 1_200, days: 20)
    static let cases: [ObjectCountCase] = [
        ObjectCountCase(
            name: "steady growth equal to the source is OK", replica: daily(media), source: daily(media), state: .ok,
            contains: "4,812,340 objects on 2026-11-19, within the 14-day band"),
        ObjectCountCase(
            name: "a 30 % drop on the newest day is critical",
            replica: daily(Array(media.dropLast()) + [(media[18] * 0.7).rounded()]), source: daily(media),
            state: .critical,
            contains:
                "NumberOfObjects fell to 3,367,798 on 2026-11-19 (-29.9 % vs the 14-day median 4,803,340), below the robust band's floor"
        ),
        ObjectCountCase(
            name: "the drop also names the gap to the source",
            replica: daily(Array(media.dropLast()) + [(media[18] * 0.7).rounded()]), source: daily(media),
            state: .critical, contains: "30.0 % behind mne-media-prod's 4,812,340 (allowed 5.0 %; Phase 3)"),
        ObjectCountCase(
            name: "a flat history tolerates a one-object dip",
            replica: daily(Array(repeating: 57_551, count: 19) + [57_550]),
            source: [], state: .ok, contains: "57,550 objects"),
        ObjectCountCase(
            name: "a flat history does not tolerate a 1 % drop",
            replica: daily(Array(repeating: 57_551, count: 19) + [56_975]), source: [], state: .critical,
            contains: "fell to 56,975"),
        ObjectCountCase(
            name: "the replica 10 % behind its source is a warning", replica: daily(media),
            source: daily(media.map { $0 * 1.1 }), state: .warning, contains: "9.1 % behind mne-media-prod's"),
        ObjectCountCase(
            name: "two days late is normal", replica: daily(media, newestDaysAgo: 3), source: [], state: .ok,
            contains: "on 2026-11-17"),
        ObjectCountCase(
            name: "more than three days late is a warning", replica: daily(media, newestDaysAgo: 5), source: [],
            state: .warning, contains: "(4 d late; S3 storage metrics are daily and normally 1–3 d late)"),
        ObjectCountCase(
            name: "no datapoint at all is a warning", replica: [], source: [], state: .warning,
            contains: "no NumberOfObjects datapoint in the last 20 d in eu-west-3"),
        ObjectCountCase(
            name: "a short history judges no band", replica: daily([10, 11, 12]), source: [], state: .ok,
            contains: "(only 2 days of history: no band yet)"),
    ]

    @Test(arguments: cases)
    func objectCount(_ c: ObjectCountCase) {
        let finding = ReplicationMetricChecks.objectCountFinding(
            mediaReplica, points: c.replica, source: "mne-media-prod", sourcePoints: c.source,
            settings: monitoringPolicy, now: now)
        #expect(finding.state == c.state, "\(finding.message)")
        #expect(finding.message.contains(c.contains), "\(finding.message)")
        #expect(finding.message.hasPrefix("mne-media-replica: "))
        #expect(finding.check == "s3.replica.object_count")
    }

    @Test func storedHistoryFillsInWhenCloudWatchReturnsFewDays() {
        // CloudWatch answered only the newest day; 14 earlier days come from the store.
        let stored = daily(Array(Self.media.dropLast()), newestDaysAgo: 2).map { point in
            Sample(series: .s3Objects, labels: ["bucket": "mne-media-replica"], time: point.time, value: point.value)
        }
        let newest = daily([(Self.media[18] * 0.7).rounded()])
        let observations = Observations(
            collectedAt: now,
            monitoring: MonitoringObservation(metrics: [
                "eu-west-3": .value([
                    MetricSeries(
                        metric: "NumberOfObjects",
                        dimensions: ["BucketName": "mne-media-replica", "StorageType": "AllStorageTypes"],
                        statistic: "Average", periodSeconds: 86400, points: newest)
                ]),
                "eu-west-1": .value([]),
            ]))
        let findings = ReplicationMetricChecks.objectCount.evaluate(policy, observations, History(samples: stored), now)
        let media = findings.first { $0.resource == "mne-media-replica" }
        #expect(media?.state == .critical, "\(media?.message ?? "none")")
        let vault = findings.first { $0.resource == "mne-vault-replica" }
        #expect(vault?.state == .unknown)  // eu-north-1 not collected at all
    }
}

// MARK: - alerting.sns

struct TopicCase: Sendable, CustomTestStringConvertible {
    var name: String
    var found: TopicObservation
    var state: CheckState
    var message: String
    var testDescription: String { name }
}

private func subscription(_ proto: String, confirmed: Bool) -> TopicObservation.Subscription {
    .init(
        protocol: proto, endpoint: proto == "email" ? "ops@example.com" : "https://hooks.example.com",
        confirmed: confirmed)
}

@Suite struct MonitoringSNSTests {
    static let promise = TopicPromise(arn: primaryTopic, requireEmail: true, requireHTTPS: true)
    static let cases: [TopicCase] = [
        TopicCase(
            name: "confirmed e-mail and https is OK",
            found: .init(
                arn: primaryTopic, exists: true,
                subscriptions: [subscription("email", confirmed: true), subscription("https", confirmed: true)]),
            state: .ok,
            message:
                "mnemonica-backup-alerts (eu-west-1): email ops@example.com confirmed, https https://hooks.example.com confirmed"
        ),
        TopicCase(
            name: "pending e-mail while https works is a warning",
            found: .init(
                arn: primaryTopic, exists: true,
                subscriptions: [subscription("email", confirmed: false), subscription("https", confirmed: true)]),
            state: .warning,
            message:
                "mnemonica-backup-alerts (eu-west-1): email subscription ops@example.com is PendingConfirmation; guide requires confirmed email + confirmed https (Phase 8.1) — alerts reach only https"
        ),
        TopicCase(
            name: "nothing confirmed is critical",
            found: .init(
                arn: primaryTopic, exists: true,
                subscriptions: [subscription("email", confirmed: false), subscription("https", confirmed: false)]),
            state: .critical,
            message:
                "mnemonica-backup-alerts (eu-west-1): email subscription ops@example.com is PendingConfirmation; https subscription https://hooks.example.com is PendingConfirmation; guide requires confirmed email + confirmed https (Phase 8.1) — alerts published to this topic reach nobody"
        ),
        TopicCase(
            name: "no subscriptions is critical", found: .init(arn: primaryTopic, exists: true, subscriptions: []),
            state: .critical,
            message:
                "mnemonica-backup-alerts (eu-west-1): no email subscription; no https subscription; guide requires confirmed email + confirmed https (Phase 8.1) — alerts published to this topic reach nobody"
        ),
        TopicCase(
            name: "a missing topic is critical", found: .init(arn: primaryTopic, exists: false, subscriptions: []),
            state: .critical,
            message:
                "mnemonica-backup-alerts (eu-west-1): topic does not exist; guide requires it with confirmed email + confirmed https subscriptions (Phase 8.1) — alarms and rules publishing to it reach nobody"
        ),
    ]

    @Test(arguments: cases)
    func topic(_ c: TopicCase) {
        let finding = AlertPlumbingChecks.topicFinding(Self.promise, found: c.found)
        #expect(finding.state == c.state)
        #expect(finding.message == c.message)
        #expect(finding.resource == "mnemonica-backup-alerts")
    }

    @Test func httpsNotRequiredNeedsOnlyEmail() {
        let promise = TopicPromise(arn: drTopic, requireEmail: true, requireHTTPS: false)
        let found = TopicObservation(
            arn: drTopic, exists: true, subscriptions: [subscription("email", confirmed: true)])
        #expect(AlertPlumbingChecks.topicFinding(promise, found: found).state == .ok)
    }
}

// MARK: - alerting.alarms

private func alarm(
    _ promise: AlarmPromise, region: String, state: String = "OK", since: Date? = nil, threshold: Double? = nil,
    actions: [String]? = nil, dimensions: [String: String]? = nil, period: Int = 300, evaluationPeriods: Int = 2
) -> AlarmObservation {
    AlarmObservation(
        name: promise.name, region: region, state: state, stateUpdatedAt: since, metric: promise.metric,
        namespace: "AWS/S3", dimensions: dimensions ?? promise.dimensions,
        statistic: promise.metric == "OperationsFailedReplication" ? "Sum" : "Maximum", periodSeconds: period,
        threshold: threshold ?? promise.threshold,
        comparison: promise.metric == "NumberOfObjects" ? "LessThanLowerThreshold" : "GreaterThanThreshold",
        evaluationPeriods: evaluationPeriods, actions: actions ?? [promise.topicARN!])
}

struct AlarmCase: Sendable, CustomTestStringConvertible {
    var name: String
    var promise: AlarmPromise
    var found: AlarmObservation?
    var state: CheckState
    var contains: String
    var testDescription: String { name }
}

@Suite struct MonitoringAlarmsTests {
    static let cases: [AlarmCase] = [
        AlarmCase(
            name: "lag alarm in the destination's region is OK", promise: lagAlarm,
            found: alarm(lagAlarm, region: "eu-west-3"), state: .ok,
            contains:
                "mnemonica-media-replication-lag: OK in eu-west-3, ReplicationLatency > 900 s (15 min), notifies mnemonica-backup-alerts-dr"
        ),
        AlarmCase(
            name: "the guide's lag alarm in eu-west-1 can never fire", promise: lagAlarm,
            found: alarm(lagAlarm, region: "eu-west-1", actions: [primaryTopic]), state: .critical,
            contains:
                "lives in eu-west-1, but ReplicationLatency is published in eu-west-3 (the destination bucket's region) and a CloudWatch alarm only sees metrics of its own region — it can never fire; it must live in eu-west-3"
        ),
        AlarmCase(
            name: "the guide's 900000 threshold is read as seconds", promise: lagAlarm,
            found: alarm(lagAlarm, region: "eu-west-3", threshold: 900_000), state: .critical,
            contains:
                "threshold 900000 s (10 d 10 h): ReplicationLatency is in seconds, not milliseconds — it would fire only after a 900000 s (10 d 10 h) lag; the threshold should be 900 s (15 min)"
        ),
        AlarmCase(
            name: "the guide's anomaly alarm in eu-west-1 can never fire", promise: anomalyAlarm,
            found: alarm(
                anomalyAlarm, region: "eu-west-1", actions: [primaryTopic], period: 86400, evaluationPeriods: 1),
            state: .critical, contains: "NumberOfObjects is published in eu-west-3 (the bucket's region)"),
        AlarmCase(
            name: "failure alarm stays in the source's region", promise: failuresAlarm,
            found: alarm(failuresAlarm, region: "eu-west-1"), state: .ok, contains: "OK in eu-west-1"),
        AlarmCase(
            name: "a failure alarm in the destination region can never fire", promise: failuresAlarm,
            found: alarm(failuresAlarm, region: "eu-north-1", actions: [northTopic]), state: .critical,
            contains: "it must live in eu-west-1"),
        AlarmCase(
            name: "a missing alarm is critical", promise: failuresAlarm, found: nil, state: .critical,
            contains:
                "mnemonica-vault-replication-failures: alarm does not exist in eu-north-1, eu-west-1, eu-west-3; guide requires it on OperationsFailedReplication in eu-west-1 (Phase 8)"
        ),
        AlarmCase(
            name: "an alarm in ALARM is critical", promise: lagAlarm,
            found: alarm(lagAlarm, region: "eu-west-3", state: "ALARM", since: now.addingTimeInterval(-600)),
            state: .critical, contains: "is in ALARM since 2026-11-20 13:50 UTC"),
        AlarmCase(
            name: "INSUFFICIENT_DATA for a few minutes is fine", promise: lagAlarm,
            found: alarm(
                lagAlarm, region: "eu-west-3", state: "INSUFFICIENT_DATA", since: now.addingTimeInterval(-900)),
            state: .ok, contains: "INSUFFICIENT_DATA in eu-west-3"),
        AlarmCase(
            name: "INSUFFICIENT_DATA for a day is blind", promise: lagAlarm,
            found: alarm(
                lagAlarm, region: "eu-west-3", state: "INSUFFICIENT_DATA", since: now.addingTimeInterval(-86400)),
            state: .critical,
            contains:
                "has been INSUFFICIENT_DATA since 2026-11-19 14:00 UTC (86400 s (1 d)), longer than its 300 s × 2 periods allow (1200 s (20 min)) — its metric never arrives"
        ),
        AlarmCase(
            name: "a daily alarm gets three days of lateness", promise: anomalyAlarm,
            found: alarm(
                anomalyAlarm, region: "eu-west-3", state: "INSUFFICIENT_DATA",
                since: now.addingTimeInterval(-4 * 86400),
                period: 86400, evaluationPeriods: 1),
            state: .ok, contains: "INSUFFICIENT_DATA"),
        AlarmCase(
            name: "no SNS action is critical", promise: lagAlarm,
            found: alarm(lagAlarm, region: "eu-west-3", actions: []),
            state: .critical, contains: "has no SNS alarm action — it changes state silently"),
        AlarmCase(
            name: "another topic is a warning", promise: lagAlarm,
            found: alarm(lagAlarm, region: "eu-west-3", actions: [northTopic]), state: .warning,
            contains: "notifies mnemonica-backup-alerts-north; config expects mnemonica-backup-alerts-dr"),
        AlarmCase(
            name: "the guide's placeholder rule ID watches nothing", promise: lagAlarm,
            found: alarm(
                lagAlarm, region: "eu-west-3",
                dimensions: pairDimensions("mne-media-prod", "mne-media-replica", "YOUR-RULE-ID")),
            state: .critical,
            contains: "dimension RuleId is \"YOUR-RULE-ID\", the metric's is \"paris-replica\""),
        AlarmCase(
            name: "a slightly different threshold is a warning", promise: lagAlarm,
            found: alarm(lagAlarm, region: "eu-west-3", threshold: 1200), state: .warning,
            contains: "threshold 1200 s (20 min); guide requires 900 s (15 min)"),
    ]

    @Test(arguments: cases)
    func alarms(_ c: AlarmCase) {
        let finding = AlertPlumbingChecks.alarmFinding(
            c.promise, found: c.found, searched: ["eu-north-1", "eu-west-1", "eu-west-3"], buckets: buckets, now: now)
        #expect(finding.state == c.state, "\(finding.message)")
        #expect(finding.message.contains(c.contains), "\(finding.message)")
        #expect(finding.resource == c.promise.name)
    }

    @Test func aConfiguredMillisecondThresholdIsStillCaught() {
        // A config that copied the guide's 900000 for the lag alarm: the bucket's 15-minute
        // promise is what the alarm must enforce.
        var copied = lagAlarm
        copied.threshold = 900_000
        let finding = AlertPlumbingChecks.alarmFinding(
            copied, found: alarm(copied, region: "eu-west-3", threshold: 900_000), buckets: buckets, now: now)
        #expect(finding.state == .critical)
        #expect(finding.message.contains("the threshold should be 900 s (15 min)"))
    }

    @Test func anAlarmIsFoundInWhicheverRegionHoldsIt() {
        let observations = Observations(
            collectedAt: now,
            monitoring: MonitoringObservation(alarms: [
                "eu-west-1": .value([alarm(failuresAlarm, region: "eu-west-1")]),
                "eu-west-3": .value([alarm(lagAlarm, region: "eu-west-3"), alarm(anomalyAlarm, region: "eu-west-3")]),
                "eu-north-1": .value([]),
            ]))
        let findings = AlertPlumbingChecks.alarms.evaluate(policy, observations, History(), now)
        #expect(findings.map(\.state) == [.ok, .ok, .ok], "\(findings.map(\.message))")
    }

    @Test func duringAMoveTheCopyWhereTheMetricIsPublishedIsJudged() {
        let observations = Observations(
            collectedAt: now,
            monitoring: MonitoringObservation(alarms: [
                "eu-west-1": .value([alarm(lagAlarm, region: "eu-west-1", threshold: 900_000, actions: [primaryTopic])]
                ),
                "eu-west-3": .value([alarm(lagAlarm, region: "eu-west-3")]), "eu-north-1": .value([]),
            ]))
        let lag = AlertPlumbingChecks.alarms.evaluate(policy, observations, History(), now).first!
        #expect(lag.state == .warning)
        #expect(
            lag.message
                == "mnemonica-media-replication-lag: an alarm of the same name also exists in eu-west-1 — delete the copy that cannot see the metric (Phase 8)"
        )
    }

    @Test func anUnansweredRegionMakesAMissingAlarmUnknown() {
        let denied = Unavailable(
            action: "cloudwatch:DescribeAlarms", region: "eu-west-3", code: "AccessDenied", message: "not allowed")
        let observations = Observations(
            collectedAt: now,
            monitoring: MonitoringObservation(alarms: [
                "eu-west-1": .value([alarm(failuresAlarm, region: "eu-west-1")]), "eu-west-3": .unavailable(denied),
                "eu-north-1": .value([]),
            ]))
        let findings = AlertPlumbingChecks.alarms.evaluate(policy, observations, History(), now)
        #expect(findings.map(\.state) == [.unknown, .ok, .unknown])
        #expect(findings[0].message.contains("cloudwatch:DescribeAlarms (eu-west-3): AccessDenied"))
    }
}

// MARK: - alerting.eventbridge

struct RuleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var found: EventRuleObservation
    var state: CheckState
    var message: String
    var testDescription: String { name }
}

@Suite struct MonitoringEventBridgeTests {
    static let promise = EventRulePromise(
        name: "mnemonica-backup-job-failures", region: "eu-west-1", topicARN: primaryTopic)
    static let pattern = #"{"source": ["aws.backup"], "detail": {"state": ["FAILED", "ABORTED", "EXPIRED"]}}"#
    static func rule(exists: Bool = true, state: String? = "ENABLED", targets: [String] = [primaryTopic])
        -> EventRuleObservation
    {
        EventRuleObservation(
            name: promise.name, region: "eu-west-1", exists: exists, state: state, eventPattern: exists ? pattern : nil,
            targetARNs: targets)
    }
    static let cases: [RuleCase] = [
        RuleCase(
            name: "enabled with the SNS target is OK", found: rule(), state: .ok,
            message: "mnemonica-backup-job-failures (eu-west-1): ENABLED → mnemonica-backup-alerts"),
        RuleCase(
            name: "disabled is critical", found: rule(state: "DISABLED"), state: .critical,
            message:
                "mnemonica-backup-job-failures (eu-west-1): rule is DISABLED; guide requires ENABLED (Phase 8.2) — AWS Backup failures go unannounced"
        ),
        RuleCase(
            name: "missing is critical", found: rule(exists: false, state: nil, targets: []), state: .critical,
            message:
                "mnemonica-backup-job-failures (eu-west-1): rule does not exist; guide requires it ENABLED with target mnemonica-backup-alerts (Phase 8.2) — AWS Backup failures go unannounced"
        ),
        RuleCase(
            name: "no SNS target is critical", found: rule(targets: ["arn:aws:sqs:eu-west-1:828879644785:q"]),
            state: .critical,
            message:
                "mnemonica-backup-job-failures (eu-west-1): rule has no SNS target (targets: arn:aws:sqs:eu-west-1:828879644785:q); guide targets mnemonica-backup-alerts (Phase 8.2)"
        ),
        RuleCase(
            name: "another topic is a warning", found: rule(targets: [drTopic]), state: .warning,
            message:
                "mnemonica-backup-job-failures (eu-west-1): rule targets mnemonica-backup-alerts-dr; config expects mnemonica-backup-alerts"
        ),
    ]

    @Test(arguments: cases)
    func rules(_ c: RuleCase) {
        let finding = AlertPlumbingChecks.ruleFinding(Self.promise, found: c.found)
        #expect(finding.state == c.state)
        #expect(finding.message == c.message)
        #expect(finding.resource == "mnemonica-backup-job-failures (eu-west-1)")
    }
}

// MARK: - the checks over whole observations

@Suite struct MonitoringCatalogTests {
    @Test func everyMonitoringCheckIsInTheCatalog() {
        let ids = Set(Catalog.all.map(\.id))
        for id: CheckID in [
            "s3.replication.latency", "s3.replication.failures", "s3.replication.backlog", "s3.replica.object_count",
            "alerting.sns", "alerting.alarms", "alerting.eventbridge",
        ] {
            #expect(ids.contains(id), "\(id)")
        }
    }

    @Test func metricsAreLookedUpWhereAWSPublishesThem() {
        // Latency only in eu-west-1 (where the guide's alarms look): the check must not see it.
        let lag = MetricSeries(
            metric: "ReplicationLatency",
            dimensions: pairDimensions("mne-media-prod", "mne-media-replica", "paris-replica"),
            statistic: "Maximum", periodSeconds: 300, points: fiveMinute([1800, 1800, 1800]))
        let observations = Observations(
            collectedAt: now,
            monitoring: MonitoringObservation(metrics: [
                "eu-west-1": .value([lag]), "eu-west-3": .value([]), "eu-north-1": .value([]),
            ]))
        let findings = ReplicationMetricChecks.latency.evaluate(policy, observations, History(), now)
        #expect(findings.map(\.state) == [.unknown, .unknown])
        #expect(findings[0].message.contains("in eu-west-3"))
    }

    /// One page of eu-west-3's GetMetricData failed: the series it held say why; the region's
    /// other series, and the other regions, are judged as usual.
    @Test func aSeriesWhosePageFailedIsUnknownNamingTheCall() {
        let failure = Unavailable(
            action: "cloudwatch:GetMetricData", resource: "page 2 of 2 (queries q500–q531)", region: "eu-west-3",
            code: "InternalFailure", message: "We encountered an internal error.")
        let mediaPair = pairDimensions("mne-media-prod", "mne-media-replica", "paris-replica")
        let vaultPair = pairDimensions("mne-vault-prod", "mne-vault-replica", "vault-replica-rule")
        func series(_ metric: String, _ dimensions: [String: String], _ points: [MetricSeries.Point]) -> MetricSeries {
            MetricSeries(
                metric: metric, dimensions: dimensions, statistic: "Maximum", periodSeconds: 300, points: points)
        }
        let replicaCount = ["BucketName": "mne-media-replica", "StorageType": "AllStorageTypes"]
        let observations = Observations(
            collectedAt: now,
            monitoring: MonitoringObservation(metrics: [
                "eu-west-1": .value([
                    series("OperationsFailedReplication", mediaPair, []),
                    series("OperationsFailedReplication", vaultPair, []),
                ]),
                "eu-west-3": .value([
                    series("ReplicationLatency", mediaPair, fiveMinute([60, 60, 60])),
                    series("OperationsPendingReplication", mediaPair, fiveMinute([3, 3, 3])),
                    series("BytesPendingReplication", mediaPair, []).failed(failure),
                    MetricSeries(
                        metric: "NumberOfObjects", dimensions: replicaCount, statistic: "Average",
                        periodSeconds: 86400, points: [], unavailable: failure),
                ]),
                "eu-north-1": .value([
                    series("ReplicationLatency", vaultPair, fiveMinute([60, 60, 60])),
                    series("OperationsPendingReplication", vaultPair, fiveMinute([3, 3, 3])),
                    series("BytesPendingReplication", vaultPair, fiveMinute([10, 10, 10])),
                ]),
            ]))
        func states(_ check: Check) -> [String: Finding] {
            Dictionary(
                uniqueKeysWithValues: check.evaluate(policy, observations, History(), now).map { ($0.resource, $0) })
        }
        let latency = states(ReplicationMetricChecks.latency)
        #expect(latency["mne-media-prod"]?.state == .ok)
        #expect(latency["mne-vault-prod"]?.state == .ok)
        let backlog = states(ReplicationMetricChecks.backlog)
        #expect(backlog["mne-media-prod"]?.state == .unknown)
        #expect(
            backlog["mne-media-prod"]?.message
                == "mne-media-prod: cannot evaluate — cloudwatch:GetMetricData on page 2 of 2 (queries q500–q531) (eu-west-3): InternalFailure — We encountered an internal error."
        )
        #expect(backlog["mne-vault-prod"]?.state == .ok)
        let counts = states(ReplicationMetricChecks.objectCount)
        #expect(counts["mne-media-replica"]?.state == .unknown)
        #expect(counts["mne-media-replica"]?.message.contains("cloudwatch:GetMetricData on page 2 of 2") == true)
        // With stored daily counts the failed page costs only the newest reading: history judges.
        let stored = daily(growing(from: 4_789_540, by: 1_200, days: 20)).map {
            Sample(series: .s3Objects, labels: ["bucket": "mne-media-replica"], time: $0.time, value: $0.value)
        }
        let withHistory = ReplicationMetricChecks.objectCount.evaluate(
            policy, observations, History(samples: stored), now)
        #expect(withHistory.first { $0.resource == "mne-media-replica" }?.state == .ok)
    }

    @Test func bytesAreNotSummedOverAStorageTypeThatWasNotRead() {
        let failure = Unavailable(
            action: "cloudwatch:GetMetricData", region: "eu-west-3", code: "Throttling", message: "")
        func bytes(_ type: String, _ value: Double, unavailable: Unavailable? = nil) -> MetricSeries {
            MetricSeries(
                metric: "BucketSizeBytes", dimensions: ["BucketName": "mne-media-replica", "StorageType": type],
                statistic: "Average", periodSeconds: 86400, points: unavailable == nil ? daily([value]) : [],
                unavailable: unavailable)
        }
        let complete = MonitoringObservation(metrics: [
            "eu-west-3": .value([bytes("DeepArchiveStorage", 9e13), bytes("StandardStorage", 1e12)])
        ])
        #expect(S3Metrics.dailyBytes(.init(complete), bucket: mediaReplica).map(\.value) == [9.1e13])
        let partial = MonitoringObservation(metrics: [
            "eu-west-3": .value([bytes("DeepArchiveStorage", 9e13), bytes("StandardStorage", 0, unavailable: failure)])
        ])
        #expect(S3Metrics.dailyBytes(.init(partial), bucket: mediaReplica).isEmpty)
    }

    @Test func nothingCollectedIsUnknownNotOK() {
        let findings = (ReplicationMetricChecks.all + AlertPlumbingChecks.all).flatMap {
            $0.evaluate(policy, Observations(collectedAt: now), History(), now)
        }
        #expect(!findings.isEmpty)
        #expect(
            findings.allSatisfy { $0.state == .unknown }, "\(findings.filter { $0.state != .unknown }.map(\.message))")
    }

    @Test func noMonitoringPolicyMeansNoAlertingFindings() {
        let bare = Policy(accountID: account, buckets: buckets)
        let findings = AlertPlumbingChecks.all.flatMap {
            $0.evaluate(bare, Observations(collectedAt: now), History(), now)
        }
        #expect(findings.isEmpty)
    }
}

/// Guide "Current Metrics": media 155 TB, replica 92.3 TB. A replica that holds fewer objects than
/// its source says why, and pages only when the gap grows.
@Suite struct ReplicaGapTests {
    static let source = growing(from: 4_789_540, by: 1_200, days: 20)
    /// 62.5 % of the source every day: a steady 37.5 % gap.
    static let steadyReplica = source.map { ($0 * 0.625).rounded() }
    static func finding(replica: [Double], bytes: [Double] = [], sourceBytes: [Double] = []) -> Finding {
        ReplicationMetricChecks.objectCountFinding(
            mediaReplica, points: daily(replica), source: "mne-media-prod", sourcePoints: daily(source),
            settings: monitoringPolicy, now: now, bytes: daily(bytes), sourceBytes: daily(sourceBytes))
    }

    @Test func aSteadyGapIsOneWarningThatExplainsObjectsPredatingTheRule() {
        let tb = 1e12
        let finding = Self.finding(
            replica: Self.steadyReplica, bytes: Array(repeating: 92.3 * tb, count: 20),
            sourceBytes: Array(repeating: 155 * tb, count: 20))
        #expect(finding.state == .warning, "\(finding.message)")
        #expect(finding.expected == "≤ 5.0 % behind mne-media-prod")
        #expect(
            finding.message
                == "mne-media-replica: holds 3,007,713 objects on 2026-11-19, 37.5 % behind mne-media-prod's 4,812,340 (allowed 5.0 %; Phase 3): 1,804,627 objects and 57.0 TiB missing; the gap has held steady over 15 days — likely objects that predate the replication rule: CRR never copies them; S3 Batch Replication copies existing objects (aws s3control create-job … --operation '{\"S3ReplicateObject\":{}}')"
        )
    }

    @Test func aGrowingGapPages() {
        // The replica stops receiving objects five days ago while the source keeps growing by 2 %/day.
        let source = Self.source
        var replica = Self.steadyReplica
        for day in 15..<20 { replica[day] = replica[14] * (1 - 0.04 * Double(day - 14)) }
        let finding = ReplicationMetricChecks.objectCountFinding(
            mediaReplica, points: daily(replica), source: "mne-media-prod", sourcePoints: daily(source),
            settings: monitoringPolicy, now: now)
        #expect(finding.state == .critical, "\(finding.message)")
        #expect(finding.message.contains("the gap grew from 37.5 %"), "\(finding.message)")
    }

    @Test func aGapWithinTheLimitIsOK() {
        let finding = Self.finding(replica: Self.source.map { ($0 * 0.97).rounded() })
        #expect(finding.state == .ok, "\(finding.message)")
    }
}

// MARK: - topic policy (who may publish)

/// Guide Step 8.2 grants EventBridge publish on the eu-west-1 topic only; the DR topic keeps the
/// default policy, which admits the owning account (CloudWatch alarms) but not EventBridge.
@Suite struct TopicPolicyTests {
    static let account = "828879644785"
    /// The policy SNS gives a new topic (as AWS and moto create it).
    static let defaultPolicy = [
        TopicPolicyStatement(
            sid: "__default_statement_ID", effect: "Allow", anyPrincipal: true,
            actions: ["SNS:GetTopicAttributes", "SNS:Subscribe", "SNS:Publish"],
            conditions: [.init(operator: "StringEquals", key: "AWS:SourceOwner", values: [account])])
    ]
    /// Step 8.2's grant.
    static let eventsAllowed = [
        TopicPolicyStatement(
            sid: "AllowEventBridgePublish", effect: "Allow", services: ["events.amazonaws.com"],
            actions: ["sns:Publish"])
    ]
    static let drRule = EventRulePromise(
        name: "mnemonica-backup-job-failures-dr", region: "eu-west-3", topicARN: drTopic)

    static func drRuleFinding(policy: [TopicPolicyStatement]) -> Finding {
        AlertPlumbingChecks.ruleFinding(
            drRule,
            found: EventRuleObservation(
                name: drRule.name, region: "eu-west-3", exists: true, state: "ENABLED",
                eventPattern: MonitoringEventBridgeTests.pattern, targetARNs: [drTopic]),
            topics: [drTopic: .value(TopicObservation(arn: drTopic, exists: true, subscriptions: [], policy: policy))])
    }

    @Test func aRuleWhoseTopicLetsNoEventBridgePublishIsCritical() {
        let finding = Self.drRuleFinding(policy: Self.defaultPolicy)
        #expect(finding.state == .critical)
        #expect(
            finding.message
                == "mnemonica-backup-job-failures-dr (eu-west-3): topic mnemonica-backup-alerts-dr's policy does not allow events.amazonaws.com to sns:Publish (no statement allows it) — AWS Backup failures in eu-west-3 reach nobody; guide Step 8.2 grants it with aws sns set-topic-attributes --attribute-name Policy"
        )
    }

    @Test func aRuleWhoseTopicGrantsEventBridgeIsOK() {
        #expect(Self.drRuleFinding(policy: Self.defaultPolicy + Self.eventsAllowed).state == .ok)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var policy: [TopicPolicyStatement]
        var publisher: AlertPlumbingChecks.Publisher
        var verdict: AlertPlumbingChecks.PublishVerdict
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "default policy admits alarms", policy: defaultPolicy, publisher: .cloudWatch, verdict: .allowed),
        Row(
            name: "default policy refuses EventBridge", policy: defaultPolicy, publisher: .eventBridge,
            verdict: .denied("no statement allows it")),
        Row(
            name: "service grant admits EventBridge", policy: eventsAllowed, publisher: .eventBridge, verdict: .allowed),
        Row(
            name: "a grant for another rule refuses this one",
            policy: [
                TopicPolicyStatement(
                    effect: "Allow", services: ["events.amazonaws.com"], actions: ["sns:Publish"],
                    conditions: [
                        .init(
                            operator: "ArnEquals", key: "aws:SourceArn",
                            values: ["arn:aws:events:eu-west-3:\(account):rule/other"])
                    ])
            ], publisher: .eventBridge, verdict: .denied("no statement allows it")),
        Row(
            name: "a wildcard rule ARN admits it",
            policy: [
                TopicPolicyStatement(
                    effect: "Allow", services: ["events.amazonaws.com"], actions: ["sns:*"],
                    conditions: [
                        .init(
                            operator: "ArnLike", key: "aws:SourceArn",
                            values: ["arn:aws:events:*:\(account):rule/mnemonica-*"])
                    ])
            ], publisher: .eventBridge, verdict: .allowed),
        Row(
            name: "an explicit deny wins",
            policy: eventsAllowed + [
                TopicPolicyStatement(
                    sid: "NoEvents", effect: "Deny", services: ["events.amazonaws.com"], actions: ["*"])
            ], publisher: .eventBridge, verdict: .denied("denied by statement NoEvents")),
        Row(
            name: "an unknown condition is undetermined, not a page",
            policy: [
                TopicPolicyStatement(
                    sid: "Org", effect: "Allow", anyPrincipal: true, actions: ["sns:Publish"],
                    conditions: [.init(operator: "StringEquals", key: "aws:PrincipalOrgID", values: ["o-1"])])
            ], publisher: .eventBridge,
            verdict: .undetermined("statement Org has a condition mnemond cannot evaluate")),
    ]

    @Test(arguments: rows)
    func whoMayPublish(_ row: Row) {
        let source =
            row.publisher == .eventBridge
            ? "arn:aws:events:eu-west-3:\(Self.account):rule/mnemonica-backup-job-failures-dr"
            : "arn:aws:cloudwatch:eu-west-3:\(Self.account):alarm:mnemonica-media-replication-lag"
        #expect(
            AlertPlumbingChecks.mayPublish(
                row.policy, publisher: row.publisher, sourceARN: source, account: Self.account)
                == row.verdict)
    }
}
