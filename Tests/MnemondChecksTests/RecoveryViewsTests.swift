import Foundation
import MnemondChecks
import MnemondModel
import Testing

private let now = Date(timeIntervalSince1970: 1_790_000_000)

private let estate = Policy(
    accountID: "828879644785",
    buckets: [
        BucketPolicy(name: "mne-media-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1"),
        BucketPolicy(
            name: "mne-media-replica", region: "eu-west-3", role: .replica, noncurrentDays: 180, guide: "Phase 2"),
    ],
    rds: [
        RDSPolicy(
            identifier: "eks-mnemonica-prod", region: "eu-west-1", retentionDays: 35, backupWindow: "22:00-00:00",
            pitrWarningSeconds: 300, pitrCriticalSeconds: 900)
    ],
    backup: BackupPolicy(
        region: "eu-west-1", planName: "plan", ruleName: "rule", schedule: "cron(0 */6 * * ? *)", intervalHours: 6,
        graceHours: 2, retentionDays: 180, vault: "vault", resourceARN: "arn", drRegion: "eu-west-3",
        drVault: "vault-dr", drRetentionDays: 90))

private func sample(_ series: Series, _ labels: [String: String], _ value: Double) -> Sample {
    Sample(series: series, labels: labels, time: now, value: value)
}

private func status(_ check: CheckID, _ resource: String, _ state: CheckState) -> RecoveryWindows.CheckStatus {
    RecoveryWindows.CheckStatus(check: check, resource: resource, state: state)
}

@Suite struct RecoveryWindowsTests {
    typealias Segment = RecoveryWindows.Segment

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var policy: Policy?
        var states: [RecoveryWindows.CheckStatus]
        var latest: [Sample]
        var segments: [Segment]
        var testDescription: String { name }
    }

    static let allOK: [RecoveryWindows.CheckStatus] = [
        status("rds.pitr_lag", "eks-mnemonica-prod", .ok), status("backup.job_freshness", "eks-mnemonica-prod", .ok),
        status("backup.copy", "vault-dr", .ok), status("s3.versioning", "mne-media-prod", .ok),
        status("s3.versioning", "mne-media-replica", .ok), status("account.identity", "account", .critical),
    ]

    static let rows: [Row] = [
        Row(
            name: "no data yet: promised windows, every state UNKNOWN", policy: estate, states: [], latest: [],
            segments: [
                Segment(
                    kind: .pitr(instance: "eks-mnemonica-prod", named: false), span: .upTo(days: 35), state: .unknown),
                Segment(kind: .snapshots, span: .upTo(days: 180), state: .unknown),
                Segment(kind: .drCopies, span: .upTo(days: 90), state: .unknown),
                Segment(kind: .versions, span: .upTo(days: 35), state: .unknown),
                Segment(kind: .replicas, span: .upTo(days: 180), state: .unknown),
            ]),
        Row(
            name: "measured windows win over promised ones; account checks belong to no window", policy: estate,
            states: allOK,
            latest: [
                sample(.rdsBackupRetentionDays, ["instance": "eks-mnemonica-prod"], 7),
                sample(.rdsPitrLagSeconds, ["instance": "eks-mnemonica-prod"], 180),
                sample(.backupSnapshotRPOSeconds, ["vault": "vault"], 3600),
                sample(.backupSnapshotRPOSeconds, ["vault": "vault-dr"], 7200),
                sample(.s3LifecycleNoncurrentDays, ["bucket": "mne-media-prod"], 30),
                sample(.s3LifecycleNoncurrentDays, ["bucket": "mne-media-replica"], 15),
                sample(.s3ReplicationLatencySeconds, ["source": "mne-media-prod", "destination": "x"], 40),
                sample(.s3ReplicationLatencySeconds, ["source": "mne-vault-prod", "destination": "y"], 90),
            ],
            segments: [
                Segment(
                    kind: .pitr(instance: "eks-mnemonica-prod", named: false), span: .upTo(days: 7),
                    measuredSeconds: 180,
                    state: .ok),
                Segment(kind: .snapshots, span: .upTo(days: 180), measuredSeconds: 3600, state: .ok),
                Segment(kind: .drCopies, span: .upTo(days: 90), measuredSeconds: 7200, state: .ok),
                Segment(kind: .versions, span: .upTo(days: 30), state: .ok),
                Segment(kind: .replicas, span: .upTo(days: 15), measuredSeconds: 90, state: .ok),
            ]),
        Row(
            name: "each window takes the worst state of the checks that declare it", policy: estate,
            states: allOK + [
                status("rds.backup_retention", "eks-mnemonica-prod", .warning),
                status("rds.pitr_lag", "other-instance", .critical),
                status("backup.coverage", "vault", .critical),
                status("s3.lifecycle.noncurrent", "mne-media-replica", .critical),
                // Replication findings name the source but speak for the replicas.
                status("s3.replication.latency", "mne-media-prod", .warning),
            ],
            latest: [],
            segments: [
                Segment(
                    kind: .pitr(instance: "eks-mnemonica-prod", named: false), span: .upTo(days: 35), state: .warning),
                Segment(kind: .snapshots, span: .upTo(days: 180), state: .critical),
                Segment(kind: .drCopies, span: .upTo(days: 90), state: .ok),
                Segment(kind: .versions, span: .upTo(days: 35), state: .ok),
                Segment(kind: .replicas, span: .upTo(days: 180), state: .critical),
            ]),
        Row(
            name: "without a policy: instances from samples, one versions range", policy: nil,
            states: [status("rds.pitr_lag", "b", .ok), status("s3.replication.failures", "src", .warning)],
            latest: [
                sample(.rdsPitrLagSeconds, ["instance": "b"], 60),
                sample(.rdsBackupRetentionDays, ["instance": "a"], 35),
                sample(.s3LifecycleNoncurrentDays, ["bucket": "src"], 35),
                sample(.s3LifecycleNoncurrentDays, ["bucket": "dst"], 180),
            ],
            segments: [
                Segment(kind: .pitr(instance: "a", named: true), span: .upTo(days: 35), state: .unknown),
                Segment(
                    kind: .pitr(instance: "b", named: true), span: .upTo(days: nil), measuredSeconds: 60, state: .ok),
                Segment(kind: .versions, span: .kept(lowDays: 35, highDays: 180), state: .warning),
            ]),
    ]

    @Test(arguments: rows) func segments(_ row: Row) {
        #expect(RecoveryWindows.segments(policy: row.policy, states: row.states, latest: row.latest) == row.segments)
    }

    @Test func everyCheckOfAGuideRecoveryAreaDeclaresItsWindow() {
        for check in Catalog.all where ["rds", "backup", "s3"].contains(check.id.area) {
            #expect(check.recoveryWindow != nil, "\(check.id)")
        }
        for check in Catalog.all where !["rds", "backup", "s3"].contains(check.id.area) {
            #expect(check.recoveryWindow == nil, "\(check.id)")
        }
    }
}

