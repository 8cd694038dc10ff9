import Foundation
import MnemondAWS
import MnemondModel

/// What the guide's restore procedures depend on, read-only: the promised plan's selection roles
/// (GetBackupSelection), both vaults' keys (DescribeBackupVault → DescribeKey, GetKeyPolicy), the
/// service roles (GetRole, ListAttachedRolePolicies, inline policies), the DR vault's access
/// policy, and the DR region's DB subnet/parameter/option groups for Scenario 3's instance.
public struct RecoveryPathCollector: Sendable {
    let backup: Backup
    let kms: KMS
    let iam: IAM
    let rds: RDS

    public init(client: AWSClient) {
        self.backup = Backup(client: client)
        self.kms = KMS(client: client)
        self.iam = IAM(client: client)
        self.rds = RDS(client: client)
    }

    public func collect(_ backupPolicy: BackupPolicy, _ recovery: RecoveryPathPolicy) async -> RecoveryPathObservation {
        let selectionRoles = await observe(
            "backup:GetBackupSelection", resource: backupPolicy.planName, region: backupPolicy.region
        ) { try await selectionRoleARNs(plan: backupPolicy.planName, region: backupPolicy.region) }

        var vaults: [String: Observed<VaultKeyObservation>] = [:]
        for (vault, region) in [
            (backupPolicy.vault, backupPolicy.region), (backupPolicy.drVault, backupPolicy.drRegion),
        ] {
            vaults[vault] = await observe("backup:DescribeBackupVault", resource: vault, region: region) {
                try await vaultKey(vault, region: region)
            }
        }

        var names = Set([RecoveryPathPolicy.roleName(recovery.restoreRoleARN)])
        names.formUnion((selectionRoles.value ?? []).map(RecoveryPathPolicy.roleName))
        var roles: [String: Observed<ServiceRoleObservation>] = [:]
        for name in names.sorted() {
            roles[name] = await observe("iam:GetRole", resource: name, region: "us-east-1") { try await role(name) }
        }

        let access = await observe(
            "backup:GetBackupVaultAccessPolicy", resource: backupPolicy.drVault, region: backupPolicy.drRegion
        ) { () async throws -> [ResourcePolicyStatement]? in
            guard
                let text = try await backup.getBackupVaultAccessPolicy(
                    name: backupPolicy.drVault, region: backupPolicy.drRegion)
            else { return nil }
            return try Self.resourceStatements(text)
        }

        let landing = await observe(
            "rds:DescribeDBInstances", resource: recovery.sourceInstance, region: recovery.sourceRegion
        ) { try await landingZone(recovery, drRegion: backupPolicy.drRegion) }

        return RecoveryPathObservation(
            selectionRoles: selectionRoles, vaults: vaults, roles: roles, drVaultAccessPolicy: access,
            landingZone: landing)
    }

    /// The IamRoleArn of every selection of the plan named `plan` (none when the plan is missing:
    /// the plan check reports that).
    func selectionRoleARNs(plan: String, region: String) async throws -> [String] {
        var arns: [String] = []
        for summary in try await backup.listBackupPlans(region: region) where summary.string("BackupPlanName") == plan {
            guard let id = summary.string("BackupPlanId") else { continue }
            for selection in try await backup.listBackupSelections(planID: id, region: region) {
                if let arn = selection.string("IamRoleArn") {
                    arns.append(arn)
                } else if let selectionID = selection.string("SelectionId") {
                    let full = try await backup.getBackupSelection(planID: id, selectionID: selectionID, region: region)
                    if let arn = full.record("BackupSelection")?.string("IamRoleArn") { arns.append(arn) }
                }
            }
        }
        return Array(Set(arns)).sorted()
    }

    func vaultKey(_ vault: String, region: String) async throws -> VaultKeyObservation {
        guard let record = try await backup.describeBackupVault(name: vault, region: region) else {
            return VaultKeyObservation(vault: vault, region: region, vaultARN: nil, encryptionKeyARN: nil, key: nil)
        }
        let keyARN = record.string("EncryptionKeyArn")
        var key: KMSKeyObservation?
        if let keyARN {
            // A key is always read in its own region, whatever the vault's.
            let keyRegion = KMSKeyObservation(arn: keyARN, exists: true).region ?? region
            if let meta = try await kms.describeKey(keyARN, region: keyRegion) {
                var policy: [ResourcePolicyStatement]?
                if meta.keyManager != "AWS" {
                    policy = try Self.resourceStatements(try await kms.getKeyPolicy(keyARN, region: keyRegion))
                }
                key = KMSKeyObservation(
                    arn: meta.arn, exists: true, keyState: meta.keyState, enabled: meta.enabled,
                    deletionDate: meta.deletionDate, keyManager: meta.keyManager, policy: policy)
            } else {
                key = KMSKeyObservation(arn: keyARN, exists: false)
            }
        }
        return VaultKeyObservation(
            vault: vault, region: region, vaultARN: record.string("BackupVaultArn"), encryptionKeyARN: keyARN, key: key)
    }

