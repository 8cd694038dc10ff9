import Foundation
import MnemondChecks
import MnemondModel
import Testing

private let objects = "arn:aws:s3:::mne-media-replica/*"
private let keyARN = "arn:aws:kms:eu-west-3:828879644785:key/k-9"

private func allow(_ actions: [String], _ resources: [String] = [objects], sid: String? = nil, condition: Bool = false)
    -> PolicyStatement
{
    PolicyStatement(sid: sid, effect: "Allow", actions: actions, resources: resources, hasCondition: condition)
}

private func deny(_ actions: [String], _ resources: [String] = [objects], sid: String? = nil, condition: Bool = false)
    -> PolicyStatement
{
    PolicyStatement(sid: sid, effect: "Deny", actions: actions, resources: resources, hasCondition: condition)
}

private let managed = "arn:aws:iam::828879644785:policy/mnemonica-s3-replica-restore"

@Suite struct PolicyEvaluatorTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var policies: [NamedPolicy]
        var action = "s3:RestoreObject"
        var resource = objects
        var decision: SimulatedDecision.Decision
        var decidedBy: String?
        var approximations: [String] = []
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "an exact allow",
            policies: [NamedPolicy(name: managed, statements: [allow(["s3:RestoreObject"], sid: "A")])],
            decision: .allowed, decidedBy: "\(managed) statement A"),
        Row(
            name: "an action wildcard, case-insensitive",
            policies: [NamedPolicy(name: managed, statements: [allow(["S3:Restore*"])])],
            decision: .allowed, decidedBy: "\(managed) statement #1"),
        Row(
            name: "s3:Get* does not cover RestoreObject",
            policies: [NamedPolicy(name: managed, statements: [allow(["s3:Get*"])])],
            decision: .implicitDeny),
        Row(
            name: "a resource wildcard over every bucket",
            policies: [NamedPolicy(name: managed, statements: [allow(["s3:*"], ["arn:aws:s3:::mne-*/*"])])],
            decision: .allowed, decidedBy: "\(managed) statement #1"),
        Row(
            name: "a prefix-scoped allow does not cover every object",
            policies: [
                NamedPolicy(name: managed, statements: [allow(["s3:*"], ["arn:aws:s3:::mne-media-replica/media/*"])])
            ],
            decision: .implicitDeny),
        Row(
            name: "resources are case-sensitive",
            policies: [NamedPolicy(name: managed, statements: [allow(["s3:*"], ["arn:aws:s3:::MNE-MEDIA-REPLICA/*"])])],
            decision: .implicitDeny),
        Row(
            name: "the bucket ARN is not its objects",
            policies: [NamedPolicy(name: managed, statements: [allow(["s3:*"], ["arn:aws:s3:::mne-media-replica"])])],
            decision: .implicitDeny),
        Row(
            name: "an explicit deny in an inline policy wins over a managed allow",
            policies: [
                NamedPolicy(name: managed, statements: [allow(["s3:*"], ["*"])]),
                NamedPolicy(name: "inline guard", statements: [deny(["s3:*"], sid: "DenyReplica")]),
            ],
            decision: .explicitDeny, decidedBy: "inline guard statement DenyReplica"),
        Row(
            name: "a conditional allow counts, approximately",
            policies: [
                NamedPolicy(name: managed, statements: [allow(["s3:RestoreObject"], sid: "MFA", condition: true)])
            ],
            decision: .allowed, decidedBy: "\(managed) statement MFA",
            approximations: ["\(managed) statement MFA has a Condition (taken as met)"]),
        Row(
            name: "a conditional deny does not count, approximately",
            policies: [
                NamedPolicy(name: managed, statements: [allow(["s3:*"])]),
                NamedPolicy(name: "inline tls", statements: [deny(["s3:*"], ["*"], sid: "TLS", condition: true)]),
            ],
            decision: .allowed, decidedBy: "\(managed) statement #1",
            approximations: ["inline tls statement TLS has a Condition (not applied)"]),
        Row(
            name: "NotAction allows everything else, approximately",
            policies: [
                NamedPolicy(
                    name: managed,
                    statements: [PolicyStatement(effect: "Allow", notActions: ["iam:*"], resources: ["*"])])
            ],
            decision: .allowed, decidedBy: "\(managed) statement #1",
            approximations: ["\(managed) statement #1 uses NotAction"]),
        Row(
            name: "NotAction naming the action does not match",
            policies: [
                NamedPolicy(
                    name: managed,
                    statements: [PolicyStatement(effect: "Allow", notActions: ["s3:Restore*"], resources: ["*"])])
            ],
            decision: .implicitDeny),
        Row(
            name: "NotResource excluding another bucket matches, approximately",
            policies: [
                NamedPolicy(
                    name: managed,
                    statements: [
                        PolicyStatement(effect: "Allow", actions: ["s3:*"], notResources: ["arn:aws:s3:::other/*"])
                    ])
            ],
            decision: .allowed, decidedBy: "\(managed) statement #1",
            approximations: ["\(managed) statement #1 uses NotResource"]),
        Row(name: "no policies at all", policies: [], decision: .implicitDeny),
        Row(
            name: "a deny of another action does not matter",
            policies: [NamedPolicy(name: managed, statements: [allow(["s3:*"]), deny(["s3:DeleteObject"])])],
            decision: .allowed, decidedBy: "\(managed) statement #1"),
    ]

    @Test(arguments: rows)
    func evaluates(_ row: Row) {
        let verdict = PolicyEvaluator.evaluate(row.policies, action: row.action, resource: row.resource)
        #expect(verdict.decision == row.decision)
        #expect(verdict.decidedBy == row.decidedBy)
        #expect(verdict.approximations == row.approximations)
        #expect(verdict.approximate == !row.approximations.isEmpty)
    }
}

