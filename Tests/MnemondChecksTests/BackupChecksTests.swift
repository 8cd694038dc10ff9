import Foundation
import MnemondModel
import Testing

@testable import MnemondChecks

// The guide's Phase 6 promises, evaluated at a fixed instant: 2026-11-24 14:00 UTC.
private let now = Date(timeIntervalSince1970: 1_795_528_800)
private let account = "828879644785"
private let rdsARN = "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod"
private let drVaultARN = "arn:aws:backup:eu-west-3:828879644785:backup-vault:eks-mnemonica-prod-vault-dr"
private let policy = BackupPolicy(
    region: "eu-west-1", planName: "eks-mnemonica-6h-snapshots-180d",
    ruleName: "6-Hour-Snapshots-180-Day-Retention-DR-Copy", schedule: "cron(0 */6 * * ? *)", intervalHours: 6,
    graceHours: 1, retentionDays: 180, vault: "eks-mnemonica-prod-vault", resourceARN: rdsARN, drRegion: "eu-west-3",
    drVault: "eks-mnemonica-prod-vault-dr", drRetentionDays: 180)

private func hoursAgo(_ hours: Double) -> Date { now.addingTimeInterval(-hours * 3600) }
private func daysAgo(_ days: Double) -> Date { hoursAgo(days * 24) }

private func rule(
    name: String = "6-Hour-Snapshots-180-Day-Retention-DR-Copy", schedule: String? = "cron(0 */6 * * ? *)",
    vault: String = "eks-mnemonica-prod-vault", days: Int? = 180, continuous: Bool = false,
    copies: [BackupRule.CopyAction] = [.init(destinationVaultARN: drVaultARN, deleteAfterDays: 180)]
) -> BackupRule {
    BackupRule(
        name: name, schedule: schedule, targetVault: vault, deleteAfterDays: days, continuousBackup: continuous,
        copyActions: copies)
}

private let rdsSelection = BackupSelection(name: "eks-mnemonica-prod-rds", resources: [rdsARN])

private func makePlan(
    _ name: String = "eks-mnemonica-6h-snapshots-180d", rules: [BackupRule] = [rule()],
    selections: [BackupSelection] = [rdsSelection]
) -> BackupPlan {
    BackupPlan(id: "plan-\(name)", name: name, rules: rules, selections: selections)
}

private let dailyPlan = makePlan(
    "Daily-35d-retention",
    rules: [rule(name: "DailyBackups", schedule: "cron(0 5 ? * * *)", vault: "Default", days: 35, copies: [])])

/// One COMPLETED recovery point per 00/06/12/18 UTC slot from the newest (12:00 today) back
/// `days` days, minus those for which `skip` is true.
private func points(
    vault: String = "eks-mnemonica-prod-vault", days: Double = 180, newest: Date = hoursAgo(2),
    skip: (Date) -> Bool = { _ in false }
) -> [RecoveryPoint] {
    stride(from: newest.timeIntervalSince1970, through: daysAgo(days).timeIntervalSince1970, by: -6 * 3600)
        .map { Date(timeIntervalSince1970: $0) }
        .filter { !skip($0) }
        .map {
            RecoveryPoint(
                arn: "rp-\(Int($0.timeIntervalSince1970))", vault: vault, resourceARN: rdsARN, createdAt: $0,
                status: "COMPLETED")
        }
}

private func job(_ state: String, hoursAgo h: Double, message: String? = nil, resource: String = rdsARN) -> BackupJob {
    BackupJob(
        id: "job-\(state)-\(h)", state: state, resourceARN: resource, vault: "eks-mnemonica-prod-vault",
        createdAt: hoursAgo(h), completedAt: hoursAgo(h - 0.3), statusMessage: message)
}

private func copyJob(_ state: String, hoursAgo h: Double, to destination: String = drVaultARN, message: String? = nil)
    -> CopyJob
{
    CopyJob(
        id: "copy-\(state)-\(h)", state: state, resourceARN: rdsARN, destinationVaultARN: destination,
        createdAt: hoursAgo(h), completedAt: hoursAgo(h - 0.3), statusMessage: message)
}

struct BackupCase: Sendable, CustomTestStringConvertible {
    var name: String
    var state: CheckState
    /// The whole message when given; otherwise fragments it must contain.
    var message: String?
    var contains: [String] = []
    var evaluate: @Sendable () -> Finding
    var testDescription: String { name }
}

