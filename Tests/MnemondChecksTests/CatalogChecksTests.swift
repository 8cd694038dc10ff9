import Foundation
import MnemondChecks
import MnemondModel
import Testing

private let now = Date(timeIntervalSince1970: 1_790_000_000)
private let rdsPolicy = RDSPolicy(
    identifier: "eks-mnemonica-prod", region: "eu-west-1", retentionDays: 35, backupWindow: "22:00-00:00")

private func instance(retention: Int = 35, window: String? = "22:00-00:00", lag: TimeInterval? = 180)
    -> RDSInstanceObservation
{
    RDSInstanceObservation(
        identifier: "eks-mnemonica-prod", region: "eu-west-1", engine: "postgres", status: "available",
        backupRetentionDays: retention, preferredBackupWindow: window,
        latestRestorableTime: lag.map { now.addingTimeInterval(-$0) })
}

private func evaluate(_ id: CheckID, _ policy: Policy, _ observations: Observations) -> [Finding] {
    Catalog.evaluate(policy, observations, now: now).filter { $0.check == id }
}

@Suite struct RDSChecksTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var check: CheckID
        var instance: RDSInstanceObservation
        var state: CheckState
        var message: String
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "retention as promised", check: "rds.backup_retention", instance: instance(), state: .ok,
            message: "eks-mnemonica-prod: automated backups kept 35 d"),
        Row(
            name: "retention 7 d shrinks PITR", check: "rds.backup_retention", instance: instance(retention: 7),
            state: .critical,
            message:
                "eks-mnemonica-prod: automated backups kept 7 d; guide requires 35 d (Phase 5) — PITR reaches back only 7 d"
        ),
        Row(
            name: "retention 0 disables PITR", check: "rds.backup_retention", instance: instance(retention: 0),
            state: .critical,
            message:
                "eks-mnemonica-prod: automated backups are disabled (retention 0); guide requires 35 d (Phase 5) — no PITR at all"
        ),
        Row(
            name: "window moved", check: "rds.backup_window", instance: instance(window: "04:00-06:00"),
            state: .warning,
            message: "eks-mnemonica-prod: backup window is 04:00-06:00 UTC; guide requires 22:00-00:00 UTC (Phase 5)"),
        Row(
            name: "PITR 3 min is OK", check: "rds.pitr_lag", instance: instance(lag: 180), state: .ok,
            message: "eks-mnemonica-prod: PITR lag 3 min"),
        Row(
            name: "PITR 15 min warns", check: "rds.pitr_lag", instance: instance(lag: 900), state: .warning,
            message:
                "eks-mnemonica-prod: PITR lag 15 min (LatestRestorableTime 2026-09-21T13:58:20Z); limit 10 min, guide promises RPO < 1 min (Phase 5)"
        ),
        Row(
            name: "PITR 40 min is critical", check: "rds.pitr_lag", instance: instance(lag: 2400), state: .critical,
            message:
                "eks-mnemonica-prod: PITR lag 40 min (LatestRestorableTime 2026-09-21T13:33:20Z); limit 30 min, guide promises RPO < 1 min (Phase 5)"
        ),
        Row(
            name: "no restorable time", check: "rds.pitr_lag", instance: instance(lag: nil), state: .critical,
            message:
                "eks-mnemonica-prod: no LatestRestorableTime (status available) — point-in-time recovery is not possible; guide promises RPO < 1 min (Phase 5)"
        ),
    ]

    @Test(arguments: rows)
    func rdsPromises(_ row: Row) {
        let policy = Policy(accountID: "828879644785", buckets: [], rds: [rdsPolicy])
        let findings = evaluate(
            row.check, policy, Observations(collectedAt: now, rds: ["eks-mnemonica-prod": .value(row.instance)]))
        #expect(findings.count == 1)
        #expect(findings.first?.state == row.state)
        #expect(findings.first?.message == row.message)
    }
}

@Suite struct AccountChecksTests {
    @Test(arguments: [("828879644785", CheckState.ok), ("111122223333", .critical)])
    func credentialsMustResolveToTheGuidesAccount(account: String, state: CheckState) {
        let policy = Policy(accountID: "828879644785", buckets: [])
        let observations = Observations(
            collectedAt: now, identity: .value(CallerIdentity(account: account, arn: "arn:aws:iam::\(account):user/x")))
        let finding = evaluate("account.identity", policy, observations).first
        #expect(finding?.state == state)
        #expect(finding?.found == account)
    }
}