@Suite struct ReplicaKeyCheckTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var encryption: BucketEncryption?
        var key: KMSKeyObservation?
        var state: CheckState
        var message: String
        var testDescription: String { name }
    }

    static let kms = BucketEncryption(algorithm: "aws:kms", bucketKeyEnabled: true, kmsKeyID: keyARN)

    static func key(
        _ state: String = "Enabled", arn: String = keyARN, manager: String = "CUSTOMER", deletion: Date? = nil
    )
        -> KMSKeyObservation
    {
        KMSKeyObservation(
            arn: arn, exists: true, keyState: state, enabled: state == "Enabled", deletionDate: deletion,
            keyManager: manager)
    }

    static let rows: [Row] = [
        Row(
            name: "enabled customer key", encryption: kms, key: key(), state: .ok,
            message: "mne-media-replica (eu-west-3): SSE-KMS key \(keyARN) is Enabled"),
        Row(
            name: "disabled key", encryption: kms, key: key("Disabled"), state: .critical,
            message:
                "mne-media-replica (eu-west-3): its key \(keyARN) is Disabled: Scenario 2's restore-object and download of objects encrypted with it fail"
        ),
        Row(
            name: "pending deletion shows the date", encryption: kms,
            key: key("PendingDeletion", deletion: Date(timeIntervalSince1970: 1_790_604_800)), state: .critical,
            message:
                "mne-media-replica (eu-west-3): its key \(keyARN) is scheduled for deletion on 2026-09-28 14:13 UTC: every replica object encrypted with it becomes unrecoverable then"
        ),
        Row(
            name: "missing key", encryption: kms, key: KMSKeyObservation(arn: keyARN, exists: false), state: .critical,
            message:
                "mne-media-replica (eu-west-3): its default encryption key \(keyARN) does not exist: replica objects encrypted with it can be neither restored nor read"
        ),
        Row(
            name: "key in another region", encryption: kms, key: key(arn: "arn:aws:kms:eu-west-1:828879644785:key/k-9"),
            state: .critical,
            message:
                "mne-media-replica (eu-west-3): its key arn:aws:kms:eu-west-1:828879644785:key/k-9 lives in eu-west-1, not in the bucket's region"
        ),
        Row(
            name: "AWS managed key named by ARN", encryption: kms, key: key(manager: "AWS"), state: .ok,
            message: "mne-media-replica (eu-west-3): encrypted with the AWS managed key \(keyARN): nothing to check"),
        Row(
            name: "SSE-KMS without a key ID is aws/s3",
            encryption: BucketEncryption(algorithm: "aws:kms", bucketKeyEnabled: false), key: nil, state: .ok,
            message: "mne-media-replica (eu-west-3): SSE-KMS with the AWS managed key aws/s3: nothing to check"),
        Row(
            name: "SSE-S3", encryption: BucketEncryption(algorithm: "AES256", bucketKeyEnabled: true), key: nil,
            state: .ok,
            message:
                "mne-media-replica (eu-west-3): encrypted with SSE-S3 (AES256), keys managed by S3: nothing to check"),
        Row(
            name: "no configuration", encryption: nil, key: nil, state: .ok,
            message:
                "mne-media-replica (eu-west-3): no default encryption configuration (S3 encrypts with SSE-S3): no key to check"
        ),
    ]

    @Test(arguments: rows)
    func judges(_ row: Row) {
        let finding = RecoveryPathChecks.replicaKeyFinding(
            ReplicaKeyObservation(
                bucket: "mne-media-replica", region: "eu-west-3", encryption: row.encryption, key: row.key))
        #expect(finding.check == "recovery_path.replica_key")
        #expect(finding.resource == "mne-media-replica")
        #expect(finding.state == row.state)
        #expect(finding.message == row.message)
        #expect(finding.guide == "Recovery Procedures, Scenario 2")
        #expect((finding.runbook != nil) == (row.state == .critical && row.name != "key in another region"))
    }
}

