import Foundation
import MnemondModel

/// Guide Phase 6 (AWS Backup for RDS): the plan and what it covers. The job, copy, coverage and
/// restore checks are in BackupJobChecks.swift.
public enum BackupChecks {
    public static let all: [Check] = [plan, selection, jobFreshness, jobFailures, copy, coverage, restoreTested]

    /// Guide Phase 6 Steps 6.1–6.3: plan `eks-mnemonica-6h-snapshots-180d` with the single rule
    /// `6-Hour-Snapshots-180-Day-Retention-DR-Copy`: `cron(0 */6 * * ? *)`, DeleteAfterDays 180,
    /// EnableContinuousBackup false, target vault `eks-mnemonica-prod-vault`, a copy action to
    /// `eks-mnemonica-prod-vault-dr` (eu-west-3) kept 180 days.
    public static let plan = Check(
        id: "backup.plan", evidence: [.backupJobs],
        promise: "The backup plan exists with the guide's rule: 6-hour schedule, 180 d, no continuous backup, "
            + "target vault, copy to the DR vault kept 180 d",
        recoveryWindow: .snapshots
    ) { policy, observations, _, _ in
        evidence("backup.plan", resources: { [$0.planName] }, policy, observations) { backup, observed in
            switch observed.plans {
            case .unavailable(let reason):
                return [Catalog.unknown("backup.plan", resource: backup.planName, reason, guide: guide)]
            case .value(let plans):
                return [planFinding(backup, account: policy.accountID, plans: plans)]
            }
        }
    }

    /// Guide Phase 6 ("Migrated RDS resource to new backup plan"): a selection of the plan lists the
    /// RDS instance ARN (directly or with a `*` wildcard).
    public static let selection = Check(
        id: "backup.selection", evidence: [.backupJobs],
        promise: "A selection of the backup plan covers the RDS instance",
        recoveryWindow: .snapshots
    ) { policy, observations, _, _ in
        evidence("backup.selection", resources: { [resourceName($0.resourceARN)] }, policy, observations) {
            backup, observed in
            switch observed.plans {
            case .unavailable(let reason):
                return [
                    Catalog.unknown(
                        "backup.selection", resource: resourceName(backup.resourceARN), reason, guide: guide)
                ]
            case .value(let plans):
                return [selectionFinding(backup, account: policy.accountID, plans: plans)]
            }
        }
    }

    static let guide = "Phase 6"

    // MARK: - Decisions

