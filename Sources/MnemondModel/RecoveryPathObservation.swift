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

    public init(
        selectionRoles: Observed<[String]>, vaults: [String: Observed<VaultKeyObservation>],
        roles: [String: Observed<ServiceRoleObservation>], drVaultAccessPolicy: Observed<[ResourcePolicyStatement]?>?,
        landingZone: Observed<LandingZoneObservation>?
    ) {
        self.selectionRoles = selectionRoles
        self.vaults = vaults
        self.roles = roles
        self.drVaultAccessPolicy = drVaultAccessPolicy
        self.landingZone = landingZone
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
