import Foundation
import MnemondModel

/// Recovery Procedures, Scenario 2/3: can `aws backup start-restore-job` actually run? Besides
/// the recovery points it needs the vaults' KMS keys usable by the backup and restore roles, the
/// roles themselves, a DR vault that accepts the plan's copies, and a DR region with somewhere
/// for the restored instance to land. Scenario 2's S3 restore from the replicas needs their keys
/// and a role allowed to restore and read (`RecoveryPathChecks+S3Restore.swift`). Each dependency
/// is one check.
public enum RecoveryPathChecks {
    public static let all: [Check] = [vaultKey, serviceRole, copy, drLandingZone, replicaKey, replicaAccess]

    /// What AWS Backup needs of a customer-managed vault key to write copies into the vault and to
    /// restore from it (AWS Backup's "Encryption for backups" key-policy statement:
    /// kms:Decrypt, kms:GenerateDataKey*, kms:CreateGrant, kms:DescribeKey, kms:ReEncrypt*).
    public static let keyActions = [
        "kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant",
        "kms:DescribeKey", "kms:ReEncryptFrom", "kms:ReEncryptTo",
    ]
    public static let backupManagedPolicy = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
    public static let restoreManagedPolicy =
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"

    // MARK: - Vault keys

    /// Guide Phase 6 + Scenario 2/3: both vaults' keys exist, are Enabled (not PendingDeletion),
    /// live in the vault's region, and their key policy lets the selection's role and the restore
    /// role use them. A key AWS manages (aws/backup) is reported as such: nothing to check.
    public static let vaultKey = Check(
        id: "recovery_path.vault_key", evidence: [.configuration],
        promise: "Both vaults' KMS keys are enabled, in the vault's region, and usable by the backup and restore roles"
    ) { policy, observations, _, _ in
        guard let backup = policy.backup, let recovery = policy.recoveryPath else { return [] }
        let id: CheckID = "recovery_path.vault_key"
        return [(backup.vault, backup.region), (backup.drVault, backup.drRegion)].map { vault, region in
            guard let path = observations.recoveryPath, let observed = path.vaults[vault] else {
                return Catalog.notCollected(id, resource: vault)
            }
            switch observed {
            case .unavailable(let reason): return Catalog.unknown(id, resource: vault, reason, guide: "Phase 6")
            case .value(let v):
                let roles = Set((path.selectionRoles.value ?? []) + [recovery.restoreRoleARN]).sorted()
                return vaultKeyFinding(v, roles: roles)
            }
        }
    }