@Suite struct MeasuredRPOTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: MeasuredRPO.Kind
        var policy: Policy?
        var max: Double?
        var p95: Double?
        var limits: MeasuredRPO.Limits
        var state: CheckState
        var reason: String
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "PITR within the policy's warning", kind: .pitr(instance: "eks-mnemonica-prod"), policy: estate,
            max: 290, p95: 200, limits: .init(limitSeconds: 300, warningSeconds: 300, criticalSeconds: 900),
            state: .ok, reason: "max 290 s (4 min 50 s) within the limits"),
        Row(
            name: "PITR over the policy's warning", kind: .pitr(instance: "eks-mnemonica-prod"), policy: estate,
            max: 301, p95: 200, limits: .init(limitSeconds: 300, warningSeconds: 300, criticalSeconds: 900),
            state: .warning, reason: "max 301 s (5 min 1 s) over 300 s (5 min)"),
        Row(
            name: "PITR over the policy's critical", kind: .pitr(instance: "eks-mnemonica-prod"), policy: estate,
            max: 901, p95: 200, limits: .init(limitSeconds: 300, warningSeconds: 300, criticalSeconds: 900),
            state: .critical, reason: "max 901 s (15 min) over 900 s (15 min)"),
        Row(
            name: "PITR of an unknown instance: default 10 / 30 min", kind: .pitr(instance: "other"), policy: estate,
            max: 700, p95: 100, limits: .init(limitSeconds: 600, warningSeconds: 600, criticalSeconds: 1800),
            state: .warning, reason: "max 700 s (11 min) over 600 s (10 min)"),
        Row(
            name: "PITR without samples is unknown", kind: .pitr(instance: "eks-mnemonica-prod"), policy: nil,
            max: nil, p95: nil, limits: .init(limitSeconds: 600, warningSeconds: 600, criticalSeconds: 1800),
            state: .unknown, reason: "no samples"),
        Row(
            name: "snapshot past interval + grace is critical", kind: .snapshot(vault: "vault"), policy: estate,
            max: 8 * 3600 + 1, p95: 3600, limits: .init(limitSeconds: 8 * 3600, criticalSeconds: 8 * 3600),
            state: .critical, reason: "max 28801 s (8 h) over 28800 s (8 h)"),
        Row(
            name: "snapshot without a policy: 7 h", kind: .snapshot(vault: "vault"), policy: nil,
            max: 7 * 3600, p95: 3600, limits: .init(limitSeconds: 7 * 3600, criticalSeconds: 7 * 3600),
            state: .ok, reason: "max 25200 s (7 h) within the limits"),
        Row(
            name: "replication spike warns", kind: .replication(source: "mne-media-prod"), policy: nil,
            max: 1000, p95: 100, limits: .init(limitSeconds: 900, warningSeconds: 900, p95CriticalSeconds: 900),
            state: .warning, reason: "max 1000 s (16 min) over 900 s (15 min)"),
        Row(
            name: "replication mostly over the promise is critical", kind: .replication(source: "mne-media-prod"),
            policy: nil, max: 1000, p95: 950,
            limits: .init(limitSeconds: 900, warningSeconds: 900, p95CriticalSeconds: 900),
            state: .critical, reason: "p95 950 s (15 min) over 900 s (15 min)"),
    ]

    @Test(arguments: rows) func verdict(_ row: Row) {
        let limits = MeasuredRPO.limits(row.kind, policy: row.policy)
        #expect(limits == row.limits)
        let verdict = MeasuredRPO.verdict(maxSeconds: row.max, p95Seconds: row.p95, limits: limits)
        #expect(verdict.state == row.state)
        #expect(verdict.reason == row.reason)
    }
}

