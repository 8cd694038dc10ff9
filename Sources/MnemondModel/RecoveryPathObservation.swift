import Foundation

/// What the guide's restore procedures (Scenario 2/3) depend on besides the recovery points
/// themselves: the vaults' KMS keys, the AWS Backup service roles, the DR vault's access policy
/// and the DR region's landing zone for the restored instance. Collected read-only.
public struct RecoveryPathObservation: Sendable, Codable, Equatable {
    /// The IamRoleArn of each selection of the promised plan (the role backups and copies run as).
    public var selectionRoles: Observed<[String]>
    /// Per vault name (primary and DR): DescribeBackupVault, then its key.
    public var vaults: [String: Observed<VaultKeyObservation>]
    /// Per role name: GetRole (trust) and ListAttachedRolePolicies / inline policies.
    public var roles: [String: Observed<ServiceRoleObservation>]
    /// The DR vault's access policy statements; nil inside `.value`: the vault has none.
    public var drVaultAccessPolicy: Observed<[ResourcePolicyStatement]?>?
    /// The DR region's DB subnet, parameter and option groups for the restored instance.
    public var landingZone: Observed<LandingZoneObservation>?
    /// Per replica bucket: its default encryption (GetBucketEncryption) and, when SSE-KMS names a
    /// key, that key (DescribeKey in the key's region).
    public var replicaKeys: [String: Observed<ReplicaKeyObservation>]
    /// The configured S3 recovery operator role and what it may do on the replicas; nil when
    /// `recovery_path.s3_recovery_operator_role` is not set.
    public var recoveryOperator: Observed<RecoveryOperatorObservation>?

    public init(
        selectionRoles: Observed<[String]>, vaults: [String: Observed<VaultKeyObservation>],
        roles: [String: Observed<ServiceRoleObservation>], drVaultAccessPolicy: Observed<[ResourcePolicyStatement]?>?,
        landingZone: Observed<LandingZoneObservation>?, replicaKeys: [String: Observed<ReplicaKeyObservation>] = [:],
        recoveryOperator: Observed<RecoveryOperatorObservation>? = nil
    ) {
        self.selectionRoles = selectionRoles
        self.vaults = vaults
        self.roles = roles
        self.drVaultAccessPolicy = drVaultAccessPolicy
        self.landingZone = landingZone
        self.replicaKeys = replicaKeys
        self.recoveryOperator = recoveryOperator
    }

    private enum CodingKeys: String, CodingKey {
        case selectionRoles, vaults, roles, drVaultAccessPolicy, landingZone, replicaKeys, recoveryOperator
    }

    /// Observations stored before the S3 restore path was collected decode with none of it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            selectionRoles: try c.decode(Observed<[String]>.self, forKey: .selectionRoles),
            vaults: try c.decode([String: Observed<VaultKeyObservation>].self, forKey: .vaults),
            roles: try c.decode([String: Observed<ServiceRoleObservation>].self, forKey: .roles),
            drVaultAccessPolicy: try c.decodeIfPresent(
                Observed<[ResourcePolicyStatement]?>.self, forKey: .drVaultAccessPolicy),
            landingZone: try c.decodeIfPresent(Observed<LandingZoneObservation>.self, forKey: .landingZone),
            replicaKeys: try c.decodeIfPresent([String: Observed<ReplicaKeyObservation>].self, forKey: .replicaKeys)
                ?? [:],
            recoveryOperator: try c.decodeIfPresent(
                Observed<RecoveryOperatorObservation>.self, forKey: .recoveryOperator))
    }
}

/// A replica bucket's default encryption and the KMS key it names (Scenario 2 restores from it).
public struct ReplicaKeyObservation: Sendable, Codable, Equatable {
    public var bucket: String
    public var region: String
    /// nil: the bucket has no default encryption configuration.
    public var encryption: BucketEncryption?
    /// DescribeKey of `encryption.kmsKeyID`; nil when no key ID is named (SSE-S3, or SSE-KMS with
    /// the AWS managed aws/s3 key).
    public var key: KMSKeyObservation?

