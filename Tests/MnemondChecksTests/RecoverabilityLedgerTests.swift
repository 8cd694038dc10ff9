import Foundation
import MnemondModel
import Testing

@testable import MnemondChecks

// The ledger at a fixed instant: 2026-11-24 14:00 UTC (a 6-hourly plan ran at 12:00).
private let now = Date(timeIntervalSince1970: 1_795_528_800)
private let rdsARN = "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod"
private let drVaultARN = "arn:aws:backup:eu-west-3:828879644785:backup-vault:eks-mnemonica-prod-vault-dr"
private let vault = "eks-mnemonica-prod-vault"
private let drVault = "eks-mnemonica-prod-vault-dr"
private let backup = BackupPolicy(
    region: "eu-west-1", planName: "eks-mnemonica-6h-snapshots-180d",
    ruleName: "6-Hour-Snapshots-180-Day-Retention-DR-Copy", schedule: "cron(0 */6 * * ? *)", intervalHours: 6,
    graceHours: 1, retentionDays: 180, vault: vault, resourceARN: rdsARN, drRegion: "eu-west-3", drVault: drVault,
    drRetentionDays: 180)

private func hoursAgo(_ hours: Double) -> Date { now.addingTimeInterval(-hours * 3600) }

/// The guide's rule with the target estate's windows: start 60 min, completion 360 min.
private let plan = BackupPlan(
    id: "p", name: backup.planName,
    rules: [
        BackupRule(
            name: backup.ruleName, schedule: backup.schedule, targetVault: vault, deleteAfterDays: 180,
            continuousBackup: false, copyActions: [.init(destinationVaultARN: drVaultARN, deleteAfterDays: 180)],
            startWindowMinutes: 60, completionWindowMinutes: 360, scheduleTimeZone: "Etc/UTC")
    ], selections: [])

/// 6-hourly history ending with the slot `newestHoursAgo` before now (2 h: the 12:00 run), over
/// `days`: each primary point completes 20 min after its slot, its DR copy 30 min later.
private struct Estate {
    var primary: [RecoveryPoint] = []
    var dr: [RecoveryPoint] = []
    var copies: [CopyJob] = []
    var jobs: [BackupJob] = []

    init(newestHoursAgo: Double = 2, days: Double = 180, copiesStopHoursAgo: Double? = nil, deleteAfterDays: Int = 180)
    {
        for slot in stride(from: newestHoursAgo, through: days * 24 - 1, by: 6) {
            let created = hoursAgo(slot)
            let arn = "rp-\(Int(slot))"
            primary.append(
                RecoveryPoint(
                    arn: arn, vault: vault, resourceARN: rdsARN, createdAt: created, status: "COMPLETED",
                    completedAt: created.addingTimeInterval(1200),
                    deleteAt: created.addingTimeInterval(TimeInterval(deleteAfterDays) * 86_400)))
            jobs.append(
                BackupJob(
                    id: "j-\(Int(slot))", state: "COMPLETED", resourceARN: rdsARN, vault: vault, createdAt: created,
                    completedAt: created.addingTimeInterval(1200), statusMessage: nil))
            if let stop = copiesStopHoursAgo, slot < stop { continue }
            let copied = created.addingTimeInterval(1500)
            guard copied <= now.addingTimeInterval(-1800) else { continue }
            dr.append(
                RecoveryPoint(
                    arn: "dr-\(Int(slot))", vault: drVault, resourceARN: rdsARN, createdAt: copied, status: "COMPLETED",
                    deleteAt: copied.addingTimeInterval(180 * 86_400)))
            copies.append(
                CopyJob(
                    id: "c-\(Int(slot))", state: "COMPLETED", resourceARN: rdsARN, destinationVaultARN: drVaultARN,
                    createdAt: copied, completedAt: copied.addingTimeInterval(1800), statusMessage: nil,
                    sourceRecoveryPointARN: arn, destinationRecoveryPointARN: "dr-\(Int(slot))"))
        }
    }

    var observation: BackupObservation {
        BackupObservation(
            plans: .value([plan]), jobs: .value(jobs), copyJobs: .value(copies),
            recoveryPoints: [vault: .value(primary), drVault: .value(dr)], restoreJobs: [:], primaryVault: vault,
            drVault: drVault, resourceARN: rdsARN)
    }
}