    public static func vaultKeyFinding(_ v: VaultKeyObservation, roles: [String]) -> Finding {
        let id: CheckID = "recovery_path.vault_key"
        func finding(_ state: CheckState, _ message: String, found: String, runbook: String? = nil) -> Finding {
            Finding(
                check: id, resource: v.vault, state: state, message: "\(v.vault) (\(v.region)): \(message)",
                expected: "enabled key usable by \(roles.map(RecoveryPathPolicy.roleName).joined(separator: ", "))",
                found: found, guide: "Phase 6", runbook: runbook)
        }
        guard v.vaultARN != nil else {
            return finding(
                .critical, "the vault does not exist: nothing can be copied into or restored from it",
                found: "no vault",
                runbook:
                    "Guide Phase 6: aws backup create-backup-vault --backup-vault-name \(v.vault) --encryption-key-arn KEY_ARN --region \(v.region)"
            )
        }
        guard let keyARN = v.encryptionKeyARN, let key = v.key else {
            return finding(
                .ok, "encrypted with AWS Backup's default key (aws/backup), managed by AWS: nothing to check",
                found: "AWS managed key")
        }
        let runbookKey = "--key-id \(keyARN) --region \(key.region ?? v.region)"
        guard key.exists else {
            return finding(
                .critical, "its key \(keyARN) does not exist: its recovery points cannot be decrypted",
                found: "key missing")
        }
        if key.keyManager == "AWS" {
            return finding(
                .ok, "encrypted with the AWS managed key \(keyARN): nothing to check", found: "AWS managed key")
        }
        if key.keyState == "PendingDeletion" {
            let when = key.deletionDate.map { " on \(utcMinute($0))" } ?? ""
            return finding(
                .critical,
                "its key \(keyARN) is scheduled for deletion\(when): every recovery point in the vault becomes unreadable then",
                found: "PendingDeletion\(when)",
                runbook: "aws kms cancel-key-deletion \(runbookKey) && aws kms enable-key \(runbookKey)")
        }
        if !key.enabled || (key.keyState ?? "Enabled") != "Enabled" {
            let state = key.keyState ?? "Disabled"
            return finding(
                .critical, "its key \(keyARN) is \(state): no copy into it and no restore from it can run",
                found: state, runbook: "aws kms enable-key \(runbookKey)")
        }
        if let keyRegion = key.region, keyRegion != v.region {
            return finding(
                .critical, "its key \(keyARN) lives in \(keyRegion), not in the vault's region",
                found: "key in \(keyRegion)")
        }
        let statements = key.policy ?? []
        var missing: [String] = []
        for role in roles {
            let lacking = keyActions.filter { !keyPolicyAllows(statements, principal: role, action: $0) }
            if !lacking.isEmpty {
                missing.append("\(RecoveryPathPolicy.roleName(role)) lacks \(lacking.joined(separator: ", "))")
            }
        }
        if !missing.isEmpty {
            return finding(
                .critical, "the key policy of \(keyARN) does not allow it: \(missing.joined(separator: "; "))",
                found: missing.joined(separator: "; "),
                runbook: "aws kms put-key-policy \(runbookKey) --policy-name default --policy file://key-policy.json "
                    + "(allow the role kms:Decrypt, kms:GenerateDataKey*, kms:CreateGrant, kms:DescribeKey, kms:ReEncrypt*)"
            )
        }
        return finding(
            .ok,
            "key \(keyARN) is Enabled and its policy lets \(roles.map(RecoveryPathPolicy.roleName).joined(separator: ", ")) copy and restore",
            found: "as promised")
    }

    /// `2026-12-07 11:40 UTC`
    static func utcMinute(_ date: Date) -> String { UTCText.minute(date) }

    /// A key policy statement names the principal (its ARN exactly, or `*`) and allows the
    /// action, and no unconditional Deny for that principal takes it away.
    static func keyPolicyAllows(_ statements: [ResourcePolicyStatement], principal: String, action: String) -> Bool {
        func names(_ s: ResourcePolicyStatement) -> Bool { s.principals.contains { $0 == "*" || $0 == principal } }
        return statements.contains { $0.effect == "Allow" && names($0) && covers($0, action) }
            && !statements.contains { $0.effect == "Deny" && !$0.hasCondition && names($0) && covers($0, action) }
    }

    static func covers(_ s: ResourcePolicyStatement, _ action: String) -> Bool {
        s.actions.isEmpty
            ? !s.notActions.isEmpty && !s.notActions.contains { IAMChecks.glob($0, action, caseInsensitive: true) }
            : s.actions.contains { IAMChecks.glob($0, action, caseInsensitive: true) }
    }

    // MARK: - Service roles

    /// Guide Phase 4 Step 4.1 + Scenario 2/3: the plan's selection role and the restore role of
    /// `start-restore-job --iam-role-arn` exist, trust backup.amazonaws.com, and carry
    /// AWSBackupServiceRolePolicyForBackup (selection) / ...ForRestores (restore), or inline
    /// statements allowing the same RDS snapshot and restore actions.
    public static let serviceRole = Check(
        id: "recovery_path.service_role", evidence: [.configuration],
        promise:
            "The selection's and the restore commands' roles exist, trust AWS Backup and carry its backup/restore policies"
    ) { policy, observations, _, _ in
        guard let backup = policy.backup, let recovery = policy.recoveryPath else { return [] }
        let id: CheckID = "recovery_path.service_role"
        let restore = RecoveryPathPolicy.roleName(recovery.restoreRoleARN)
        guard let path = observations.recoveryPath else { return [Catalog.notCollected(id, resource: restore)] }
        let selection = Set((path.selectionRoles.value ?? []).map(RecoveryPathPolicy.roleName))
        return Set(selection + [restore]).sorted().map { name in
            guard let observed = path.roles[name] else { return Catalog.notCollected(id, resource: name) }
            switch observed {
            case .unavailable(let reason): return Catalog.unknown(id, resource: name, reason, guide: "Phase 4")
            case .value(let role):
                return serviceRoleFinding(
                    role, forBackup: selection.contains(name), forRestore: name == restore, backup: backup,
                    recovery: recovery)
            }
        }
    }