@Suite struct IAMChecksTests {
    static let want = AppRolePolicy(
        name: "eks-mnemonica-prod-s3-role", sourceBuckets: ["mne-media-prod", "mne-vault-prod"],
        replicaBuckets: ["mne-media-replica", "mne-vault-replica"])

    static let guidePolicy: [PolicyStatement] = [
        PolicyStatement(
            effect: "Allow", actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            resources: ["arn:aws:s3:::mne-media-prod/*", "arn:aws:s3:::mne-vault-prod/*"]),
        PolicyStatement(
            effect: "Allow", actions: ["s3:ListBucket"],
            resources: ["arn:aws:s3:::mne-media-prod", "arn:aws:s3:::mne-vault-prod"]),
        PolicyStatement(
            effect: "Deny", actions: ["s3:DeleteObjectVersion"],
            resources: ["arn:aws:s3:::mne-media-prod/*", "arn:aws:s3:::mne-vault-prod/*"]),
        PolicyStatement(
            effect: "Deny", actions: ["s3:*"],
            resources: [
                "arn:aws:s3:::mne-media-replica", "arn:aws:s3:::mne-media-replica/*", "arn:aws:s3:::mne-vault-replica",
                "arn:aws:s3:::mne-vault-replica/*",
            ]),
        PolicyStatement(effect: "Deny", actions: ["s3:BypassGovernanceRetention"], resources: ["*"]),
    ]

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var statements: [PolicyStatement]?
        var state: CheckState
        var mentions: String
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "the guide's policy", statements: guidePolicy, state: .ok, mentions: "denies version deletion"),
        Row(name: "role missing", statements: nil, state: .critical, mentions: "the role does not exist"),
        Row(
            name: "no DeleteObjectVersion deny",
            statements: guidePolicy.filter { !$0.actions.contains("s3:DeleteObjectVersion") },
            state: .critical,
            mentions:
                "no explicit Deny for s3:DeleteObjectVersion on mne-media-prod, s3:DeleteObjectVersion on mne-vault-prod"
        ),
        Row(
            name: "replica deny only on objects of one replica",
            statements: guidePolicy.filter { $0.actions != ["s3:*"] } + [
                PolicyStatement(
                    effect: "Deny", actions: ["s3:*"],
                    resources: ["arn:aws:s3:::mne-media-replica", "arn:aws:s3:::mne-media-replica/*"])
            ], state: .critical, mentions: "all access to mne-vault-replica"),
        Row(
            name: "a conditional deny does not count",
            statements: guidePolicy.map { s in
                var s = s
                if s.actions == ["s3:BypassGovernanceRetention"] { s.hasCondition = true }
                return s
            }, state: .critical, mentions: "s3:BypassGovernanceRetention"),
        Row(
            name: "wildcard deny s3:Delete* covers DeleteObjectVersion",
            statements: guidePolicy.filter { !$0.actions.contains("s3:DeleteObjectVersion") } + [
                PolicyStatement(
                    effect: "Deny", actions: ["s3:Delete*Version"], resources: ["arn:aws:s3:::mne-*-prod/*"])
            ], state: .ok, mentions: "denies"),
        Row(
            name: "missing ListBucket allow is a warning",
            statements: guidePolicy.filter { $0.actions != ["s3:ListBucket"] },
            state: .warning, mentions: "does not allow s3:ListBucket on mne-media-prod"),
    ]

    @Test(arguments: rows)
    func appRole(_ row: Row) {
        let role = RoleObservation(
            name: Self.want.name, arn: row.statements == nil ? nil : "arn:aws:iam::828879644785:role/x",
            policies: row.statements.map { ["eks-mnemonica-prod-s3-access": $0] } ?? [:])
        let finding = IAMChecks.roleFinding(Self.want, role: role)
        #expect(finding.state == row.state)
        #expect(finding.message.contains(row.mentions), "\(finding.message)")
    }
}