private func expect(_ c: BackupCase) {
    let finding = c.evaluate()
    #expect(finding.state == c.state, "\(finding.message)")
    if let message = c.message { #expect(finding.message == message) }
    for fragment in c.contains { #expect(finding.message.contains(fragment), "\(finding.message) lacks \(fragment)") }
    #expect((finding.runbook != nil) == (c.state != .ok), "runbook only when not OK")
}

@Suite struct BackupPlanCheckTests {
    static let requires =
        "guide requires rule 6-Hour-Snapshots-180-Day-Retention-DR-Copy: cron(0 */6 * * ? *), recovery points kept 180 d, continuous backup off, vault eks-mnemonica-prod-vault, copy to eks-mnemonica-prod-vault-dr (eu-west-3) kept 180 d (Phase 6)"

    static let cases: [BackupCase] = [
        BackupCase(
            name: "the guide's plan is OK", state: .ok,
            message:
                "eks-mnemonica-6h-snapshots-180d: rule 6-Hour-Snapshots-180-Day-Retention-DR-Copy runs cron(0 */6 * * ? *) into eks-mnemonica-prod-vault, keeps 180 d and copies to eks-mnemonica-prod-vault-dr for 180 d as the guide requires"
        ) { BackupChecks.planFinding(policy, account: account, plans: [makePlan()]) },
        BackupCase(
            name: "daily 35 d without copy (what Phase 6 replaced) is critical", state: .critical,
            message:
                "eks-mnemonica-6h-snapshots-180d: rule 6-Hour-Snapshots-180-Day-Retention-DR-Copy: schedule cron(0 5 ? * * *), recovery points deleted after 35 d, no copy action to eks-mnemonica-prod-vault-dr (eu-west-3); \(requires)"
        ) {
            BackupChecks.planFinding(
                policy, account: account,
                plans: [makePlan(rules: [rule(schedule: "cron(0 5 ? * * *)", days: 35, copies: [])])])
        },
        BackupCase(
            name: "a missing copy action is critical", state: .critical,
            contains: ["no copy action to eks-mnemonica-prod-vault-dr (eu-west-3)"]
        ) { BackupChecks.planFinding(policy, account: account, plans: [makePlan(rules: [rule(copies: [])])]) },
        BackupCase(
            name: "the current state's daily plan is found instead: critical", state: .critical,
            message:
                "eks-mnemonica-6h-snapshots-180d: plan not found in eu-west-1; found instead Daily-35d-retention (rule DailyBackups: cron(0 5 ? * * *), 35 d, vault Default, no copy); \(requires)"
        ) { BackupChecks.planFinding(policy, account: account, plans: [dailyPlan]) },
        BackupCase(
            name: "no plan at all is critical", state: .critical,
            contains: ["eks-mnemonica-6h-snapshots-180d: no backup plan exists in eu-west-1;"]
        ) { BackupChecks.planFinding(policy, account: account, plans: []) },
        BackupCase(
            name: "recovery points kept longer is a warning", state: .warning,
            contains: ["recovery points kept 365 d"]
        ) { BackupChecks.planFinding(policy, account: account, plans: [makePlan(rules: [rule(days: 365)])]) },
        BackupCase(
            name: "recovery points that never expire are a warning", state: .warning,
            contains: ["recovery points never expire"]
        ) { BackupChecks.planFinding(policy, account: account, plans: [makePlan(rules: [rule(days: nil)])]) },
        BackupCase(
            name: "continuous backup on is a warning (PITR belongs to RDS, Step 6.2)", state: .warning,
            contains: ["continuous backup enabled"]
        ) { BackupChecks.planFinding(policy, account: account, plans: [makePlan(rules: [rule(continuous: true)])]) },
        BackupCase(
            name: "another target vault is a warning", state: .warning, contains: ["target vault Default"]
        ) { BackupChecks.planFinding(policy, account: account, plans: [makePlan(rules: [rule(vault: "Default")])]) },
        BackupCase(
            name: "DR copies kept 35 d are critical", state: .critical, contains: ["DR copies deleted after 35 d"]
        ) {
            BackupChecks.planFinding(
                policy, account: account,
                plans: [makePlan(rules: [rule(copies: [.init(destinationVaultARN: drVaultARN, deleteAfterDays: 35)])])])
        },
        BackupCase(
            name: "a copy to the DR vault name in another region does not count", state: .critical,
            contains: [
                "no copy action to eks-mnemonica-prod-vault-dr (eu-west-3) (copies go to arn:aws:backup:eu-central-1:828879644785:backup-vault:eks-mnemonica-prod-vault-dr)"
            ]
        ) {
            BackupChecks.planFinding(
                policy, account: account,
                plans: [
                    makePlan(rules: [
                        rule(copies: [
                            .init(
                                destinationVaultARN:
                                    "arn:aws:backup:eu-central-1:828879644785:backup-vault:eks-mnemonica-prod-vault-dr",
                                deleteAfterDays: 180)
                        ])
                    ])
                ])
        },
        BackupCase(
            name: "a renamed single rule is a warning", state: .warning,
            contains: ["rule six-hourly: its only rule is named six-hourly"]
        ) { BackupChecks.planFinding(policy, account: account, plans: [makePlan(rules: [rule(name: "six-hourly")])]) },
        BackupCase(
            name: "a leftover extra rule is a warning", state: .warning,
            contains: ["extra rules PITR-35d besides the single promised rule"]
        ) {
            BackupChecks.planFinding(
                policy, account: account, plans: [makePlan(rules: [rule(), rule(name: "PITR-35d", continuous: true)])])
        },
        BackupCase(
            name: "several rules, none the promised one, is critical", state: .critical,
            contains: ["rule 6-Hour-Snapshots-180-Day-Retention-DR-Copy not found (plan has rules a, b)"]
        ) {
            BackupChecks.planFinding(
                policy, account: account, plans: [makePlan(rules: [rule(name: "a"), rule(name: "b")])])
        },
    ]

    @Test(arguments: cases) func planMatchesTheGuide(_ c: BackupCase) { expect(c) }

    @Test func theRunbookNamesThePlanIDAndStep62() {
        let finding = BackupChecks.planFinding(policy, account: account, plans: [makePlan(rules: [rule(copies: [])])])
        #expect(
            finding.runbook?.contains(
                "Step 6.2: aws backup update-backup-plan --backup-plan-id plan-eks-mnemonica-6h-snapshots-180d") == true
        )
        #expect(finding.resource == "eks-mnemonica-6h-snapshots-180d")
        #expect(finding.guide == "Phase 6")
    }
}

@Suite struct BackupSelectionCheckTests {
    static let cases: [BackupCase] = [
        BackupCase(
            name: "the RDS ARN in the plan's selection is OK", state: .ok,
            message:
                "eks-mnemonica-prod: covered by selection eks-mnemonica-prod-rds of plan eks-mnemonica-6h-snapshots-180d"
        ) { BackupChecks.selectionFinding(policy, account: account, plans: [makePlan()]) },
        BackupCase(
            name: "a wildcard selection covers it", state: .ok, contains: ["covered by selection all-rds"]
        ) {
            BackupChecks.selectionFinding(
                policy, account: account,
                plans: [makePlan(selections: [BackupSelection(name: "all-rds", resources: ["arn:aws:rds:*:*:db:*"])])])
        },
        BackupCase(
            name: "a plan without selections is critical", state: .critical,
            message:
                "eks-mnemonica-prod: not covered by plan eks-mnemonica-6h-snapshots-180d (no selections); guide requires a selection of eks-mnemonica-6h-snapshots-180d with arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod (Phase 6)"
        ) { BackupChecks.selectionFinding(policy, account: account, plans: [makePlan(selections: [])]) },
        BackupCase(
            name: "a selection of another instance is critical", state: .critical,
            contains: ["not covered by plan eks-mnemonica-6h-snapshots-180d (selections other)"]
        ) {
            BackupChecks.selectionFinding(
                policy, account: account,
                plans: [
                    makePlan(selections: [
                        BackupSelection(
                            name: "other", resources: ["arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod-2"])
                    ])
                ])
        },
        BackupCase(
            name: "covered only by another plan (promised plan missing) is a warning", state: .warning,
            contains: [
                "covered by selection eks-mnemonica-prod-rds of plan Daily-35d-retention, not by eks-mnemonica-6h-snapshots-180d (plan not found)"
            ]
        ) { BackupChecks.selectionFinding(policy, account: account, plans: [dailyPlan]) },
        BackupCase(
            name: "no plan covers it: critical", state: .critical,
            contains: ["eks-mnemonica-prod: no backup plan in eu-west-1 covers it"]
        ) { BackupChecks.selectionFinding(policy, account: account, plans: []) },
    ]

    @Test(arguments: cases) func selectionCoversTheInstance(_ c: BackupCase) { expect(c) }

    @Test(arguments: [
        ("arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod", true),
        ("*", true),
        ("arn:aws:rds:*:*:db:*", true),
        ("arn:aws:rds:eu-west-1:*:db:eks-*", true),
        ("arn:aws:rds:eu-west-3:*:db:*", false),
        ("arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica", false),
        ("arn:aws:rds:*:*:db:*-staging", false),
    ])
    func selectionWildcards(pattern: String, covered: Bool) {
        #expect(BackupChecks.matches(pattern: pattern, rdsARN) == covered)
    }
}

@Suite struct BackupJobFreshnessCheckTests {
    static let cases: [BackupCase] = [
        BackupCase(
            name: "a job completed 2 h ago is OK", state: .ok,
            message:
                "eks-mnemonica-prod: newest COMPLETED backup job is 2 h old (created 2026-11-24 12:00 UTC), within 6 h (+1 h grace)"
        ) {
            BackupChecks.jobFreshnessFinding(
                policy, jobs: [job("COMPLETED", hoursAgo: 8), job("COMPLETED", hoursAgo: 2)], now: now)
        },
        BackupCase(
            name: "6 h 59 min is still within interval + grace", state: .ok, contains: ["6 h 59 min old"]
        ) { BackupChecks.jobFreshnessFinding(policy, jobs: [job("COMPLETED", hoursAgo: 6 + 59.0 / 60)], now: now) },
        BackupCase(
            name: "the last completed job 14 h ago is critical", state: .critical,
            message:
                "eks-mnemonica-prod: newest COMPLETED backup job is 14 h old (created 2026-11-24 00:00 UTC, vault eks-mnemonica-prod-vault); guide requires one every 6 h (+1 h grace) (Phase 6)"
        ) { BackupChecks.jobFreshnessFinding(policy, jobs: [job("COMPLETED", hoursAgo: 14)], now: now) },
        BackupCase(
            name: "newer jobs that did not complete do not count", state: .critical, contains: ["is 14 h old"]
        ) {
            BackupChecks.jobFreshnessFinding(
                policy,
                jobs: [job("COMPLETED", hoursAgo: 14), job("RUNNING", hoursAgo: 0.5), job("FAILED", hoursAgo: 8)],
                now: now)
        },
        BackupCase(
            name: "jobs of another resource do not count", state: .critical,
            contains: ["no COMPLETED backup job found"]
        ) {
            BackupChecks.jobFreshnessFinding(
                policy, jobs: [job("COMPLETED", hoursAgo: 1, resource: "arn:aws:rds:eu-west-1:828879644785:db:other")],
                now: now)
        },
        BackupCase(
            name: "no job at all is critical", state: .critical,
            message:
                "eks-mnemonica-prod: no COMPLETED backup job found; guide requires one every 6 h (+1 h grace) (Phase 6)"
        ) { BackupChecks.jobFreshnessFinding(policy, jobs: [], now: now) },
    ]

    @Test(arguments: cases) func freshness(_ c: BackupCase) { expect(c) }
}

@Suite struct BackupJobFailuresCheckTests {
    static let failedMessage = "Backup job failed because the DB instance was in an incompatible state."
    static let cases: [BackupCase] = [
        BackupCase(
            name: "only completed jobs is OK", state: .ok,
            message:
                "eks-mnemonica-prod: no backup job failed, aborted or expired since the last success (2026-11-24 12:00 UTC)"
        ) {
            BackupChecks.jobFailuresFinding(
                policy, jobs: [job("COMPLETED", hoursAgo: 8), job("COMPLETED", hoursAgo: 2)], now: now)
        },
        BackupCase(
            name: "one failure since the last success is a warning", state: .warning,
            message:
                "eks-mnemonica-prod: 1 backup job ended badly since the last success (2026-11-24 08:00 UTC) — FAILED 2026-11-24 13:00 UTC: \"\(failedMessage)\"; guide requires every scheduled backup job to complete (Phase 6 Step 6.4; alerted by Phase 8 Step 8.2)"
        ) {
            BackupChecks.jobFailuresFinding(
                policy, jobs: [job("COMPLETED", hoursAgo: 6), job("FAILED", hoursAgo: 1, message: failedMessage)],
                now: now)
        },
        BackupCase(
            name: "a failure answered by a later success within 7 h is still a warning", state: .warning,
            contains: ["1 backup job ended badly in the last 7 h (a later one completed) — FAILED 2026-11-24 13:00 UTC"]
        ) {
            BackupChecks.jobFailuresFinding(
                policy, jobs: [job("FAILED", hoursAgo: 1, message: failedMessage), job("COMPLETED", hoursAgo: 0.5)],
                now: now)
        },
        BackupCase(
            name: "an older failure followed by successes is OK", state: .ok, contains: ["no backup job failed"]
        ) {
            BackupChecks.jobFailuresFinding(
                policy,
                jobs: [job("FAILED", hoursAgo: 10), job("COMPLETED", hoursAgo: 8), job("COMPLETED", hoursAgo: 2)],
                now: now)
        },
        BackupCase(
            name: "two failures since the last success are critical", state: .critical,
            contains: [
                "2 backup jobs ended badly since the last success",
                "EXPIRED 2026-11-24 12:00 UTC, FAILED 2026-11-24 06:00 UTC",
            ]
        ) {
            BackupChecks.jobFailuresFinding(
                policy,
                jobs: [job("COMPLETED", hoursAgo: 14), job("FAILED", hoursAgo: 8), job("EXPIRED", hoursAgo: 2)],
                now: now)
        },
        BackupCase(
            name: "failures and no success at all are critical", state: .critical,
            contains: ["1 backup job ended badly and none completed — ABORTED"]
        ) { BackupChecks.jobFailuresFinding(policy, jobs: [job("ABORTED", hoursAgo: 3)], now: now) },
        BackupCase(
            name: "PARTIAL counts as a failure", state: .warning, contains: ["PARTIAL 2026-11-24 13:00 UTC"]
        ) {
            BackupChecks.jobFailuresFinding(
                policy, jobs: [job("COMPLETED", hoursAgo: 2), job("PARTIAL", hoursAgo: 1)], now: now)
        },
        BackupCase(
            name: "running and pending jobs are not failures", state: .ok, contains: ["no backup job failed"]
        ) {
            BackupChecks.jobFailuresFinding(
                policy,
                jobs: [job("COMPLETED", hoursAgo: 6), job("RUNNING", hoursAgo: 0.2), job("PENDING", hoursAgo: 0.1)],
                now: now)
        },
    ]

    @Test(arguments: cases) func failures(_ c: BackupCase) { expect(c) }
}

@Suite struct BackupCopyCheckTests {
    static let fresh: Observed<[RecoveryPoint]> = .value(
        points(vault: "eks-mnemonica-prod-vault-dr", days: 2, newest: hoursAgo(1.7)))
    static let copies: Observed<[CopyJob]> = .value([
        copyJob("COMPLETED", hoursAgo: 7.7), copyJob("COMPLETED", hoursAgo: 1.7),
    ])

    static let cases: [BackupCase] = [
        BackupCase(
            name: "fresh DR point and completed copies are OK", state: .ok,
            message:
                "eks-mnemonica-prod-vault-dr: newest recovery point is 1 h 42 min old; copy jobs to it COMPLETED (last created 2026-11-24 12:18 UTC)"
        ) { BackupChecks.copyFinding(policy, account: account, copyJobs: copies, drPoints: fresh, now: now) },
        BackupCase(
            name: "a DR vault 14 h stale is critical", state: .critical,
            message:
                "eks-mnemonica-prod-vault-dr: newest COMPLETED recovery point in eu-west-3 is 14 h old (2026-11-24 00:00 UTC); guide requires every copy to eks-mnemonica-prod-vault-dr to complete and a copy every 6 h (+1 h grace) (Phase 6, Scenario 3)"
        ) {
            BackupChecks.copyFinding(
                policy, account: account, copyJobs: .value([copyJob("COMPLETED", hoursAgo: 14)]),
                drPoints: .value(points(vault: "eks-mnemonica-prod-vault-dr", days: 3, newest: hoursAgo(14))), now: now)
        },
        BackupCase(
            name: "a FAILED copy job 1 h ago is a warning", state: .warning,
            contains: [
                "1 copy job to it ended badly since the last success (2026-11-24 12:18 UTC) — FAILED 2026-11-24 13:00 UTC: \"Copy job failed: access denied\""
            ]
        ) {
            BackupChecks.copyFinding(
                policy, account: account,
                copyJobs: .value([
                    copyJob("COMPLETED", hoursAgo: 1.7),
                    copyJob("FAILED", hoursAgo: 1, message: "Copy job failed: access denied"),
                ]),
                drPoints: fresh, now: now)
        },
        BackupCase(
            name: "repeated failed copies are critical", state: .critical, contains: ["2 copy jobs to it ended badly"]
        ) {
            BackupChecks.copyFinding(
                policy, account: account,
                copyJobs: .value([
                    copyJob("COMPLETED", hoursAgo: 7.7), copyJob("FAILED", hoursAgo: 5), copyJob("FAILED", hoursAgo: 1),
                ]),
                drPoints: fresh, now: now)
        },
        BackupCase(
            name: "failed copies to another vault do not count", state: .ok, contains: ["copy jobs to it COMPLETED"]
        ) {
            BackupChecks.copyFinding(
                policy, account: account,
                copyJobs: .value([
                    copyJob("COMPLETED", hoursAgo: 1.7),
                    copyJob("FAILED", hoursAgo: 1, to: "arn:aws:backup:eu-west-2:828879644785:backup-vault:other"),
                ]),
                drPoints: fresh, now: now)
        },
        BackupCase(
            name: "a DR vault that does not exist is critical", state: .critical,
            contains: [
                "eks-mnemonica-prod-vault-dr: the DR vault does not exist in eu-west-3 (ResourceNotFoundException)"
            ]
        ) {
            BackupChecks.copyFinding(
                policy, account: account, copyJobs: .value([]),
                drPoints: .unavailable(
                    Unavailable(
                        action: "backup:ListRecoveryPointsByBackupVault", resource: "eks-mnemonica-prod-vault-dr",
                        region: "eu-west-3", code: "ResourceNotFoundException", message: "")), now: now)
        },
        BackupCase(
            name: "an empty DR vault is critical", state: .critical,
            contains: ["no COMPLETED recovery point of eks-mnemonica-prod in eu-west-3"]
        ) { BackupChecks.copyFinding(policy, account: account, copyJobs: .value([]), drPoints: .value([]), now: now) },
        BackupCase(
            name: "unreadable copy jobs with a fresh DR vault are unknown", state: .unknown,
            contains: ["copy jobs cannot be read — backup:ListCopyJobs (eu-west-1): AccessDeniedException"]
        ) {
            BackupChecks.copyFinding(
                policy, account: account,
                copyJobs: .unavailable(
                    Unavailable(
                        action: "backup:ListCopyJobs", region: "eu-west-1", code: "AccessDeniedException", message: "")),
                drPoints: fresh, now: now)
        },
    ]

    @Test(arguments: cases) func copy(_ c: BackupCase) { expect(c) }
}

@Suite struct BackupCoverageCheckTests {
    static let cases: [BackupCase] = [
        BackupCase(
            name: "a point every 6 h for 180 d is OK", state: .ok,
            message: "eks-mnemonica-prod-vault: 720 recovery points cover the last 180 d; largest gap 6 h"
        ) {
            BackupChecks.coverageFinding(
                policy, vault: "eks-mnemonica-prod-vault", region: "eu-west-1", retentionDays: 180, points: points(),
                now: now)
        },
        BackupCase(
            name: "3 days missing 60 days ago is a warning listing the gap", state: .warning,
            message:
                "eks-mnemonica-prod-vault: 1 gap longer than 6 h (+1 h grace) in the last 180 d — 2026-09-24 00:00 UTC → 2026-09-27 06:00 UTC (3 d 6 h); guide requires a recovery point every 6 h for 180 d (Phase 6)"
        ) {
            BackupChecks.coverageFinding(
                policy, vault: "eks-mnemonica-prod-vault", region: "eu-west-1", retentionDays: 180,
                points: points(skip: { $0 > daysAgo(61.5) && $0 < daysAgo(58.5) }), now: now)
        },
        BackupCase(
            name: "points reaching back only 35 d are a warning", state: .warning,
            contains: ["oldest recovery point is 34 d 20 h old (2026-10-20 18:00 UTC), short of the 180 d window"]
        ) {
            BackupChecks.coverageFinding(
                policy, vault: "eks-mnemonica-prod-vault", region: "eu-west-1", retentionDays: 180,
                points: points(days: 35),
                now: now)
        },
        BackupCase(
            name: "a stale tail is not a gap (the freshness checks own it)", state: .ok, contains: ["largest gap 6 h"]
        ) {
            BackupChecks.coverageFinding(
                policy, vault: "eks-mnemonica-prod-vault", region: "eu-west-1", retentionDays: 180,
                points: points(newest: hoursAgo(14)), now: now)
        },
        BackupCase(
            name: "points that are not COMPLETED do not cover", state: .warning, contains: ["1 gap longer than"]
        ) {
            BackupChecks.coverageFinding(
                policy, vault: "eks-mnemonica-prod-vault", region: "eu-west-1", retentionDays: 180,
                points: points().map { point in
                    var p = point
                    if p.createdAt > daysAgo(10.2) && p.createdAt < daysAgo(9.8) { p.status = "PARTIAL" }
                    return p
                }, now: now)
        },
        BackupCase(
            name: "an empty vault is critical", state: .critical,
            message:
                "eks-mnemonica-prod-vault-dr: no COMPLETED recovery point in the last 180 d (eu-west-3); guide requires a recovery point every 6 h for 180 d (Phase 6)"
        ) {
            BackupChecks.coverageFinding(
                policy, vault: "eks-mnemonica-prod-vault-dr", region: "eu-west-3", retentionDays: 180, points: [],
                now: now)
        },
    ]

    @Test(arguments: cases) func coverage(_ c: BackupCase) { expect(c) }
}

@Suite struct BackupRestoreTestedCheckTests {
    static func restore(_ status: String, daysAgo d: Double) -> RestoreJob {
        RestoreJob(id: "restore-\(d)", status: status, createdAt: daysAgo(d), completedAt: daysAgo(d - 0.03))
    }

    static let cases: [BackupCase] = [
        BackupCase(
            name: "a restore 10 d ago in the primary region is OK", state: .ok,
            contains: ["eu-west-1: newest COMPLETED restore job is 9 d 23 h old", "within 30 d"]
        ) {
            BackupChecks.restoreFinding(
                policy, account: account, region: "eu-west-1", withinDays: 30,
                jobs: [restore("COMPLETED", daysAgo: 10)], now: now)
        },
        BackupCase(
            name: "a restore 40 d ago in the primary region is overdue: warning", state: .warning,
            contains: ["guide requires a restore test every 30 d (Maintenance Tasks, Monthly)"]
        ) {
            BackupChecks.restoreFinding(
                policy, account: account, region: "eu-west-1", withinDays: 30,
                jobs: [restore("COMPLETED", daysAgo: 40)], now: now)
        },
        BackupCase(
            name: "a DR restore 40 d ago is within the quarter", state: .ok, contains: ["within 90 d"]
        ) {
            BackupChecks.restoreFinding(
                policy, account: account, region: "eu-west-3", withinDays: 90,
                jobs: [restore("COMPLETED", daysAgo: 40)], now: now)
        },
        BackupCase(
            name: "a DR restore 150 d ago is overdue: warning", state: .warning,
            message:
                "eu-west-3: newest COMPLETED restore job is 149 d 23 h old (2026-06-27 14:43 UTC); guide requires a DR-region restore test every 90 d (Maintenance Tasks, Quarterly: Scenario 3)"
        ) {
            BackupChecks.restoreFinding(
                policy, account: account, region: "eu-west-3", withinDays: 90,
                jobs: [restore("COMPLETED", daysAgo: 150)], now: now)
        },
        BackupCase(
            name: "only failed restores is a warning that says so", state: .warning,
            contains: ["no COMPLETED restore job found (1 restore job did not complete)"]
        ) {
            BackupChecks.restoreFinding(
                policy, account: account, region: "eu-west-1", withinDays: 30, jobs: [restore("FAILED", daysAgo: 3)],
                now: now)
        },
    ]

    @Test(arguments: cases) func restores(_ c: BackupCase) { expect(c) }

    @Test func theDRRunbookIsScenario3InTheDRRegion() {
        let finding = BackupChecks.restoreFinding(
            policy, account: account, region: "eu-west-3", withinDays: 90, jobs: [], now: now)
        #expect(finding.runbook?.hasPrefix("Guide Recovery Procedures, Scenario 3") == true)
        #expect(finding.runbook?.contains("--backup-vault-name eks-mnemonica-prod-vault-dr --region eu-west-3") == true)
        #expect(
            finding.runbook?.contains("arn:aws:iam::828879644785:role/service-role/AWSBackupDefaultServiceRole") == true
        )
    }
}