    public static func serviceRoleFinding(
        _ role: ServiceRoleObservation, forBackup: Bool, forRestore: Bool, backup: BackupPolicy,
        recovery: RecoveryPathPolicy
    ) -> Finding {
        let id: CheckID = "recovery_path.service_role"
        let uses = [forBackup ? "the plan's selection" : nil, forRestore ? "the guide's restore commands" : nil]
            .compactMap { $0 }.joined(separator: " and ")
        func finding(_ state: CheckState, _ message: String, found: String, runbook: String? = nil) -> Finding {
            Finding(
                check: id, resource: role.name, state: state, message: "\(role.name): \(message)",
                expected: "exists, trusts backup.amazonaws.com, AWS Backup \(forRestore ? "restore " : "")policies",
                found: found, guide: "Phase 4 Step 4.1", runbook: runbook)
        }
        guard role.exists else {
            return finding(
                .critical, "the role does not exist; \(uses) run as it", found: "missing",
                runbook:
                    "aws iam create-role --role-name \(role.name) --path /service-role/ --assume-role-policy-document "
                    + "file://backup-trust.json, then attach AWSBackupServiceRolePolicyForBackup and ...ForRestores")
        }
        let trusted = role.trust.contains { s in
            s.effect == "Allow" && s.principals.contains("backup.amazonaws.com") && covers(s, "sts:AssumeRole")
        }
        if !trusted {
            let others = Set(role.trust.filter { $0.effect == "Allow" }.flatMap(\.principals)).sorted()
            return finding(
                .critical,
                "its trust policy does not let backup.amazonaws.com assume it (trusts \(others.isEmpty ? "nobody" : others.joined(separator: ", "))); \(uses) fail",
                found: "trusts \(others.joined(separator: ", "))",
                runbook:
                    "aws iam update-assume-role-policy --role-name \(role.name) --policy-document file://backup-trust.json "
                    + "(Principal {\"Service\": \"backup.amazonaws.com\"}, Action sts:AssumeRole)")
        }
        let account =
            backup.resourceARN.split(separator: ":", omittingEmptySubsequences: false).dropFirst(4).first.map(
                String.init) ?? "*"
        var lacking: [String] = []
        if forBackup,
            !carries(
                role, backupManagedPolicy, equivalent: ["rds:CreateDBSnapshot", "rds:CopyDBSnapshot"],
                on: backup.resourceARN)
        {
            lacking.append("AWSBackupServiceRolePolicyForBackup")
        }
        let restored = "arn:aws:rds:\(backup.drRegion):\(account):db:\(recovery.drInstance)"
        if forRestore,
            !carries(role, restoreManagedPolicy, equivalent: ["rds:RestoreDBInstanceFromDBSnapshot"], on: restored)
        {
            lacking.append("AWSBackupServiceRolePolicyForRestores")
        }
        if !lacking.isEmpty {
            return finding(
                .critical,
                "carries neither \(lacking.joined(separator: " nor ")) nor equivalent statements; \(uses) need \(lacking.count == 1 ? "it" : "them")",
                found: "missing \(lacking.joined(separator: ", "))",
                runbook: lacking.map {
                    "aws iam attach-role-policy --role-name \(role.name) --policy-arn arn:aws:iam::aws:policy/service-role/\($0)"
                }.joined(separator: " && "))
        }
        return finding(
            .ok, "exists, trusts backup.amazonaws.com and carries what \(uses) need", found: "as promised")
    }

    /// The managed policy is attached, or inline statements allow the same actions (a sample of
    /// the managed policy's RDS actions, evaluated on the resource the guide's commands touch).
    static func carries(_ role: ServiceRoleObservation, _ managed: String, equivalent: [String], on resource: String)
        -> Bool
    {
        role.attachedPolicies.contains(managed)
            || equivalent.allSatisfy { IAMChecks.allows(role.inlineStatements, $0, resource) }
    }

    // MARK: - Copy path