@Suite struct S3SettingsChecksTests {
    static let source = BucketPolicy(
        name: "mne-vault-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 2A",
        intelligentTieringDay0: true, encryption: EncryptionPromise(algorithm: "AES256", bucketKey: true),
        replication: ReplicationPromise(
            destinationBucket: "mne-vault-replica", storageClass: "DEEP_ARCHIVE", deleteMarkerReplication: true,
            metricsEnabled: true, ruleID: "vault-replica-rule"))
    static let replica = BucketPolicy(
        name: "mne-vault-replica", region: "eu-north-1", role: .replica, noncurrentDays: 180, guide: "Phase 2B",
        abortMultipartDays: 180, objectLock: ObjectLockPromise(mode: "GOVERNANCE", days: 180))

    static func rule(
        enabled: Bool = true, destination: String = "mne-vault-replica", storageClass: String? = "DEEP_ARCHIVE",
        deleteMarkers: Bool = true, metrics: Bool = true
    ) -> ReplicationConfiguration {
        ReplicationConfiguration(
            role: "arn:aws:iam::828879644785:role/service-role/s3crr",
            rules: [
                ReplicationRule(
                    id: "vault-replica-rule", enabled: enabled, destinationBucket: destination,
                    storageClass: storageClass,
                    deleteMarkerReplication: deleteMarkers, metricsEnabled: metrics)
            ])
    }

    @Test(arguments: [
        (rule(), CheckState.ok, "replicates to mne-vault-replica as DEEP_ARCHIVE"),
        (rule(enabled: false), .critical, "is Disabled"),
        (rule(destination: "elsewhere"), .critical, "replicates to elsewhere; guide requires mne-vault-replica"),
        (rule(storageClass: "STANDARD"), .warning, "storage class STANDARD (guide: DEEP_ARCHIVE)"),
        (rule(deleteMarkers: false), .warning, "delete markers not replicated"),
        (rule(metrics: false), .critical, "replication metrics off"),
    ])
    func replicationRule(_ found: ReplicationConfiguration, state: CheckState, mentions: String) {
        let finding = S3ReplicationChecks.replicationFinding(Self.source, found: found)
        #expect(finding.state == state)
        #expect(finding.message.contains(mentions), "\(finding.message)")
    }

    @Test func noReplicationAtAllIsCritical() {
        let finding = S3ReplicationChecks.replicationFinding(Self.source, found: nil)
        #expect(finding.state == .critical)
        #expect(finding.found == "none")
    }

    @Test(arguments: [
        (BucketEncryption(algorithm: "AES256", bucketKeyEnabled: true) as BucketEncryption?, CheckState.ok),
        (BucketEncryption(algorithm: "AES256", bucketKeyEnabled: false), .warning),
        (BucketEncryption(algorithm: "aws:kms", bucketKeyEnabled: true), .warning),
        (nil, .warning),
    ])
    func encryption(_ found: BucketEncryption?, state: CheckState) {
        #expect(S3BucketChecks.encryptionFinding(Self.source, found: found).state == state)
    }

    @Test func encryptionFindingCitesTheStepThatStatesIt() {
        var vault = Self.source
        vault.encryption = EncryptionPromise(algorithm: "AES256", bucketKey: true, guide: "Step 2A.1")
        let finding = S3BucketChecks.encryptionFinding(vault, found: nil)
        #expect(finding.guide == "Step 2A.1")
        #expect(finding.message.hasSuffix("guide requires AES256 with bucket key (Step 2A.1)"))
    }

    func observation(_ lifecycle: [LifecycleRule], lock: ObjectLockSettings? = nil, bucket: BucketPolicy)
        -> Observations
    {
        Observations(
            collectedAt: now,
            buckets: [
                BucketObservation(
                    bucket: bucket.name, region: bucket.region, versioning: .value(.enabled),
                    lifecycle: .value(lifecycle),
                    location: .value(bucket.region), encryption: .value(nil), objectLock: .value(lock),
                    replication: .value(nil))
            ])
    }