@Suite struct BackupEvidenceTests {
    static let configured = Policy(accountID: account, buckets: [], backup: policy)

    static func observation(
        plans: Observed<[BackupPlan]> = .value([makePlan()]),
        jobs: Observed<[BackupJob]> = .value([job("COMPLETED", hoursAgo: 2)]),
        copyJobs: Observed<[CopyJob]> = .value([copyJob("COMPLETED", hoursAgo: 1.7)]),
        recoveryPoints: [String: Observed<[RecoveryPoint]>] = [
            "eks-mnemonica-prod-vault": .value(points()),
            "eks-mnemonica-prod-vault-dr": .value(points(vault: "eks-mnemonica-prod-vault-dr", newest: hoursAgo(1.7))),
        ],
        restoreJobs: [String: Observed<[RestoreJob]>] = [
            "eu-west-1": .value([BackupRestoreTestedCheckTests.restore("COMPLETED", daysAgo: 10)]),
            "eu-west-3": .value([BackupRestoreTestedCheckTests.restore("COMPLETED", daysAgo: 40)]),
        ]
    ) -> Observations {
        Observations(
            collectedAt: now,
            backup: BackupObservation(
                plans: plans, jobs: jobs, copyJobs: copyJobs, recoveryPoints: recoveryPoints, restoreJobs: restoreJobs))
    }