    public init(bucket: String, region: String, encryption: BucketEncryption?, key: KMSKeyObservation? = nil) {
        self.bucket = bucket
        self.region = region
        self.encryption = encryption
        self.key = key
    }
}

/// The role that runs the guide's S3 restores (`restore-object`, `get-object` on the replicas),
/// and its verdict per replica bucket.
public struct RecoveryOperatorObservation: Sendable, Codable, Equatable {
    /// The role name as GetRole takes it.
    public var name: String
    /// nil when the role does not exist.
    public var arn: String?
    /// Per replica bucket, per action (`s3:GetObject`, `s3:RestoreObject`): what
    /// iam:SimulatePrincipalPolicy decided. nil: the simulation was not available (see
    /// `simulationUnavailable`) and `policies` holds what to evaluate instead.
    public var simulated: [String: Observed<[SimulatedDecision]>]?
    /// Why SimulatePrincipalPolicy could not be used (`iam:SimulatePrincipalPolicy: NotImplemented — …`).
    public var simulationUnavailable: String?
    /// The role's attached managed policies (their default version) and inline policies, read
    /// when the simulation was not available.
    public var policies: [NamedPolicy]?

    public init(
        name: String, arn: String?, simulated: [String: Observed<[SimulatedDecision]>]? = nil,
        simulationUnavailable: String? = nil, policies: [NamedPolicy]? = nil
    ) {
        self.name = name
        self.arn = arn
        self.simulated = simulated
        self.simulationUnavailable = simulationUnavailable
        self.policies = policies
    }

    public var exists: Bool { arn != nil }
}

/// One action's result of iam:SimulatePrincipalPolicy.
public struct SimulatedDecision: Sendable, Codable, Equatable {
    public enum Decision: String, Sendable, Codable, CaseIterable {
        case allowed
        case explicitDeny
        case implicitDeny
    }

    public var action: String
    public var decision: Decision
    /// SourcePolicyId of each matched statement (which policy allowed or denied).
    public var matchedPolicies: [String]
    /// Context keys the simulation needed and did not have: the decision may differ in real use.
    public var missingContextValues: [String]

    public init(action: String, decision: Decision, matchedPolicies: [String] = [], missingContextValues: [String] = [])
    {
        self.action = action
        self.decision = decision
        self.matchedPolicies = matchedPolicies
        self.missingContextValues = missingContextValues
    }
}

/// An identity policy of a role: a managed policy (by ARN) or an inline one (by name).
public struct NamedPolicy: Sendable, Codable, Equatable {
    /// `arn:aws:iam::…:policy/NAME` for a managed policy, `inline NAME` for an inline one.
    public var name: String
    public var statements: [PolicyStatement]

    public init(name: String, statements: [PolicyStatement]) {
        self.name = name
        self.statements = statements
    }
}

/// A backup vault and the KMS key it encrypts recovery points with.
public struct VaultKeyObservation: Sendable, Codable, Equatable {
    public var vault: String
    public var region: String
    /// nil when the vault does not exist (DescribeBackupVault: ResourceNotFoundException).
    public var vaultARN: String?
    /// EncryptionKeyArn; nil when the vault does not report one.
    public var encryptionKeyARN: String?
    /// DescribeKey + GetKeyPolicy of that key; nil when there is no key ARN to describe.
    public var key: KMSKeyObservation?

    public init(vault: String, region: String, vaultARN: String?, encryptionKeyARN: String?, key: KMSKeyObservation?) {
        self.vault = vault
        self.region = region
        self.vaultARN = vaultARN
        self.encryptionKeyARN = encryptionKeyARN
        self.key = key
    }
}

public struct KMSKeyObservation: Sendable, Codable, Equatable {
    public var arn: String
    /// False when DescribeKey answered NotFoundException.
    public var exists: Bool
    /// `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `Unavailable`, ...
    public var keyState: String?
    public var enabled: Bool
    public var deletionDate: Date?
    /// `AWS` (an AWS managed key such as aws/backup) or `CUSTOMER`.
    public var keyManager: String?
    /// The key policy's statements (customer-managed keys only; nil when not read).
    public var policy: [ResourcePolicyStatement]?