@Suite struct ReplicaAccessCheckTests {
    static let role = "mnemonica-recovery-operator"
    static let roleARN = "arn:aws:iam::828879644785:role/mnemonica-recovery-operator"

    static func simulated(_ decisions: [SimulatedDecision]) -> RecoveryOperatorObservation {
        RecoveryOperatorObservation(name: role, arn: roleARN, simulated: ["mne-media-replica": .value(decisions)])
    }

    static func evaluated(_ statements: [PolicyStatement]) -> RecoveryOperatorObservation {
        RecoveryOperatorObservation(
            name: role, arn: roleARN,
            simulationUnavailable: "iam:SimulatePrincipalPolicy: NotImplemented",
            policies: [NamedPolicy(name: managed, statements: statements)])
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var observed: RecoveryOperatorObservation
        var state: CheckState
        var message: String
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "simulation allows both",
            observed: simulated([
                SimulatedDecision(action: "s3:GetObject", decision: .allowed),
                SimulatedDecision(action: "s3:RestoreObject", decision: .allowed),
            ]), state: .ok,
            message:
                "mne-media-replica: the recovery operator mnemonica-recovery-operator may s3:GetObject and s3:RestoreObject on \(objects) — per iam:SimulatePrincipalPolicy"
        ),
        Row(
            name: "simulation: explicit deny names the policy",
            observed: simulated([
                SimulatedDecision(action: "s3:GetObject", decision: .allowed),
                SimulatedDecision(action: "s3:RestoreObject", decision: .explicitDeny, matchedPolicies: ["guard"]),
            ]), state: .critical,
            message:
                "mne-media-replica: the recovery operator mnemonica-recovery-operator may not s3:RestoreObject (explicitly denied by guard) on \(objects): Scenario 2's restore-object and download fail — per iam:SimulatePrincipalPolicy"
        ),
        Row(
            name: "simulation: missing context makes it approximate",
            observed: simulated([
                SimulatedDecision(
                    action: "s3:GetObject", decision: .allowed, missingContextValues: ["aws:MultiFactorAuthPresent"]),
                SimulatedDecision(action: "s3:RestoreObject", decision: .allowed),
            ]), state: .ok,
            message:
                "mne-media-replica: the recovery operator mnemonica-recovery-operator may s3:GetObject and s3:RestoreObject on \(objects) — per iam:SimulatePrincipalPolicy; approximate: s3:GetObject depends on context keys the simulation lacked (aws:MultiFactorAuthPresent)"
        ),
        Row(
            name: "fallback: allowed from the attached policy",
            observed: evaluated([allow(["s3:GetObject", "s3:RestoreObject"])]), state: .ok,
            message:
                "mne-media-replica: the recovery operator mnemonica-recovery-operator may s3:GetObject and s3:RestoreObject on \(objects) — evaluated from the role's attached and inline policies (iam:SimulatePrincipalPolicy unavailable: iam:SimulatePrincipalPolicy: NotImplemented)"
        ),
        Row(
            name: "fallback: s3:Get* alone leaves RestoreObject implicitly denied",
            observed: evaluated([allow(["s3:Get*"])]), state: .critical,
            message:
                "mne-media-replica: the recovery operator mnemonica-recovery-operator may not s3:RestoreObject (no statement allows it) on \(objects): Scenario 2's restore-object and download fail — evaluated from the role's attached and inline policies (iam:SimulatePrincipalPolicy unavailable: iam:SimulatePrincipalPolicy: NotImplemented)"
        ),
        Row(
            name: "fallback: a deny wins",
            observed: evaluated([allow(["s3:*"]), deny(["s3:GetObject", "s3:RestoreObject"], sid: "Guard")]),
            state: .critical,
            message:
                "mne-media-replica: the recovery operator mnemonica-recovery-operator may not s3:GetObject (explicitly denied by \(managed) statement Guard), s3:RestoreObject (explicitly denied by \(managed) statement Guard) on \(objects): Scenario 2's restore-object and download fail — evaluated from the role's attached and inline policies (iam:SimulatePrincipalPolicy unavailable: iam:SimulatePrincipalPolicy: NotImplemented)"
        ),
        Row(
            name: "role missing", observed: RecoveryOperatorObservation(name: role, arn: nil), state: .critical,
            message:
                "mne-media-replica: the recovery operator role mnemonica-recovery-operator does not exist: nobody is known to be allowed Scenario 2's restore-object and download"
        ),
        Row(
            name: "a failed simulation is unknown",
            observed: RecoveryOperatorObservation(
                name: role, arn: roleARN,
                simulated: [
                    "mne-media-replica": .unavailable(
                        Unavailable(
                            action: "iam:SimulatePrincipalPolicy", resource: roleARN, region: "us-east-1",
                            code: "AccessDenied", message: "no"))
                ]), state: .unknown,
            message:
                "mne-media-replica: cannot evaluate — iam:SimulatePrincipalPolicy on \(roleARN) (us-east-1): AccessDenied — no"
        ),
    ]

    @Test(arguments: rows)
    func judges(_ row: Row) {
        let finding = RecoveryPathChecks.replicaAccessFinding(row.observed, bucket: "mne-media-replica")
        #expect(finding.check == "recovery_path.replica_access")
        #expect(finding.resource == "mne-media-replica")
        #expect(finding.state == row.state)
        #expect(finding.message == row.message)
        #expect(finding.guide == "Recovery Procedures, Scenario 2")
    }

    static let backup = BackupPolicy(
        region: "eu-west-1", planName: "p", ruleName: "r", schedule: "cron(0 */6 * * ? *)", intervalHours: 6,
        graceHours: 1, retentionDays: 180, vault: "v",
        resourceARN: "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod", drRegion: "eu-west-3",
        drVault: "v-dr", drRetentionDays: 180)
    static let buckets = [
        BucketPolicy(name: "mne-media-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1"),
        BucketPolicy(
            name: "mne-media-replica", region: "eu-west-3", role: .replica, noncurrentDays: 180, guide: "Phase 2"),
        BucketPolicy(
            name: "mne-vault-replica", region: "eu-north-1", role: .replica, noncurrentDays: 180, guide: "Phase 2B"),
    ]

    static func policy(operator role: String?) -> Policy {
        Policy(
            accountID: "828879644785", buckets: buckets, backup: backup,
            recoveryPath: RecoveryPathPolicy(
                restoreRoleARN: "arn:aws:iam::828879644785:role/service-role/AWSBackupDefaultServiceRole",
                drInstance: "eks-mnemonica-prod-dr", sourceInstance: "eks-mnemonica-prod", sourceRegion: "eu-west-1",
                s3RecoveryOperatorRole: role))
    }

    @Test func unconfiguredIsAWarningPerReplicaNamingTheKey() {
        let findings = RecoveryPathChecks.replicaAccess.evaluate(
            Self.policy(operator: nil), Observations(collectedAt: Date()), History(), Date())
        #expect(findings.map(\.resource) == ["mne-media-replica", "mne-vault-replica"])
        #expect(findings.allSatisfy { $0.state == .warning && $0.found == "not configured" })
        #expect(findings.allSatisfy { $0.message.contains("set recovery_path.s3_recovery_operator_role") })
    }

    @Test func configuredButUncollectedIsUnknownPerReplica() {
        let findings = RecoveryPathChecks.replicaAccess.evaluate(
            Self.policy(operator: Self.role), Observations(collectedAt: Date()), History(), Date())
        #expect(findings.count == 2 && findings.allSatisfy { $0.state == .unknown })
        let keys = RecoveryPathChecks.replicaKey.evaluate(
            Self.policy(operator: nil), Observations(collectedAt: Date()), History(), Date())
        #expect(keys.map(\.resource) == ["mne-media-replica", "mne-vault-replica"])
        #expect(keys.allSatisfy { $0.state == .unknown })
    }

    @Test func aFailedRoleReadIsUnknownForEveryReplica() {
        let reason = Unavailable(
            action: "iam:GetRole", resource: Self.role, region: "us-east-1", code: "AccessDenied", message: "")
        var observations = Observations(collectedAt: Date())
        observations.recoveryPath = RecoveryPathObservation(
            selectionRoles: .value([]), vaults: [:], roles: [:], drVaultAccessPolicy: nil, landingZone: nil,
            recoveryOperator: .unavailable(reason))
        let findings = RecoveryPathChecks.replicaAccess.evaluate(
            Self.policy(operator: Self.role), observations, History(), Date())
        #expect(findings.count == 2)
        #expect(findings.allSatisfy { $0.state == .unknown && $0.message.contains("iam:GetRole") })
    }

    @Test func withoutARecoveryPathNothingIsJudged() {
        let policy = Policy(accountID: "828879644785", buckets: Self.buckets)
        #expect(
            RecoveryPathChecks.replicaAccess.evaluate(policy, Observations(collectedAt: Date()), History(), Date())
                .isEmpty)
        #expect(
            RecoveryPathChecks.replicaKey.evaluate(policy, Observations(collectedAt: Date()), History(), Date()).isEmpty
        )
    }
}