    func role(_ name: String) async throws -> ServiceRoleObservation {
        guard let role = try await iam.getRoleWithTrust(name: name) else {
            return ServiceRoleObservation(name: name, arn: nil)
        }
        let trust = try role.assumeRolePolicyDocument.map(Self.resourceStatements) ?? []
        let attached = try await iam.listAttachedRolePolicies(name: name)
        var inline: [PolicyStatement] = []
        for policy in try await iam.listRolePolicies(name: name) {
            inline += try IAMCollector.statements(try await iam.getRolePolicy(role: name, policy: policy))
        }
        return ServiceRoleObservation(
            name: name, arn: role.arn, trust: trust, attachedPolicies: attached, inlineStatements: inline)
    }

    func landingZone(_ recovery: RecoveryPathPolicy, drRegion: String) async throws -> LandingZoneObservation {
        let instance = try await rds.describeDBInstance(
            identifier: recovery.sourceInstance, region: recovery.sourceRegion)
        let sourceSubnet = instance.string("DBSubnetGroup", "DBSubnetGroupName")
        let sourceParameters = instance["DBParameterGroups"]?.all("DBParameterGroup").first?.string(
            "DBParameterGroupName")
        let sourceOptions = instance["OptionGroupMemberships"]?.all("OptionGroupMembership").first?.string(
            "OptionGroupName")
        var family: String?
        if let sourceParameters {
            family =
                try await rds.describeDBParameterGroupFamily(name: sourceParameters, region: recovery.sourceRegion)
                ?? nil
        }
        // AWS creates its default parameter and option groups (`default.postgres16`,
        // `default:postgres-16`) in a region on demand, so a restore never lacks them: not looked up.
        func custom(_ name: String?) -> String? { name.flatMap { $0.hasPrefix("default") ? nil : $0 } }
        var subnet: GroupPresence?
        if let name = recovery.dbSubnetGroup ?? sourceSubnet, name != "default" {
            subnet = GroupPresence(
                name: name, exists: try await rds.describeDBSubnetGroup(name: name, region: drRegion) != nil)
        }
        var parameters: GroupPresence?
        if let name = custom(recovery.dbParameterGroup ?? sourceParameters) {
            let found = try await rds.describeDBParameterGroupFamily(name: name, region: drRegion)
            parameters = GroupPresence(name: name, exists: found != nil, detail: found ?? nil)
        }
        var options: GroupPresence?
        if let name = custom(recovery.optionGroup ?? sourceOptions) {
            let found = try await rds.describeOptionGroup(name: name, region: drRegion)
            options = GroupPresence(name: name, exists: found != nil, detail: found ?? nil)
        }
        return LandingZoneObservation(
            sourceSubnetGroup: sourceSubnet, sourceParameterGroup: sourceParameters, sourceParameterFamily: family,
            sourceOptionGroup: sourceOptions, subnetGroup: subnet, parameterGroup: parameters, optionGroup: options)
    }

    /// A resource policy's statements with `Principal` flattened (`"*"`, `{"AWS": [...]}`,
    /// `{"Service": ...}`) and the "string or list" fields normalised to lists.
    static func resourceStatements(_ json: String) throws -> [ResourcePolicyStatement] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw IAMCollector.PolicyDocumentError(description: "policy document is not a JSON object")
        }
        let raw: [[String: Any]]
        if let list = object["Statement"] as? [[String: Any]] {
            raw = list
        } else if let single = object["Statement"] as? [String: Any] {
            raw = [single]
        } else {
            raw = []
        }
        func list(_ value: Any?) -> [String] {
            if let s = value as? String { return [s] }
            return (value as? [Any])?.compactMap { $0 as? String } ?? []
        }
        return raw.map { s in
            var principals: [String] = []
            if let star = s["Principal"] as? String {
                principals = [star]
            } else if let map = s["Principal"] as? [String: Any] {
                principals = map.keys.sorted().flatMap { list(map[$0]) }
            }
            return ResourcePolicyStatement(
                sid: s["Sid"] as? String, effect: (s["Effect"] as? String) ?? "", principals: principals,
                actions: list(s["Action"]), notActions: list(s["NotAction"]), hasCondition: s["Condition"] != nil)
        }
    }
}

extension RecoveryPathCollector: Collector {
    public var name: String { "recovery_path" }
    public var families: Set<CheckFamily> { [.configuration] }

    public func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected {
        guard let backup = policy.backup, let recovery = policy.recoveryPath else { return .notConfigured }
        let observed = await collect(backup, recovery)
        let success =
            observed.selectionRoles.value != nil && observed.vaults.values.allSatisfy { $0.value != nil }
            && observed.roles.values.allSatisfy { $0.value != nil } && observed.drVaultAccessPolicy?.value != nil
            && observed.landingZone?.value != nil
        return Collected(samples: [], success: success) { $0.recoveryPath = observed }
    }
}