private func evaluate(_ estate: Estate, at time: Date = now) -> [String: Finding] {
    let policy = Policy(accountID: "828879644785", buckets: [], backup: backup)
    let observations = Observations(collectedAt: time, backup: estate.observation)
    var out: [String: Finding] = [:]
    for check in RecoverabilityLedger.all {
        for f in check.evaluate(policy, observations, History(), time) { out["\(f.check) \(f.resource)"] = f }
    }
    return out
}

@Suite struct RecoverabilityLedgerTests {
    @Test func healthyEstateIsWithinEveryPromiseAndShowsTheMeasuredValues() {
        let findings = evaluate(Estate())
        #expect(findings.values.allSatisfy { $0.state == .ok }, "\(findings.values.filter { $0.state != .ok })")
        #expect(
            findings["recovery.rpo scenario-2"]?.message
                == "Scenario 2 — deleted file 35-180 d: RPO 2 h, promise ≤ 6 h (limit 13 h with the plan's start window "
                + "1 h, completion window 6 h), newest recovery point of 2026-11-24 12:00 UTC in eks-mnemonica-prod-vault"
        )
        // Aged from the 12:00 primary point it copies (12:25), not from the copy itself.
        #expect(
            findings["recovery.rpo scenario-3"]?.message
                == "Scenario 3 — region loss: RPO 2 h, promise ≤ 6 h (limit 14 h with the plan's start window 1 h, "
                + "completion window 6 h, copy grace 60 min), newest DR copy of 2026-11-24 12:00 UTC in "
                + "eks-mnemonica-prod-vault-dr")
        let samples = RecoverabilityLedger.samples(
            Observations(collectedAt: now, backup: Estate().observation), at: now)
        #expect(samples.map(\.value) == [7200, 7200])
        #expect(samples.map { $0.labels["scenario"]! } == ["scenario-2", "scenario-3"])
        #expect(
            findings["backup.absence eks-mnemonica-prod"]?.message
                == "eks-mnemonica-prod: every scheduled run left a recovery point; next recovery point due by "
                + "2026-11-24 19:00 UTC (+1 h)")
    }

    @Test func theDesignFindingStatesTheWorstThePlanAllowsOnce() {
        let design = evaluate(Estate()).values.filter { $0.check == "recovery.rpo_design" }
        #expect(design.count == 1)
        #expect(design.first?.state == .ok)
        #expect(design.first?.found == "worst 14 h")
        #expect(
            design.first?.message.contains(
                "lets the newest restorable point reach 13 h in eks-mnemonica-prod-vault and 14 h in eks-mnemonica-prod-vault-dr"
            ) == true)
    }

    /// Copies stopped 15 h ago (the 00:00, 06:00 and 12:00 points have none): Scenario 3 restores
    /// the copy of 18:00 yesterday, 20 h old, past the 14 h limit; Scenario 2 is unaffected.
    @Test func copiesStoppedBreachScenario3OnlyWithTheMeasuredValue() {
        let findings = evaluate(Estate(copiesStopHoursAgo: 15))
        #expect(findings["recovery.rpo scenario-2"]?.state == .ok)
        let s3 = findings["recovery.rpo scenario-3"]
        #expect(s3?.state == .critical)
        #expect(s3?.found == "20 h")
        #expect(findings["backup.dr_pairing eks-mnemonica-prod-vault-dr"]?.state == .critical)
        #expect(
            findings["backup.dr_pairing eks-mnemonica-prod-vault-dr"]?.message.hasPrefix(
                "eks-mnemonica-prod-vault-dr: 3 primary recovery points of eks-mnemonica-prod-vault without a DR copy "
                    + "after 60 min — 2026-11-24 12:00 UTC (no copy job), 2026-11-24 06:00 UTC (no copy job), "
                    + "2026-11-24 00:00 UTC (no copy job)") == true)
    }

    /// Slot 12:00 with a 60 min start window and 1 h grace: nothing before 14:00, critical after.
    @Test(arguments: [(13.99, CheckState.ok), (14.01, .critical)])
    func aMissingRunIsReportedOnlyAfterItsStartWindowAndGrace(hour: Double, expected: CheckState) {
        var estate = Estate(newestHoursAgo: 8)  // the 12:00 run left nothing, and no job failed
        estate.jobs = estate.jobs.filter { $0.createdAt < hoursAgo(7) }
        let at = hoursAgo(14).addingTimeInterval(hour * 3600)
        #expect(evaluate(estate, at: at)["backup.absence eks-mnemonica-prod"]?.state == expected)
    }

    @Test func threeMissedRunsAreListedWithTheirDueTime() {
        let estate = Estate(newestHoursAgo: 20)
        let finding = evaluate(estate)["backup.absence eks-mnemonica-prod"]
        #expect(finding?.state == .critical)
        #expect(
            finding?.message
                == "eks-mnemonica-prod: no recovery point or job for 3 scheduled runs of cron(0 */6 * * ? *) "
                + "(2026-11-24 00:00 UTC, 2026-11-24 06:00 UTC, 2026-11-24 12:00 UTC) and no job failed; the last was "
                + "due by 2026-11-24 13:00 UTC (+1 h); next recovery point due by 2026-11-24 19:00 UTC (+1 h)")
    }

    @Test func aFailedJobIsNotAnAbsence() {
        var estate = Estate(newestHoursAgo: 8)
        estate.jobs.append(
            BackupJob(
                id: "f", state: "FAILED", resourceARN: rdsARN, vault: vault, createdAt: hoursAgo(2), completedAt: nil,
                statusMessage: "x"))
        #expect(evaluate(estate)["backup.absence eks-mnemonica-prod"]?.state == .ok)
    }

    @Test func pointsDeletedBeforeTheirRetentionAreNamed() {
        var estate = Estate()
        estate.primary[10].deleteAt = estate.primary[10].createdAt.addingTimeInterval(35 * 86_400)
        let finding = evaluate(estate)["backup.retention_guard eks-mnemonica-prod-vault"]
        #expect(finding?.state == .warning)
        #expect(
            finding?.message
                == "eks-mnemonica-prod-vault: 1 recovery point expires before 180 d — rp-62 (created 2026-11-22 00:00 UTC, "
                + "deleted 2026-12-27 00:00 UTC); guide requires recovery points kept 180 d (Phase 6 Lifecycle "
                + "DeleteAfterDays)")
    }

    @Test func failingJobsWithTheLastPointExpiringWithinTheHorizonAreCritical() {
        var estate = Estate()
        // Everything newer than 179 d failed.
        estate.primary = estate.primary.filter { $0.createdAt < hoursAgo(179 * 24) }
        estate.jobs = estate.jobs.map { job in
            var job = job
            if job.createdAt >= hoursAgo(179 * 24) { job.state = "FAILED" }
            return job
        }
        let finding = evaluate(estate)["backup.retention_guard eks-mnemonica-prod-vault"]
        #expect(finding?.state == .critical)
        #expect(
            finding?.message.hasPrefix(
                "eks-mnemonica-prod-vault: if no backup succeeds from now on, Scenario 2 loses its last restorable point "
                    + "on 2026-11-25 12:00 UTC (in 22 h) and the newest backup job FAILED") == true)
        #expect(finding?.found == "last point expires in 22 h")
    }
}

