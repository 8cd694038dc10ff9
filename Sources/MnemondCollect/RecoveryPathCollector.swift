import Foundation
import MnemondAWS
import MnemondModel

/// What the guide's restore procedures depend on, read-only: the promised plan's selection roles
/// (GetBackupSelection), both vaults' keys (DescribeBackupVault → DescribeKey, GetKeyPolicy), the
/// service roles (GetRole, ListAttachedRolePolicies, inline policies), the DR vault's access
/// policy, the DR region's DB subnet/parameter/option groups for Scenario 3's instance, and the
/// S3 restore path: each replica's default-encryption key (GetBucketEncryption → DescribeKey) and
/// what the configured recovery operator role may do on the replicas' objects.
public struct RecoveryPathCollector: Sendable {
    let backup: Backup
    let kms: KMS
    let iam: IAM
    let rds: RDS
    let s3: S3

    public init(client: AWSClient) {
        self.backup = Backup(client: client)
        self.kms = KMS(client: client)
        self.iam = IAM(client: client)
        self.rds = RDS(client: client)
        self.s3 = S3(client: client)
    }

    public func collect(_ backupPolicy: BackupPolicy, _ recovery: RecoveryPathPolicy, replicas: [BucketPolicy] = [])
        async -> RecoveryPathObservation
    {
        // Reads that do not depend on each other go out at once: the cycle waits for the longest
        // chain (plan → selections → selection roles), not for the sum of them all.
        async let selectionAndRoles = selectionRolesAndRoles(backupPolicy, recovery)

        async let vaults = concurrentMap(
            [(backupPolicy.vault, backupPolicy.region), (backupPolicy.drVault, backupPolicy.drRegion)], by: \.0
        ) { vault, region in
            await observe("backup:DescribeBackupVault", resource: vault, region: region) {
                try await vaultKey(vault, region: region)
            }
        }

        async let access = observe(
            "backup:GetBackupVaultAccessPolicy", resource: backupPolicy.drVault, region: backupPolicy.drRegion
        ) { () async throws -> [ResourcePolicyStatement]? in
            guard
                let text = try await backup.getBackupVaultAccessPolicy(
                    name: backupPolicy.drVault, region: backupPolicy.drRegion)
            else { return nil }
            return try Self.resourceStatements(text)
        }

        async let landing = observe(
            "rds:DescribeDBInstances", resource: recovery.sourceInstance, region: recovery.sourceRegion
        ) { try await landingZone(recovery, drRegion: backupPolicy.drRegion) }

        async let replicaKeys = concurrentMap(replicas, by: \.name) { bucket in
            await observe("s3:GetBucketEncryption", resource: bucket.name, region: bucket.region) {
                try await replicaKey(bucket)
            }
        }

        async let recoveryOperator: Observed<RecoveryOperatorObservation>? = {
            guard let configured = recovery.s3RecoveryOperatorRole else { return nil }
            let name = RecoveryPathPolicy.roleName(configured)
            return await observe("iam:GetRole", resource: name, region: "us-east-1") {
                try await self.recoveryOperator(name, replicas: replicas)
            }
        }()

        let (selectionRoles, roles) = await selectionAndRoles
        return RecoveryPathObservation(
            selectionRoles: selectionRoles, vaults: await vaults, roles: roles, drVaultAccessPolicy: await access,
            landingZone: await landing, replicaKeys: await replicaKeys, recoveryOperator: await recoveryOperator)
    }

    /// The plan's selection roles, and every service role the restores use: the restore role
    /// (read while the selections are listed) and each selection's role.
    func selectionRolesAndRoles(_ backupPolicy: BackupPolicy, _ recovery: RecoveryPathPolicy) async -> (
        Observed<[String]>, [String: Observed<ServiceRoleObservation>]
    ) {
        let restoreRole = RecoveryPathPolicy.roleName(recovery.restoreRoleARN)
        async let restore = observe("iam:GetRole", resource: restoreRole, region: "us-east-1") {
            try await role(restoreRole)
        }
        let selectionRoles = await observe(
            "backup:GetBackupSelection", resource: backupPolicy.planName, region: backupPolicy.region
        ) { try await selectionRoleARNs(plan: backupPolicy.planName, region: backupPolicy.region) }
        let others = Set((selectionRoles.value ?? []).map(RecoveryPathPolicy.roleName)).subtracting([restoreRole])
        var roles = await concurrentMap(others.sorted()) { name in
            await observe("iam:GetRole", resource: name, region: "us-east-1") { try await role(name) }
        }
        roles[restoreRole] = await restore
        return (selectionRoles, roles)
    }