    public init(
        arn: String, exists: Bool, keyState: String? = nil, enabled: Bool = false, deletionDate: Date? = nil,
        keyManager: String? = nil, policy: [ResourcePolicyStatement]? = nil
    ) {
        self.arn = arn
        self.exists = exists
        self.keyState = keyState
        self.enabled = enabled
        self.deletionDate = deletionDate
        self.keyManager = keyManager
        self.policy = policy
    }

    /// The region in the key's ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`).
    public var region: String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 6 ? String(parts[3]) : nil
    }
}

/// A resource policy statement (key policy, vault access policy), normalised: principals are
/// listed as written (`*`, account or role ARNs, `backup.amazonaws.com`).
public struct ResourcePolicyStatement: Sendable, Codable, Equatable {
    public var sid: String?
    public var effect: String
    /// Every principal of `Principal` (AWS, Service, Federated values, or `*`).
    public var principals: [String]
    public var actions: [String]
    public var notActions: [String]
    public var hasCondition: Bool

    public init(
        sid: String? = nil, effect: String, principals: [String], actions: [String], notActions: [String] = [],
        hasCondition: Bool = false
    ) {
        self.sid = sid
        self.effect = effect
        self.principals = principals
        self.actions = actions
        self.notActions = notActions
        self.hasCondition = hasCondition
    }
}

/// An AWS Backup service role: whether it exists, whom it trusts, what it carries.
public struct ServiceRoleObservation: Sendable, Codable, Equatable {
    public var name: String
    /// nil when the role does not exist.
    public var arn: String?
    /// The trust policy's statements (AssumeRolePolicyDocument).
    public var trust: [ResourcePolicyStatement]
    /// Attached managed policy ARNs.
    public var attachedPolicies: [String]
    /// Inline policies' statements, for roles that carry equivalent statements instead.
    public var inlineStatements: [PolicyStatement]

    public init(
        name: String, arn: String?, trust: [ResourcePolicyStatement] = [], attachedPolicies: [String] = [],
        inlineStatements: [PolicyStatement] = []
    ) {
        self.name = name
        self.arn = arn
        self.trust = trust
        self.attachedPolicies = attachedPolicies
        self.inlineStatements = inlineStatements
    }

    public var exists: Bool { arn != nil }
}

/// The DR region's place for Scenario 3's restored instance.
public struct LandingZoneObservation: Sendable, Codable, Equatable {
    /// What the source instance uses in the primary region (DescribeDBInstances), nil when unknown.
    public var sourceSubnetGroup: String?
    public var sourceParameterGroup: String?
    public var sourceParameterFamily: String?
    public var sourceOptionGroup: String?
    /// In the DR region, by name: exists or not.
    public var subnetGroup: GroupPresence?
    /// The DR parameter group's family when it exists.
    public var parameterGroup: GroupPresence?
    public var optionGroup: GroupPresence?

    public init(
        sourceSubnetGroup: String?, sourceParameterGroup: String?, sourceParameterFamily: String?,
        sourceOptionGroup: String?, subnetGroup: GroupPresence?, parameterGroup: GroupPresence?,
        optionGroup: GroupPresence?
    ) {
        self.sourceSubnetGroup = sourceSubnetGroup
        self.sourceParameterGroup = sourceParameterGroup
        self.sourceParameterFamily = sourceParameterFamily
        self.sourceOptionGroup = sourceOptionGroup
        self.subnetGroup = subnetGroup
        self.parameterGroup = parameterGroup
        self.optionGroup = optionGroup
    }
}

/// One named RDS group looked up in a region.
public struct GroupPresence: Sendable, Codable, Equatable {
    public var name: String
    public var exists: Bool
    /// Parameter groups: DBParameterGroupFamily; option groups: engine and major version.
    public var detail: String?
    public init(name: String, exists: Bool, detail: String? = nil) {
        self.name = name
        self.exists = exists
        self.detail = detail
    }
}