    /// The plan decision. Severity:
    /// - critical: the plan or its rule is missing, the schedule differs (the 6-hour RPO of days
    ///   36–180 is no longer what runs), recovery points are deleted before the promised days
    ///   (Scenario 2's window shrinks), or there is no copy action to the DR vault / the copy is kept
    ///   shorter (Scenario 3 loses its snapshots);
    /// - warning: deviations that keep every promised recovery point but differ from the guide:
    ///   longer or no retention (cost), continuous backup on (Step 6.2 leaves PITR to RDS), another
    ///   target vault (Phase 6's dedicated vault; freshness and coverage watch the promised one),
    ///   extra rules besides the single promised one, a renamed rule.
    public static func planFinding(_ backup: BackupPolicy, account: String, plans: [BackupPlan]) -> Finding {
        let expected =
            "\(backup.schedule), \(days(backup.retentionDays)), copy to \(backup.drVault) kept \(days(backup.drRetentionDays))"
        let requires =
            "guide requires rule \(backup.ruleName): \(backup.schedule), recovery points kept \(days(backup.retentionDays)), "
            + "continuous backup off, vault \(backup.vault), copy to \(backup.drVault) (\(backup.drRegion)) kept "
            + "\(days(backup.drRetentionDays)) (\(guide))"
        func finding(_ state: CheckState, _ message: String, found: String, runbook: String?) -> Finding {
            Finding(
                check: "backup.plan", resource: backup.planName, state: state,
                message: "\(backup.planName): \(message)",
                expected: expected, found: found, guide: guide, runbook: state == .ok ? nil : runbook)
        }
        guard let plan = plans.first(where: { $0.name == backup.planName }) else {
            let others = plans.map { describe($0) }
            let found = others.isEmpty ? "no plan" : others.joined(separator: "; ")
            let instead =
                others.isEmpty
                ? "no backup plan exists in \(backup.region)"
                : "plan not found in \(backup.region); found instead \(others.joined(separator: "; "))"
            return finding(.critical, "\(instead); \(requires)", found: found, runbook: createPlanRunbook(backup))
        }
        let runbook = updatePlanRunbook(backup, planID: plan.id)
        var deviations: [(state: CheckState, text: String)] = []
        let rule: BackupRule
        if let named = plan.rules.first(where: { $0.name == backup.ruleName }) {
            rule = named
        } else if plan.rules.count == 1 {
            rule = plan.rules[0]
            deviations.append((.warning, "its only rule is named \(rule.name)"))
        } else {
            let names = plan.rules.map(\.name)
            let found = names.isEmpty ? "no rules" : "rules " + names.joined(separator: ", ")
            return finding(
                .critical, "rule \(backup.ruleName) not found (plan has \(found)); \(requires)", found: found,
                runbook: runbook)
        }
        let extra = plan.rules.filter { $0.name != rule.name }.map(\.name)
        if !extra.isEmpty {
            deviations.append(
                (.warning, "extra rules \(extra.joined(separator: ", ")) besides the single promised rule"))
        }
        if normalized(rule.schedule) != normalized(backup.schedule) {
            deviations.append((.critical, "schedule \(rule.schedule ?? "none (on demand only)")"))
        }
        switch rule.deleteAfterDays {
        case nil: deviations.append((.warning, "recovery points never expire"))
        case let d? where d < backup.retentionDays:
            deviations.append((.critical, "recovery points deleted after \(days(d))"))
        case let d? where d > backup.retentionDays: deviations.append((.warning, "recovery points kept \(days(d))"))
        default: break
        }
        if rule.continuousBackup { deviations.append((.warning, "continuous backup enabled")) }
        if rule.targetVault != backup.vault { deviations.append((.warning, "target vault \(rule.targetVault)")) }
        if let action = rule.copyActions.first(where: {
            isVault($0.destinationVaultARN, name: backup.drVault, region: backup.drRegion)
        }) {
            switch action.deleteAfterDays {
            case nil: deviations.append((.warning, "DR copies never expire"))
            case let d? where d < backup.drRetentionDays:
                deviations.append((.critical, "DR copies deleted after \(days(d))"))
            case let d? where d > backup.drRetentionDays: deviations.append((.warning, "DR copies kept \(days(d))"))
            default: break
            }
        } else {
            let elsewhere = rule.copyActions.map(\.destinationVaultARN)
            deviations.append(
                (
                    .critical,
                    "no copy action to \(backup.drVault) (\(backup.drRegion))"
                        + (elsewhere.isEmpty ? "" : " (copies go to \(elsewhere.joined(separator: ", ")))")
                ))
        }
        let found = describe(rule)
        if deviations.isEmpty {
            return finding(
                .ok,
                "rule \(rule.name) runs \(backup.schedule) into \(backup.vault), keeps \(days(backup.retentionDays)) and "
                    + "copies to \(backup.drVault) for \(days(backup.drRetentionDays)) as the guide requires",
                found: found, runbook: nil)
        }
        let state = CheckState.worst(deviations.map(\.state))
        return finding(
            state, "rule \(rule.name): \(deviations.map(\.text).joined(separator: ", ")); \(requires)", found: found,
            runbook: runbook)
    }

    /// The selection decision. Severity: critical when no plan covers the RDS instance (no
    /// snapshots are taken, RPO of days 36–180 unbounded); warning when it is covered only by
    /// another plan because the promised plan is missing (backups run, but not the guide's; the
    /// plan check reports the plan itself).
    public static func selectionFinding(_ backup: BackupPolicy, account: String, plans: [BackupPlan]) -> Finding {
        let name = resourceName(backup.resourceARN)
        let expected = "covered by \(backup.planName)"
        func finding(_ state: CheckState, _ message: String, found: String) -> Finding {
            Finding(
                check: "backup.selection", resource: name, state: state, message: "\(name): \(message)",
                expected: expected, found: found, guide: guide,
                runbook: state == .ok ? nil : selectionRunbook(backup, account: account, plans: plans))
        }
        func covering(_ plan: BackupPlan) -> BackupSelection? {
            plan.selections.first { $0.resources.contains { matches(pattern: $0, backup.resourceARN) } }
        }
        let requires = "guide requires a selection of \(backup.planName) with \(backup.resourceARN) (\(guide))"
        if let plan = plans.first(where: { $0.name == backup.planName }) {
            if let selection = covering(plan) {
                return finding(
                    .ok, "covered by selection \(selection.name) of plan \(plan.name)",
                    found: "selection \(selection.name)")
            }
            let names = plan.selections.map(\.name)
            let found = names.isEmpty ? "no selections" : "selections " + names.joined(separator: ", ")
            return finding(.critical, "not covered by plan \(plan.name) (\(found)); \(requires)", found: found)
        }
        let others = plans.compactMap { plan in covering(plan).map { (plan, $0) } }
        if let (plan, selection) = others.first {
            return finding(
                .warning,
                "covered by selection \(selection.name) of plan \(plan.name), not by \(backup.planName) (plan not found); \(requires)",
                found: "plan \(plan.name)")
        }
        return finding(.critical, "no backup plan in \(backup.region) covers it; \(requires)", found: "not covered")
    }