    /// The replica's default encryption and, when it is SSE-KMS naming a key (ID, ARN or alias),
    /// that key described in its own region (the bucket's, unless an ARN names another).
    func replicaKey(_ bucket: BucketPolicy) async throws -> ReplicaKeyObservation {
        let encryption = try await s3.getBucketEncryption(bucket: bucket.name, region: bucket.region).flatMap {
            root throws(UnreadableField) in try S3Collector.encryption(root)
        }
        guard let encryption, encryption.algorithm.hasPrefix("aws:kms"), let keyID = encryption.kmsKeyID,
            !keyID.isEmpty
        else { return ReplicaKeyObservation(bucket: bucket.name, region: bucket.region, encryption: encryption) }
        let keyRegion = KMSKeyObservation(arn: keyID, exists: true).region ?? bucket.region
        guard let meta = try await kms.describeKey(keyID, region: keyRegion) else {
            return ReplicaKeyObservation(
                bucket: bucket.name, region: bucket.region, encryption: encryption,
                key: KMSKeyObservation(arn: keyID, exists: false))
        }
        return ReplicaKeyObservation(
            bucket: bucket.name, region: bucket.region, encryption: encryption,
            key: KMSKeyObservation(
                arn: meta.arn, exists: true, keyState: meta.keyState, enabled: meta.enabled,
                deletionDate: meta.deletionDate, keyManager: meta.keyManager))
    }

    /// The recovery operator role and, per replica, iam:SimulatePrincipalPolicy's decision for
    /// s3:GetObject and s3:RestoreObject on its objects. A service that does not implement the
    /// simulation (an emulator) gets the role's attached and inline policies read instead, for
    /// the check to evaluate; any other failure of a simulation leaves that replica unavailable.
    func recoveryOperator(_ name: String, replicas: [BucketPolicy]) async throws -> RecoveryOperatorObservation {
        guard let arn = try await iam.getRole(name: name) else {
            return RecoveryOperatorObservation(name: name, arn: nil)
        }
        // One simulation per replica: the first alone (a service without the simulation API, an
        // emulator, answers it NotImplemented and the policies are read instead), then the rest at once.
        @Sendable func simulate(_ bucket: String) async -> Result<[IAM.EvaluationResult], any Error> {
            do {
                return .success(
                    try await iam.simulatePrincipalPolicy(
                        principalARN: arn, actions: RecoveryPathPolicy.s3RestoreActions,
                        resource: RecoveryPathPolicy.replicaObjectsARN(bucket)))
            } catch {
                return .failure(error)
            }
        }
        var answers: [String: Result<[IAM.EvaluationResult], any Error>] = [:]
        if let first = replicas.first?.name {
            let answer = await simulate(first)
            answers[first] = answer
            var unimplemented = false
            if case .failure(let error) = answer, let aws = error as? AWSError { unimplemented = aws.isNotImplemented }
            if !unimplemented {
                let rest = replicas.map(\.name).filter { answers[$0] == nil }
                answers.merge(await concurrentMap(rest, simulate)) { first, _ in first }
            }
        }
        var simulated: [String: Observed<[SimulatedDecision]>] = [:]
        for bucket in replicas {
            let resource = RecoveryPathPolicy.replicaObjectsARN(bucket.name)
            do {
                let results = try answers[bucket.name]!.get()
                simulated[bucket.name] = .value(
                    try Self.decisions(results, wanted: RecoveryPathPolicy.s3RestoreActions))
            } catch let error as AWSError where error.isNotImplemented {
                return RecoveryOperatorObservation(
                    name: name, arn: arn,
                    simulationUnavailable: Unavailable(
                        error, action: "iam:SimulatePrincipalPolicy", resource: name, region: "us-east-1"
                    ).description,
                    policies: try await identityPolicies(name))
            } catch {
                simulated[bucket.name] = .unavailable(
                    Unavailable(error, action: "iam:SimulatePrincipalPolicy", resource: resource, region: "us-east-1"))
            }
        }
        return RecoveryOperatorObservation(name: name, arn: arn, simulated: simulated)
    }

    /// SimulatePrincipalPolicy's results for `wanted`, each decision one IAM documents; an action
    /// without a result or an unknown decision is an unreadable answer, never a default.
    static func decisions(_ results: [IAM.EvaluationResult], wanted: [String]) throws(UnreadableField)
        -> [SimulatedDecision]
    {
        var decided: [SimulatedDecision] = []
        for (index, result) in results.enumerated() {
            guard let decision = SimulatedDecision.Decision(rawValue: result.decision) else {
                throw UnreadableField("EvaluationResults[\(index)].EvalDecision", result.decision)
            }
            decided.append(
                SimulatedDecision(
                    action: result.action, decision: decision, matchedPolicies: result.matchedPolicies,
                    missingContextValues: result.missingContextValues))
        }
        for action in wanted where !decided.contains(where: { $0.action.lowercased() == action.lowercased() }) {
            throw UnreadableField("EvaluationResults", "no result for \(action)")
        }
        return decided
    }