    /// Guide Phase 6 Step 6.2: the rule's copy action lands in the DR vault. The DR vault's access
    /// policy must not deny backup:CopyIntoBackupVault to the source account, and the copy action
    /// must name the vault's real ARN. (Whether a copy action exists at all is `backup.plan`'s.)
    public static let copy = Check(
        id: "recovery_path.copy", evidence: [.configuration],
        promise:
            "The DR vault accepts the plan's copies: its access policy denies no copy, the copy action names its ARN"
    ) { policy, observations, _, _ in
        guard let backup = policy.backup, policy.recoveryPath != nil else { return [] }
        let id: CheckID = "recovery_path.copy"
        guard let path = observations.recoveryPath, let observed = path.drVaultAccessPolicy else {
            return [Catalog.notCollected(id, resource: backup.drVault)]
        }
        switch observed {
        case .unavailable(let reason): return [Catalog.unknown(id, resource: backup.drVault, reason, guide: "Phase 6")]
        case .value(let statements):
            let plan = observations.backup?.plans.value?.first { $0.name == backup.planName }
            let actions = plan?.rules.first { $0.name == backup.ruleName }?.copyActions ?? []
            return [
                copyFinding(
                    backup: backup, account: policy.accountID, accessPolicy: statements,
                    // Not described (the call failed): the ARN the plan should name, from the config.
                    drVaultARN: path.vaults[backup.drVault]?.value.map { $0.vaultARN }
                        ?? backup.drVaultARN(account: policy.accountID),
                    copyTargets: actions.map(\.destinationVaultARN),
                    roles: path.selectionRoles.value ?? [])
            ]
        }
    }

    public static func copyFinding(
        backup: BackupPolicy, account: String, accessPolicy: [ResourcePolicyStatement]?, drVaultARN: String?,
        copyTargets: [String], roles: [String]
    ) -> Finding {
        let id: CheckID = "recovery_path.copy"
        let vault = backup.drVault
        let principals = Set(["*", account, "arn:aws:iam::\(account):root"] + roles)
        let denies = (accessPolicy ?? []).filter { s in
            s.effect == "Deny" && covers(s, "backup:CopyIntoBackupVault")
                && s.principals.contains { principals.contains($0) }
        }
        let runbook =
            "aws backup get-backup-vault-access-policy --backup-vault-name \(vault) --region \(backup.drRegion), remove the Deny "
            + "of backup:CopyIntoBackupVault, then put-backup-vault-access-policy (or delete-backup-vault-access-policy)"
        func finding(_ state: CheckState, _ message: String, found: String, runbook: String? = nil) -> Finding {
            Finding(
                check: id, resource: vault, state: state, message: "\(vault) (\(backup.drRegion)): \(message)",
                expected: "copies from \(account) allowed", found: found, guide: "Phase 6 Step 6.2", runbook: runbook)
        }
        if let hard = denies.first(where: { !$0.hasCondition }) {
            return finding(
                .critical,
                "its access policy denies backup:CopyIntoBackupVault to \(hard.principals.joined(separator: ", "))"
                    + "\(hard.sid.map { " (statement \($0))" } ?? ""): the plan's DR copies from \(account) fail",
                found: "copies denied", runbook: runbook)
        }
        if let conditional = denies.first {
            return finding(
                .warning,
                "its access policy denies backup:CopyIntoBackupVault to \(conditional.principals.joined(separator: ", ")) "
                    + "under a condition\(conditional.sid.map { " (statement \($0))" } ?? ""); make sure it exempts copies from \(account)",
                found: "conditional deny", runbook: runbook)
        }
        guard let drVaultARN else {
            return finding(
                .critical, "the DR vault does not exist: the plan's copies have nowhere to land", found: "no vault",
                runbook:
                    "Guide Phase 6: aws backup create-backup-vault --backup-vault-name \(vault) --region \(backup.drRegion)"
            )
        }
        do {
            let named = copyTargets.filter { BackupChecks.resourceName($0) == vault }
            if !named.isEmpty, !named.contains(drVaultARN) {
                return finding(
                    .critical,
                    "the plan's copy action targets \(named.joined(separator: ", ")), but the vault's ARN is \(drVaultARN)",
                    found: "copy to \(named.joined(separator: ", "))",
                    runbook:
                        "Guide Phase 6 Step 6.2: set CopyActions[].DestinationBackupVaultArn to \(drVaultARN) and update-backup-plan"
                )
            }
        }
        let policyText = accessPolicy == nil ? "no access policy" : "an access policy that denies no copy"
        return finding(.ok, "\(policyText); copies from \(account) can land", found: "copies allowed")
    }