    // MARK: - Shared by the backup checks

    /// Runs `body` when the policy promises AWS Backup and it was observed. An unconfigured policy
    /// yields no findings; configured but not collected yields UNKNOWN "not collected" for each of
    /// the check's `resources`.
    static func evidence(
        _ id: CheckID, resources: (BackupPolicy) -> [String], _ policy: Policy, _ observations: Observations,
        _ body: (BackupPolicy, BackupObservation) -> [Finding]
    ) -> [Finding] {
        guard let backup = policy.backup else { return [] }
        guard let observed = observations.backup else {
            return resources(backup).map { Catalog.notCollected(id, resource: $0) }
        }
        return body(backup, observed)
    }

    /// `eks-mnemonica-prod` from `arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod`.
    static func resourceName(_ arn: String) -> String {
        arn.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? arn
    }

    /// A vault ARN (`arn:aws:backup:eu-west-3:…:backup-vault:NAME`) names this vault in this region.
    static func isVault(_ arn: String, name: String, region: String) -> Bool {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 7, parts[0] == "arn", parts[2] == "backup", parts[5] == "backup-vault" else {
            return false
        }
        return parts[3] == region && parts[6] == name
    }

    /// AWS Backup selections accept `*` wildcards in resource ARNs (`arn:aws:rds:*:*:db:*`).
    static func matches(pattern: String, _ text: String) -> Bool {
        guard pattern.contains("*") else { return pattern == text }
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(text)
        guard rest.hasPrefix(pieces[0]) else { return false }
        rest = rest.dropFirst(pieces[0].count)
        for (index, piece) in pieces.enumerated().dropFirst() {
            if index == pieces.count - 1 { return piece.isEmpty || rest.hasSuffix(piece) }
            guard !piece.isEmpty else { continue }
            guard let range = rest.range(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.isEmpty
    }

    static func normalized(_ schedule: String?) -> String {
        (schedule ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func describe(_ rule: BackupRule) -> String {
        var parts = [
            rule.schedule ?? "no schedule", rule.deleteAfterDays.map(days) ?? "kept forever",
            "vault \(rule.targetVault)",
        ]
        if rule.continuousBackup { parts.append("continuous backup") }
        if rule.copyActions.isEmpty {
            parts.append("no copy")
        } else {
            parts += rule.copyActions.map { action in
                "copy to \(resourceName(action.destinationVaultARN))"
                    + (action.deleteAfterDays.map { " kept \(days($0))" } ?? "")
            }
        }
        return parts.joined(separator: ", ")
    }

    static func describe(_ plan: BackupPlan) -> String {
        let rules = plan.rules.map { "rule \($0.name): \(describe($0))" }
        return "\(plan.name) (" + (rules.isEmpty ? "no rules" : rules.joined(separator: "; ")) + ")"
    }

    static func createPlanRunbook(_ backup: BackupPolicy) -> String {
        "Guide Phase 6 Steps 6.1–6.3: list plans (aws backup list-backup-plans --region \(backup.region)), "
            + "create or update \(backup.planName) from configs/aws-backup-plan-6h-snapshots.json "
            + "(aws backup update-backup-plan --backup-plan-id <id> --backup-plan file://configs/aws-backup-plan-6h-snapshots.json "
            + "--region \(backup.region)), assign \(resourceName(backup.resourceARN)) to it and verify with aws backup get-backup-plan"
    }

    static func updatePlanRunbook(_ backup: BackupPolicy, planID: String) -> String {
        "Guide Phase 6 Step 6.2: aws backup update-backup-plan --backup-plan-id \(planID) "
            + "--backup-plan file://configs/aws-backup-plan-6h-snapshots.json --region \(backup.region); "
            + "verify with Step 6.3: aws backup get-backup-plan --backup-plan-id \(planID) --region \(backup.region)"
    }

    static func selectionRunbook(_ backup: BackupPolicy, account: String, plans: [BackupPlan]) -> String {
        let id = plans.first { $0.name == backup.planName }?.id ?? "<id of \(backup.planName)>"
        return "Guide Phase 6 (migrate the RDS resource to the plan): aws backup create-backup-selection "
            + "--backup-plan-id \(id) --backup-selection '{\"SelectionName\":\"\(resourceName(backup.resourceARN))\","
            + "\"IamRoleArn\":\"arn:aws:iam::\(account):role/service-role/AWSBackupDefaultServiceRole\","
            + "\"Resources\":[\"\(backup.resourceARN)\"]}' --region \(backup.region)"
    }
}