/// The ledger reads what the store keeps: recovery points beyond the cycle's incremental listing,
/// and Scenario 1's versioning over its window.
@Suite struct LedgerStoredHistoryTests {
    @Test func storedRecoveryPointsReplaceAnIncrementalListingButNotAFailedOne() {
        let estate = Estate()
        var observed = estate.observation
        // This cycle listed only the last day.
        observed.recoveryPoints[vault] = .value(estate.primary.filter { $0.createdAt > hoursAgo(24) })
        let failed = Unavailable(
            action: "backup:ListRecoveryPointsByBackupVault", code: "ThrottlingException", message: "Rate exceeded")
        observed.recoveryPoints[drVault] = .unavailable(failed)
        let history = History(recoveryPoints: [vault: estate.primary, drVault: estate.dr])
        let seen = history.withStoredRecoveryPoints(Observations(collectedAt: now, backup: observed))
        #expect(seen.backup?.recoveryPoints[vault]?.value == estate.primary)
        #expect(seen.backup?.recoveryPoints[drVault] == .unavailable(failed))
        // With the stored points the coverage check sees all 180 days.
        let policy = Policy(accountID: "828879644785", buckets: [], backup: backup)
        let coverage = Catalog.evaluate(policy, Observations(collectedAt: now, backup: observed), history, now: now)
            .first { $0.check == "backup.coverage" && $0.resource == vault }
        #expect(coverage?.state == .ok)
        #expect(coverage?.message.hasPrefix("\(vault): 720 recovery points cover the last 180 d") == true)
    }