@Suite struct CatalogDeclarationsTests {
    @Test func theObjectCountBandLooksBackItsWindowPlusAWeek() {
        let policy = Policy(
            accountID: "1", buckets: [],
            monitoring: MonitoringPolicy(topics: [], alarms: [], eventRules: [], objectCountWindowDays: 20))
        let needed = Catalog.historyNeeded(policy)
        // Scenario 1 of the ledger reads versioning back over the sources' noncurrent window
        // (35 d without a source bucket).
        #expect(needed.map(\.series) == [.s3Objects, .s3VersioningEnabled])
        #expect(needed.first?.lookBackSeconds == TimeInterval(27 * 86400))
        #expect(needed.last?.lookBackSeconds == TimeInterval(35 * 86400))
        #expect(
            Catalog.historyNeeded(Policy(accountID: "1", buckets: [])).first?.lookBackSeconds
                == TimeInterval(21 * 86400))
    }

    @Test func theEffectiveNoncurrentWindowIsMeasuredFromTheRawRules() {
        let rules = [
            LifecycleRule(id: "whole", noncurrentExpirationDays: 40),
            LifecycleRule(id: "shorter", noncurrentExpirationDays: 35),
            LifecycleRule(id: "off", enabled: false, noncurrentExpirationDays: 1),
            LifecycleRule(id: "prefix", prefix: "tmp/", noncurrentExpirationDays: 2),
        ]
        let fresh = Observations(
            collectedAt: now,
            buckets: [
                BucketObservation(
                    bucket: "a", region: "eu-west-1", versioning: .value(.enabled), lifecycle: .value(rules)),
                BucketObservation(
                    bucket: "b", region: "eu-west-1", versioning: .value(.enabled), lifecycle: .value([])),
            ])
        #expect(
            Catalog.measure(fresh, at: now) == [
                Sample(series: .s3LifecycleNoncurrentDays, labels: ["bucket": "a"], time: now, value: 35),
                Sample(series: .s3VersioningEnabled, labels: ["bucket": "a"], time: now, value: 1),
                Sample(series: .s3VersioningEnabled, labels: ["bucket": "b"], time: now, value: 1),
            ])
        #expect(Catalog.measure(Observations(collectedAt: now), at: now).isEmpty)
    }
}