    // MARK: - DR landing zone

    /// Recovery Procedures, Scenario 3: `start-restore-job` restores `eks-mnemonica-prod-dr` in
    /// the DR region. The DB subnet group, parameter group (same family) and option group the
    /// instance uses must exist there, or the restore fails hours into a disaster. AWS's default
    /// groups (`default.postgres16`, `default:postgres-16`) are created on demand and not checked.
    public static let drLandingZone = Check(
        id: "recovery_path.dr_landing_zone", evidence: [.configuration],
        promise: "The DR region has the DB subnet group, parameter group and option group Scenario 3's instance needs"
    ) { policy, observations, _, _ in
        guard let backup = policy.backup, let recovery = policy.recoveryPath else { return [] }
        let id: CheckID = "recovery_path.dr_landing_zone"
        let resource = "\(recovery.drInstance) (\(backup.drRegion))"
        guard let path = observations.recoveryPath, let observed = path.landingZone else {
            return [Catalog.notCollected(id, resource: resource)]
        }
        switch observed {
        case .unavailable(let reason):
            return [Catalog.unknown(id, resource: resource, reason, guide: "Recovery Procedures, Scenario 3")]
        case .value(let zone): return [landingZoneFinding(zone, resource: resource, region: backup.drRegion)]
        }
    }

    public static func landingZoneFinding(_ zone: LandingZoneObservation, resource: String, region: String) -> Finding {
        let id: CheckID = "recovery_path.dr_landing_zone"
        var missing: [String] = []
        var runbook: [String] = []
        var notes: [String] = []
        if let subnet = zone.subnetGroup {
            if !subnet.exists {
                missing.append("DB subnet group \(subnet.name)")
                runbook.append(
                    "aws rds create-db-subnet-group --db-subnet-group-name \(subnet.name) --db-subnet-group-description … --subnet-ids … --region \(region)"
                )
            }
        } else if zone.sourceSubnetGroup == nil {
            notes.append(
                "the source instance reports no DB subnet group (set recovery_path.dr_landing_zone.db_subnet_group)")
        }
        if let parameters = zone.parameterGroup {
            if !parameters.exists {
                missing.append("DB parameter group \(parameters.name)")
                runbook.append(
                    "aws rds create-db-parameter-group --db-parameter-group-name \(parameters.name) --db-parameter-group-family \(zone.sourceParameterFamily ?? "FAMILY") --description … --region \(region)"
                )
            } else if let family = zone.sourceParameterFamily, let found = parameters.detail, found != family {
                missing.append("DB parameter group \(parameters.name) of family \(family) (it is \(found))")
            }
        }
        if let options = zone.optionGroup, !options.exists {
            missing.append("option group \(options.name)")
            runbook.append(
                "aws rds create-option-group --option-group-name \(options.name) --engine-name … --major-engine-version … --option-group-description … --region \(region)"
            )
        }
        let present = [zone.subnetGroup, zone.parameterGroup, zone.optionGroup].compactMap { $0 }.filter(\.exists).map(
            \.name)
        if !missing.isEmpty {
            return Finding(
                check: id, resource: resource, state: .critical,
                message:
                    "\(resource): \(missing.joined(separator: ", ")) missing in \(region); Scenario 3's restore cannot land there",
                expected: "subnet, parameter and option groups in \(region)",
                found: "missing: \(missing.joined(separator: ", "))",
                guide: "Recovery Procedures, Scenario 3", runbook: runbook.joined(separator: " && "))
        }
        if !notes.isEmpty {
            return Finding(
                check: id, resource: resource, state: .warning,
                message: "\(resource): \(notes.joined(separator: "; "))",
                expected: "subnet, parameter and option groups in \(region)", found: "unknown subnet group",
                guide: "Recovery Procedures, Scenario 3")
        }
        return Finding(
            check: id, resource: resource, state: .ok,
            message:
                "\(resource): \(present.isEmpty ? "only AWS default groups needed" : present.joined(separator: ", ")) present in \(region)",
            expected: "subnet, parameter and option groups in \(region)", found: "as promised",
            guide: "Recovery Procedures, Scenario 3")
    }
}