    @Test func versioningGapsRunFromTheFirstSampleNotEnabledToTheFirstEnabledOne() {
        func sample(_ hours: Double, _ value: Double) -> Sample {
            Sample(series: .s3VersioningEnabled, labels: ["bucket": "b"], time: hoursAgo(hours), value: value)
        }
        let samples = [
            sample(1, 0), sample(10, 1), sample(9, 0), sample(8.75, 0), sample(8, 1), sample(2, 1),
        ]
        #expect(
            RecoverabilityLedger.versioningGaps(samples) == [
                .init(start: hoursAgo(9), end: hoursAgo(8)), .init(start: hoursAgo(1), end: nil),
            ])
        #expect(RecoverabilityLedger.versioningGaps([sample(3, 1), sample(2, 1)]).isEmpty)
    }

    @Test func aPastVersioningGapInTheWindowIsAScenario1WarningAndAnOlderOneIsNot() {
        let policy = Policy(
            accountID: "828879644785",
            buckets: [
                BucketPolicy(name: "src", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1")
            ])
        let observations = Observations(
            collectedAt: now,
            buckets: [
                BucketObservation(
                    bucket: "src", region: "eu-west-1", versioning: .value(.enabled), lifecycle: .value([]))
            ])
        func history(_ startHoursAgo: Double) -> History {
            History(samples: [
                Sample(
                    series: .s3VersioningEnabled, labels: ["bucket": "src"], time: hoursAgo(startHoursAgo), value: 0),
                Sample(
                    series: .s3VersioningEnabled, labels: ["bucket": "src"], time: hoursAgo(startHoursAgo - 2), value: 1
                ),
            ])
        }
        let recent = RecoverabilityLedger.scenario1Finding(policy, observations, history: history(6), now: now)
        #expect(recent?.state == .warning)
        #expect(
            recent?.message
                == "Scenario 1 — deleted file 0-35 d: RPO unknown, promise < 1 min — src versioning was not Enabled "
                + "from 2026-11-24 08:00 UTC to 2026-11-24 10:00 UTC (2 h): objects overwritten or deleted then may "
                + "have no earlier version")
        let old = RecoverabilityLedger.scenario1Finding(policy, observations, history: history(36 * 24), now: now)
        #expect(old?.state == .ok)
        #expect(
            old?.message == "Scenario 1 — deleted file 0-35 d: RPO unknown, promise < 1 min — versioning Enabled on src"
        )
    }
    /// Source buckets whose versioning could not be read for one reason are named once with it
    /// (three by name, then a count), another reason on its own: 1,000 buckets behind expired
    /// credentials make one readable line, not a thousand.
    @Test func bucketsUnreadForOneReasonAreNamedOnceWithIt() {
        let names = (0..<1000).map { String(format: "gen-src-%04d", $0) }
        let policy = Policy(
            accountID: "828879644785",
            buckets: names.map {
                BucketPolicy(name: $0, region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1")
            })
        func denied(_ bucket: String, code: String) -> Observed<VersioningStatus> {
            .unavailable(
                Unavailable(
                    action: "s3:GetBucketVersioning", resource: bucket, region: "eu-west-1", code: code,
                    message: "no"))
        }
        let observations = Observations(
            collectedAt: now,
            buckets: names.enumerated().map { index, name in
                BucketObservation(
                    bucket: name, region: "eu-west-1",
                    versioning: denied(name, code: index == 500 ? "AccessDenied" : "ExpiredToken"),
                    lifecycle: .value([]))
            })
        let finding = RecoverabilityLedger.scenario1Finding(policy, observations, now: now)
        #expect(finding?.state == .unknown)
        #expect(
            finding?.message
                == "Scenario 1 — deleted file 0-35 d: RPO unknown, promise < 1 min — gen-src-0000, gen-src-0001, "
                + "gen-src-0002 and 996 more buckets: versioning — s3:GetBucketVersioning (eu-west-1): ExpiredToken — no; "
                + "gen-src-0500: versioning — s3:GetBucketVersioning (eu-west-1): AccessDenied — no")
        #expect(ListText.first(3, of: ["a", "b", "c"], more: "bucket") == "a, b, c")
        #expect(ListText.first(3, of: ["a", "b", "c", "d"], more: "bucket") == "a, b, c and 1 more bucket")
        #expect(ListText.first(3, of: ["a", "b", "c", "d", "e"], more: "bucket") == "a, b, c and 2 more buckets")
        #expect(ListText.first(2, of: ["a", "b", "c"]) == "a, b and 1 more")
    }
}