    /// The role's attached managed policies (default version) and inline policies, each named.
    func identityPolicies(_ role: String) async throws -> [NamedPolicy] {
        func parsed(_ json: String, action: String, resource: String) throws -> [PolicyStatement] {
            do { return try IAMCollector.statements(json) } catch {
                throw Unavailable(error, action: action, resource: resource, region: "us-east-1")
            }
        }
        var policies: [NamedPolicy] = []
        for arn in try await iam.listAttachedRolePolicies(name: role) {
            let version = try await iam.getPolicyDefaultVersion(arn: arn)
            let document = try await iam.getPolicyVersion(arn: arn, version: version)
            policies.append(
                NamedPolicy(name: arn, statements: try parsed(document, action: "iam:GetPolicyVersion", resource: arn)))
        }
        for policy in try await iam.listRolePolicies(name: role) {
            let document = try await iam.getRolePolicy(role: role, policy: policy)
            policies.append(
                NamedPolicy(
                    name: "inline \(policy)",
                    statements: try parsed(document, action: "iam:GetRolePolicy", resource: "\(role)/\(policy)")))
        }
        return policies
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
        async let attachedPolicies = iam.listAttachedRolePolicies(name: name)
        let inlineNames = try await iam.listRolePolicies(name: name)
        let documents = await concurrentMap(inlineNames) { policy in
            do {
                return Result<String, any Error>.success(try await iam.getRolePolicy(role: name, policy: policy))
            } catch {
                return .failure(error)
            }
        }
        let attached = try await attachedPolicies
        var inline: [PolicyStatement] = []
        for policy in inlineNames {
            inline += try IAMCollector.statements(try documents[policy]!.get())
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
        // AWS creates its default parameter and option groups (`default.postgres16`,
        // `default:postgres-16`) in a region on demand, so a restore never lacks them: not looked up.
        func custom(_ name: String?) -> String? { name.flatMap { $0.hasPrefix("default") ? nil : $0 } }
        let subnetName = (recovery.dbSubnetGroup ?? sourceSubnet).flatMap { $0 == "default" ? nil : $0 }
        let parameterName = custom(recovery.dbParameterGroup ?? sourceParameters)
        let optionName = custom(recovery.optionGroup ?? sourceOptions)
        // The four lookups go out at once; the first failure in this order is the one reported.
        async let sourceFamily: String?? = {
            guard let sourceParameters else { return nil }
            return try await rds.attachedParameterGroupFamily(name: sourceParameters, region: recovery.sourceRegion)
        }()
        async let subnetFound: Bool? = {
            guard let subnetName else { return nil }
            return try await rds.describeDBSubnetGroup(name: subnetName, region: drRegion) != nil
        }()
        async let parametersFound: String?? = {
            guard let parameterName else { return nil }
            return try await rds.describeDBParameterGroupFamily(name: parameterName, region: drRegion)
        }()
        async let optionsFound: String?? = {
            guard let optionName else { return nil }
            return try await rds.describeOptionGroup(name: optionName, region: drRegion)
        }()
        let family = try await sourceFamily ?? nil
        var subnet: GroupPresence?
        if let subnetName, let exists = try await subnetFound {
            subnet = GroupPresence(name: subnetName, exists: exists)
        }
        var parameters: GroupPresence?
        if let parameterName {
            let found = try await parametersFound
            parameters = GroupPresence(name: parameterName, exists: found != nil, detail: found ?? nil)
        }
        var options: GroupPresence?
        if let optionName {
            let found = try await optionsFound
            options = GroupPresence(name: optionName, exists: found != nil, detail: found ?? nil)
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
        let observed = await collect(backup, recovery, replicas: policy.buckets.filter { $0.role == .replica })
        let operatorAnswered: Bool
        switch observed.recoveryOperator {
        case nil: operatorAnswered = true
        case .unavailable: operatorAnswered = false
        case .value(let role): operatorAnswered = (role.simulated ?? [:]).values.allSatisfy { $0.value != nil }
        }
        let success =
            observed.selectionRoles.value != nil && observed.vaults.values.allSatisfy { $0.value != nil }
            && observed.roles.values.allSatisfy { $0.value != nil } && observed.drVaultAccessPolicy?.value != nil
            && observed.landingZone?.value != nil && observed.replicaKeys.values.allSatisfy { $0.value != nil }
            && operatorAnswered
        return Collected(samples: [], success: success) { $0.recoveryPath = observed }
    }
}
