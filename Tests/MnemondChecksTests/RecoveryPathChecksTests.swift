import Foundation
import MnemondChecks
import MnemondModel
import Testing

private let now = Date(timeIntervalSince1970: 1_790_000_000)
private let account = "828879644785"
private let role = "arn:aws:iam::828879644785:role/service-role/AWSBackupDefaultServiceRole"
private let backupPolicy = BackupPolicy(
    region: "eu-west-1", planName: "eks-mnemonica-6h-snapshots-180d",
    ruleName: "6-Hour-Snapshots-180-Day-Retention-DR-Copy",
    schedule: "cron(0 */6 * * ? *)", intervalHours: 6, graceHours: 1, retentionDays: 180,
    vault: "eks-mnemonica-prod-vault",
    resourceARN: "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod", drRegion: "eu-west-3",
    drVault: "eks-mnemonica-prod-vault-dr", drRetentionDays: 180)
private let recovery = RecoveryPathPolicy(
    restoreRoleARN: role, drInstance: "eks-mnemonica-prod-dr", sourceInstance: "eks-mnemonica-prod",
    sourceRegion: "eu-west-1")
private let policy = Policy(accountID: account, buckets: [], backup: backupPolicy, recoveryPath: recovery)

private let grant = ResourcePolicyStatement(
    sid: "AllowAWSBackup", effect: "Allow", principals: [role],
    actions: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey", "kms:ReEncrypt*"])
private let root = ResourcePolicyStatement(
    effect: "Allow", principals: ["arn:aws:iam::828879644785:root"], actions: ["kms:*"])

private func key(
    region: String = "eu-west-1", state: String = "Enabled", deletion: Date? = nil, manager: String = "CUSTOMER",
    policy: [ResourcePolicyStatement] = [root, grant], exists: Bool = true
) -> KMSKeyObservation {
    KMSKeyObservation(
        arn: "arn:aws:kms:\(region):828879644785:key/k-1", exists: exists, keyState: state, enabled: state == "Enabled",
        deletionDate: deletion, keyManager: manager, policy: policy)
}

private func vault(_ key: KMSKeyObservation?, exists: Bool = true) -> VaultKeyObservation {
    VaultKeyObservation(
        vault: "eks-mnemonica-prod-vault", region: "eu-west-1",
        vaultARN: exists ? "arn:aws:backup:eu-west-1:828879644785:backup-vault:eks-mnemonica-prod-vault" : nil,
        encryptionKeyARN: key?.arn, key: key)
}

private let healthyRole = ServiceRoleObservation(
    name: "AWSBackupDefaultServiceRole", arn: role,
    trust: [
        ResourcePolicyStatement(effect: "Allow", principals: ["backup.amazonaws.com"], actions: ["sts:AssumeRole"])
    ],
    attachedPolicies: [RecoveryPathChecks.backupManagedPolicy, RecoveryPathChecks.restoreManagedPolicy])

@Suite struct RecoveryPathChecksTests {
    struct KeyRow: Sendable, CustomTestStringConvertible {
        var name: String
        var vault: VaultKeyObservation
        var state: CheckState
        var message: String
        var testDescription: String { name }
    }

    static let keyRows: [KeyRow] = [
        KeyRow(
            name: "enabled key naming the role", vault: vault(key()), state: .ok,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): key arn:aws:kms:eu-west-1:828879644785:key/k-1 is Enabled and its policy lets AWSBackupDefaultServiceRole copy and restore"
        ),
        KeyRow(
            name: "disabled key", vault: vault(key(state: "Disabled")), state: .critical,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): its key arn:aws:kms:eu-west-1:828879644785:key/k-1 is Disabled: no copy into it and no restore from it can run"
        ),
        KeyRow(
            name: "key pending deletion shows the date",
            vault: vault(key(state: "PendingDeletion", deletion: Date(timeIntervalSince1970: 1_790_604_800))),
            state: .critical,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): its key arn:aws:kms:eu-west-1:828879644785:key/k-1 is scheduled for deletion on 2026-09-28 14:13 UTC: every recovery point in the vault becomes unreadable then"
        ),
        KeyRow(
            name: "key policy without the role", vault: vault(key(policy: [root])), state: .critical,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): the key policy of arn:aws:kms:eu-west-1:828879644785:key/k-1 does not allow it: AWSBackupDefaultServiceRole lacks kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:CreateGrant, kms:DescribeKey, kms:ReEncryptFrom, kms:ReEncryptTo"
        ),
        KeyRow(
            name: "a grant without CreateGrant",
            vault: vault(
                key(policy: [
                    ResourcePolicyStatement(
                        effect: "Allow", principals: [role],
                        actions: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:ReEncrypt*"])
                ])),
            state: .critical,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): the key policy of arn:aws:kms:eu-west-1:828879644785:key/k-1 does not allow it: AWSBackupDefaultServiceRole lacks kms:CreateGrant"
        ),
        KeyRow(
            name: "an unconditional deny wins",
            vault: vault(
                key(policy: [
                    grant, ResourcePolicyStatement(effect: "Deny", principals: ["*"], actions: ["kms:Decrypt"]),
                ])),
            state: .critical,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): the key policy of arn:aws:kms:eu-west-1:828879644785:key/k-1 does not allow it: AWSBackupDefaultServiceRole lacks kms:Decrypt"
        ),
        KeyRow(
            name: "key in another region", vault: vault(key(region: "us-east-1")), state: .critical,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): its key arn:aws:kms:us-east-1:828879644785:key/k-1 lives in us-east-1, not in the vault's region"
        ),
        KeyRow(
            name: "AWS managed key", vault: vault(key(manager: "AWS", policy: [])), state: .ok,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): encrypted with the AWS managed key arn:aws:kms:eu-west-1:828879644785:key/k-1: nothing to check"
        ),
        KeyRow(
            name: "no key reported", vault: vault(nil), state: .ok,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): encrypted with AWS Backup's default key (aws/backup), managed by AWS: nothing to check"
        ),
        KeyRow(
            name: "key gone", vault: vault(key(exists: false)), state: .critical,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): its key arn:aws:kms:eu-west-1:828879644785:key/k-1 does not exist: its recovery points cannot be decrypted"
        ),
        KeyRow(
            name: "vault gone", vault: vault(nil, exists: false), state: .critical,
            message:
                "eks-mnemonica-prod-vault (eu-west-1): the vault does not exist: nothing can be copied into or restored from it"
        ),
    ]

    @Test(arguments: keyRows)
    func vaultKeys(_ row: KeyRow) {
        let finding = RecoveryPathChecks.vaultKeyFinding(row.vault, roles: [role])
        #expect(finding.state == row.state)
        #expect(finding.message == row.message)
        #expect(finding.guide == "Phase 6")
        if row.state != .ok {
            #expect(finding.runbook != nil || row.name.contains("gone") || row.name.contains("region"))
        }
    }

    struct RoleRow: Sendable, CustomTestStringConvertible {
        var name: String
        var role: ServiceRoleObservation
        var state: CheckState
        var message: String
        var testDescription: String { name }
    }

    static let roleRows: [RoleRow] = {
        var ec2 = healthyRole
        ec2.trust = [
            ResourcePolicyStatement(effect: "Allow", principals: ["ec2.amazonaws.com"], actions: ["sts:AssumeRole"])
        ]
        var detached = healthyRole
        detached.attachedPolicies = [RecoveryPathChecks.backupManagedPolicy]
        var inline = healthyRole
        inline.attachedPolicies = []
        inline.inlineStatements = [
            PolicyStatement(
                effect: "Allow",
                actions: ["rds:CreateDBSnapshot", "rds:CopyDBSnapshot", "rds:RestoreDBInstanceFromDBSnapshot"],
                resources: ["*"])
        ]
        return [
            RoleRow(
                name: "healthy", role: healthyRole, state: .ok,
                message:
                    "AWSBackupDefaultServiceRole: exists, trusts backup.amazonaws.com and carries what the plan's selection and the guide's restore commands need"
            ),
            RoleRow(
                name: "deleted", role: ServiceRoleObservation(name: "AWSBackupDefaultServiceRole", arn: nil),
                state: .critical,
                message:
                    "AWSBackupDefaultServiceRole: the role does not exist; the plan's selection and the guide's restore commands run as it"
            ),
            RoleRow(
                name: "trusts ec2", role: ec2, state: .critical,
                message:
                    "AWSBackupDefaultServiceRole: its trust policy does not let backup.amazonaws.com assume it (trusts ec2.amazonaws.com); the plan's selection and the guide's restore commands fail"
            ),
            RoleRow(
                name: "restore policy detached", role: detached, state: .critical,
                message:
                    "AWSBackupDefaultServiceRole: carries neither AWSBackupServiceRolePolicyForRestores nor equivalent statements; the plan's selection and the guide's restore commands need it"
            ),
            RoleRow(
                name: "equivalent inline statements", role: inline, state: .ok,
                message:
                    "AWSBackupDefaultServiceRole: exists, trusts backup.amazonaws.com and carries what the plan's selection and the guide's restore commands need"
            ),
        ]
    }()

    @Test(arguments: roleRows)
    func serviceRoles(_ row: RoleRow) {
        let finding = RecoveryPathChecks.serviceRoleFinding(
            row.role, forBackup: true, forRestore: true, backup: backupPolicy, recovery: recovery)
        #expect(finding.state == row.state)
        #expect(finding.message == row.message)
    }

    @Test func copiesDeniedByTheDRVaultAreCritical() {
        let deny = ResourcePolicyStatement(
            sid: "DenyCopies", effect: "Deny", principals: ["*"], actions: ["backup:CopyIntoBackupVault"])
        let drARN = backupPolicy.drVaultARN(account: account)
        let denied = RecoveryPathChecks.copyFinding(
            backup: backupPolicy, account: account, accessPolicy: [deny], drVaultARN: drARN, copyTargets: [drARN],
            roles: [role])
        #expect(denied.state == .critical)
        #expect(
            denied.message
                == "eks-mnemonica-prod-vault-dr (eu-west-3): its access policy denies backup:CopyIntoBackupVault to * (statement DenyCopies): the plan's DR copies from 828879644785 fail"
        )
        var conditional = deny
        conditional.hasCondition = true
        #expect(
            RecoveryPathChecks.copyFinding(
                backup: backupPolicy, account: account, accessPolicy: [conditional], drVaultARN: drARN,
                copyTargets: [drARN],
                roles: [role]
            ).state == .warning)
        let otherDeny = ResourcePolicyStatement(
            effect: "Deny", principals: ["*"], actions: ["backup:DeleteRecoveryPoint"])
        let fine = RecoveryPathChecks.copyFinding(
            backup: backupPolicy, account: account, accessPolicy: [otherDeny], drVaultARN: drARN, copyTargets: [drARN],
            roles: [role])
        #expect(fine.state == .ok)
        let none = RecoveryPathChecks.copyFinding(
            backup: backupPolicy, account: account, accessPolicy: nil, drVaultARN: drARN, copyTargets: [], roles: [role]
        )
        #expect(none.state == .ok)
        #expect(
            none.message
                == "eks-mnemonica-prod-vault-dr (eu-west-3): no access policy; copies from 828879644785 can land")
        let wrongAccount = "arn:aws:backup:eu-west-3:111122223333:backup-vault:eks-mnemonica-prod-vault-dr"
        #expect(
            RecoveryPathChecks.copyFinding(
                backup: backupPolicy, account: account, accessPolicy: nil, drVaultARN: drARN,
                copyTargets: [wrongAccount], roles: []
            ).state == .critical)
        let noVault = RecoveryPathChecks.copyFinding(
            backup: backupPolicy, account: account, accessPolicy: nil, drVaultARN: nil, copyTargets: [], roles: [])
        #expect(
            noVault.message
                == "eks-mnemonica-prod-vault-dr (eu-west-3): the DR vault does not exist: the plan's copies have nowhere to land"
        )
    }

    @Test func theDRLandingZoneNamesWhatIsMissing() {
        let resource = "eks-mnemonica-prod-dr (eu-west-3)"
        func zone(subnet: Bool = true, parameters: String? = "postgres16", options: Bool = true)
            -> LandingZoneObservation
        {
            LandingZoneObservation(
                sourceSubnetGroup: "db-subnets", sourceParameterGroup: "pg16", sourceParameterFamily: "postgres16",
                sourceOptionGroup: "og16", subnetGroup: GroupPresence(name: "db-subnets", exists: subnet),
                parameterGroup: GroupPresence(name: "pg16", exists: parameters != nil, detail: parameters),
                optionGroup: GroupPresence(name: "og16", exists: options, detail: "postgres 16"))
        }
        let ok = RecoveryPathChecks.landingZoneFinding(zone(), resource: resource, region: "eu-west-3")
        #expect(ok.state == .ok)
        #expect(ok.message == "eks-mnemonica-prod-dr (eu-west-3): db-subnets, pg16, og16 present in eu-west-3")
        let noSubnets = RecoveryPathChecks.landingZoneFinding(
            zone(subnet: false), resource: resource, region: "eu-west-3")
        #expect(noSubnets.state == .critical)
        #expect(
            noSubnets.message
                == "eks-mnemonica-prod-dr (eu-west-3): DB subnet group db-subnets missing in eu-west-3; Scenario 3's restore cannot land there"
        )
        #expect(
            noSubnets.runbook?.hasPrefix("aws rds create-db-subnet-group --db-subnet-group-name db-subnets") == true)
        let family = RecoveryPathChecks.landingZoneFinding(
            zone(parameters: "postgres15"), resource: resource, region: "eu-west-3")
        #expect(family.message.contains("DB parameter group pg16 of family postgres16 (it is postgres15)"))
        #expect(
            RecoveryPathChecks.landingZoneFinding(zone(options: false), resource: resource, region: "eu-west-3").state
                == .critical)
        let defaults = LandingZoneObservation(
            sourceSubnetGroup: nil, sourceParameterGroup: "default.postgres16", sourceParameterFamily: "postgres16",
            sourceOptionGroup: "default:postgres-16", subnetGroup: nil, parameterGroup: nil, optionGroup: nil)
        #expect(
            RecoveryPathChecks.landingZoneFinding(defaults, resource: resource, region: "eu-west-3").state == .warning)
    }

    @Test func everyCheckSaysUnknownWithTheActionWhenACallFailed() {
        var drVault = vault(key(region: "eu-west-3"))
        drVault.vault = "eks-mnemonica-prod-vault-dr"
        drVault.region = "eu-west-3"
        drVault.vaultARN = backupPolicy.drVaultARN(account: account)
        let denied = Unavailable(
            action: "kms:DescribeKey", region: "eu-west-1", code: "AccessDeniedException", message: "")
        let observed = RecoveryPathObservation(
            selectionRoles: .value([role]),
            vaults: ["eks-mnemonica-prod-vault": .unavailable(denied), "eks-mnemonica-prod-vault-dr": .value(drVault)],
            roles: ["AWSBackupDefaultServiceRole": .value(healthyRole)], drVaultAccessPolicy: .value(nil),
            landingZone: .unavailable(denied))
        let findings = Catalog.evaluate(policy, Observations(collectedAt: now, recoveryPath: observed), now: now)
            .filter { $0.check.rawValue.hasPrefix("recovery_path.") }
        let states = Dictionary(uniqueKeysWithValues: findings.map { ("\($0.check) \($0.resource)", $0.state) })
        #expect(
            states == [
                "recovery_path.vault_key eks-mnemonica-prod-vault": .unknown,
                "recovery_path.vault_key eks-mnemonica-prod-vault-dr": .ok,
                "recovery_path.service_role AWSBackupDefaultServiceRole": .ok,
                "recovery_path.copy eks-mnemonica-prod-vault-dr": .ok,
                "recovery_path.dr_landing_zone eks-mnemonica-prod-dr (eu-west-3)": .unknown,
            ])
        #expect(findings.first { $0.state == .unknown }?.message.contains("kms:DescribeKey") == true)
    }

    @Test func nothingIsCheckedWithoutARecoveryPathPolicy() {
        let findings = Catalog.evaluate(
            Policy(accountID: account, buckets: [], backup: backupPolicy), Observations(collectedAt: now), now: now)
        #expect(!findings.contains { $0.check.rawValue.hasPrefix("recovery_path.") })
    }
}