    @Test func replicaCurrentExpirationIsCritical() {
        let policy = Policy(accountID: "828879644785", buckets: [Self.replica])
        let rules = [LifecycleRule(id: "mirror", noncurrentExpirationDays: 180, abortIncompleteMultipartDays: 180)]
        #expect(
            evaluate("s3.lifecycle.current_expiration", policy, observation(rules, bucket: Self.replica)).first?.state
                == .ok)
        let expiring = rules + [LifecycleRule(id: "cleanup", expirationDays: 30)]
        let finding = evaluate("s3.lifecycle.current_expiration", policy, observation(expiring, bucket: Self.replica))
            .first
        #expect(finding?.state == .critical)
        #expect(
            finding?.message.hasPrefix("mne-vault-replica: rule cleanup expires current versions after 30 d") == true)
    }

    @Test func abortMultipartAndTieringAreWarnings() {
        let policy = Policy(accountID: "828879644785", buckets: [Self.replica, Self.source])
        var obs = observation([LifecycleRule(id: "m", noncurrentExpirationDays: 180)], bucket: Self.replica)
        obs.buckets += observation([LifecycleRule(id: "s", noncurrentExpirationDays: 35)], bucket: Self.source).buckets
        #expect(evaluate("s3.lifecycle.abort_multipart", policy, obs).first?.state == .warning)
        #expect(evaluate("s3.lifecycle.tiering", policy, obs).first?.state == .warning)
        #expect(evaluate("s3.lifecycle.tiering", policy, obs).count == 1)
    }

    @Test func objectLockDeferredIsShownAsAcceptedRisk() {
        var policy = Policy(accountID: "828879644785", buckets: [Self.replica])
        policy.acceptedRisks = [AcceptedRisk(check: "s3.object_lock", reason: "deferred by the guide")]
        let finding = evaluate("s3.object_lock", policy, observation([], bucket: Self.replica)).first
        #expect(finding?.state == .warning)
        #expect(finding?.acceptedRisk?.reason == "deferred by the guide")
        #expect(finding?.effectiveState == .ok)
        let locked = evaluate(
            "s3.object_lock", policy,
            observation(
                [], lock: ObjectLockSettings(enabled: true, mode: "GOVERNANCE", days: 180), bucket: Self.replica)
        ).first
        #expect(locked?.state == .ok)
    }

    @Test func bucketInTheWrongRegionIsCritical() {
        let policy = Policy(accountID: "828879644785", buckets: [Self.replica])
        var obs = observation([], bucket: Self.replica)
        obs.buckets[0].location = .value("eu-west-1")
        #expect(evaluate("s3.region", policy, obs).first?.state == .critical)
    }
}

@Suite struct WrongAccountTests {
    /// A retention of 7 d would be CRITICAL — but the answer came from another account.
    static let policy = Policy(accountID: "828879644785", buckets: [], rds: [rdsPolicy])

    static func observations(account: String) -> Observations {
        Observations(
            collectedAt: now, identity: .value(CallerIdentity(account: account, arn: "arn:aws:iam::\(account):user/x")),
            rds: ["eks-mnemonica-prod": .value(instance(retention: 7, lag: nil))])
    }

    @Test func wrongAccountPagesOnceAndEveryOtherCheckIsNotEvaluated() {
        let findings = Catalog.evaluate(Self.policy, Self.observations(account: "111122223333"), now: now)
        #expect(findings.filter { $0.state == .critical }.map(\.check) == ["account.identity"])
        let others = findings.filter { $0.check != "account.identity" }
        // Three RDS checks on the instance and the ledger's Scenario 1 (PITR of that instance).
        #expect(
            others.map(\.resource).sorted() == [
                "eks-mnemonica-prod", "eks-mnemonica-prod", "eks-mnemonica-prod", "scenario-1",
            ])
        for finding in others {
            #expect(finding.state == .unknown)
            #expect(
                finding.message
                    == "\(finding.resource): not evaluated: credentials resolve to account 111122223333, expected 828879644785"
            )
        }
    }

    @Test func rightAccountEvaluatesEveryCheck() {
        let findings = Catalog.evaluate(Self.policy, Self.observations(account: "828879644785"), now: now)
        #expect(findings.first { $0.check == "rds.backup_retention" }?.state == .critical)
        #expect(findings.first { $0.check == "account.identity" }?.state == .ok)
    }
}