    static func evaluate(_ policy: Policy, _ observations: Observations) -> [Finding] {
        BackupChecks.all.flatMap { $0.evaluate(policy, observations, History(), now) }
    }

    @Test func theGuidesEstateIsAllOK() {
        let findings = Self.evaluate(Self.configured, Self.observation())
        #expect(findings.count == 9)
        for finding in findings { #expect(finding.state == .ok, "\(finding.check): \(finding.message)") }
        #expect(
            Set(findings.map(\.check))
                == [
                    "backup.plan", "backup.selection", "backup.job_freshness", "backup.job_failures", "backup.copy",
                    "backup.coverage", "backup.restore_tested",
                ])
    }

    @Test func anUnconfiguredPolicyHasNoBackupFindings() {
        let findings = Self.evaluate(Policy(accountID: account, buckets: []), Self.observation())
        #expect(findings.isEmpty)
    }

    @Test func aConfiguredButUncollectedBackupIsUnknownPerResource() {
        let findings = Self.evaluate(Self.configured, Observations(collectedAt: now))
        #expect(findings.count == 9, "one per resource, as when collected")
        #expect(findings.allSatisfy { $0.state == .unknown && $0.message.contains("no observation was collected") })
    }

    @Test func aFailedCallMakesOnlyItsChecksUnknownNamingActionAndCode() {
        let denied = Unavailable(
            action: "backup:ListBackupJobs", resource: rdsARN, region: "eu-west-1", code: "AccessDeniedException",
            message: "not authorized (HTTP 403)")
        let findings = Self.evaluate(Self.configured, Self.observation(jobs: .unavailable(denied)))
        let unknown = findings.filter { $0.state == .unknown }
        #expect(Set(unknown.map(\.check)) == ["backup.job_freshness", "backup.job_failures"])
        #expect(
            unknown.first?.message
                == "eks-mnemonica-prod: cannot evaluate — backup:ListBackupJobs on \(rdsARN) (eu-west-1): AccessDeniedException — not authorized (HTTP 403)"
        )
        #expect(findings.filter { $0.state != .unknown }.allSatisfy { $0.state == .ok })
    }

    @Test func aMissingDRVaultIsCriticalNotUnknown() {
        let missing = Unavailable(
            action: "backup:ListRecoveryPointsByBackupVault", resource: "eks-mnemonica-prod-vault-dr",
            region: "eu-west-3",
            code: "ResourceNotFoundException", message: "Backup vault eks-mnemonica-prod-vault-dr does not exist")
        let findings = Self.evaluate(
            Self.configured,
            Self.observation(recoveryPoints: [
                "eks-mnemonica-prod-vault": .value(points()), "eks-mnemonica-prod-vault-dr": .unavailable(missing),
            ]))
        let bad = findings.filter { $0.state != .ok }
        #expect(bad.map(\.check).sorted() == ["backup.copy", "backup.coverage"])
        #expect(bad.allSatisfy { $0.state == .critical && $0.resource == "eks-mnemonica-prod-vault-dr" })
    }

    @Test func aVaultMissingFromTheObservationIsNotCollected() {
        let findings = Self.evaluate(
            Self.configured, Self.observation(recoveryPoints: ["eks-mnemonica-prod-vault": .value(points())]))
        let unknown = findings.filter { $0.state == .unknown }
        #expect(unknown.map(\.check).sorted() == ["backup.copy", "backup.coverage"])
        #expect(unknown.allSatisfy { $0.resource == "eks-mnemonica-prod-vault-dr" })
    }
}

@Suite struct BackupFormattingTests {
    @Test func datesAreUTC() {
        #expect(BackupChecks.utc(now) == "2026-11-24 14:00 UTC")
    }
}
