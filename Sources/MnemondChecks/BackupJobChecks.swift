import Foundation
import MnemondModel

/// Guide Phase 6 Step 6.4 and the Maintenance Tasks: what AWS Backup actually did — jobs, copies
/// to the DR region, recovery points across the retention window, restore tests.
extension BackupChecks {
    /// States of a job that ended without a usable recovery point. The guide's Phase 8 Step 8.2
    /// EventBridge rule alerts on FAILED, ABORTED and EXPIRED; PARTIAL is not restorable either.
    static let failedStates: Set<String> = ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"]

    /// Guide Phase 6 Step 6.4 and Backup Schedule: a COMPLETED backup job for the RDS instance at
    /// least every 6 hours ("RPO: Days 36-180: Up to 6 hours (snapshots)"), plus grace.
    public static let jobFreshness = Check(
        id: "backup.job_freshness", evidence: [.backupJobs],
        promise: "The newest COMPLETED backup job of the RDS instance is at most the schedule interval + grace old",
        recoveryWindow: .snapshots
    ) { policy, observations, _, now in
        evidence("backup.job_freshness", resources: { [resourceName($0.resourceARN)] }, policy, observations) {
            backup, observed in
            switch observed.jobs {
            case .unavailable(let reason):
                return [
                    Catalog.unknown(
                        "backup.job_freshness", resource: resourceName(backup.resourceARN), reason, guide: guide)
                ]
            case .value(let jobs):
                return [jobFreshnessFinding(backup, jobs: jobs, now: now)]
            }
        }
    }

    /// Guide Phase 6 Step 6.4 (expected State COMPLETED) and Phase 8 Step 8.2 (failed, aborted and
    /// expired jobs are alerted): no backup job of the RDS instance ended badly since the last success.
    public static let jobFailures = Check(
        id: "backup.job_failures", evidence: [.backupJobs],
        promise: "No FAILED/ABORTED/EXPIRED/PARTIAL backup job since the last success",
        recoveryWindow: .snapshots
    ) { policy, observations, _, now in
        evidence("backup.job_failures", resources: { [resourceName($0.resourceARN)] }, policy, observations) {
            backup, observed in
            switch observed.jobs {
            case .unavailable(let reason):
                return [
                    Catalog.unknown(
                        "backup.job_failures", resource: resourceName(backup.resourceARN), reason, guide: guide)
                ]
            case .value(let jobs):
                return [jobFailuresFinding(backup, jobs: jobs, now: now)]
            }
        }
    }

    /// Guide Phase 6 (rule "…-DR-Copy": copy to eu-west-3 kept 180 days) and Step 6.4 ("Check DR
    /// region copy"): copy jobs to the DR vault complete, and its newest recovery point is at most
    /// interval + grace old — Scenario 3 restores from it.
    public static let copy = Check(
        id: "backup.copy", evidence: [.backupJobs],
        promise:
            "Copy jobs to the DR vault COMPLETED; the DR vault's newest recovery point is at most interval + grace old",
        recoveryWindow: .drCopies
    ) { policy, observations, _, now in
        evidence("backup.copy", resources: { [$0.drVault] }, policy, observations) { backup, observed in
            guard let points = observed.recoveryPoints[backup.drVault] else {
                return [Catalog.notCollected("backup.copy", resource: backup.drVault)]
            }
            return [
                copyFinding(backup, account: policy.accountID, copyJobs: observed.copyJobs, drPoints: points, now: now)
            ]
        }
    }

    /// Guide Phase 6 Target Configuration: "Recovery coverage: Days 0-180 (discrete 6-hour
    /// snapshots)": in each vault, consecutive recovery points are never further apart than interval
    /// + grace, and the oldest reaches back to the start of the retention window.
    public static let coverage = Check(
        id: "backup.coverage", evidence: [.backupJobs],
        promise: "Recovery points in each vault cover the retention window without gaps above interval + grace",
        recoveryWindow: .snapshots
    ) { policy, observations, _, now in
        evidence("backup.coverage", resources: { [$0.vault, $0.drVault] }, policy, observations) { backup, observed in
            [
                (backup.vault, backup.region, backup.retentionDays),
                (backup.drVault, backup.drRegion, backup.drRetentionDays),
            ]
            .map { vault, region, retention in
                switch observed.recoveryPoints[vault] {
                case nil:
                    return Catalog.notCollected("backup.coverage", resource: vault)
                case .unavailable(let reason)?:
                    return missingVault("backup.coverage", vault: vault, region: region, reason)
                        ?? Catalog.unknown("backup.coverage", resource: vault, reason, guide: guide)
                case .value(let points)?:
                    return coverageFinding(
                        backup, vault: vault, region: region, retentionDays: retention, points: points, now: now)
                }
            }
        }
    }

    /// Guide Maintenance Tasks: restores are tested — monthly in the primary region, quarterly a
    /// full DR restore in the DR region (Scenario 3).
    public static let restoreTested = Check(
        id: "backup.restore_tested", evidence: [.backupJobs],
        promise: "A COMPLETED restore job within 30 d in the primary region and within 90 d in the DR region",
        recoveryWindow: .snapshots
    ) { policy, observations, _, now in
        evidence("backup.restore_tested", resources: { [$0.region, $0.drRegion] }, policy, observations) {
            backup, observed in
            [(backup.region, backup.restoreTestDays), (backup.drRegion, backup.drRestoreTestDays)].map { region, days in
                switch observed.restoreJobs[region] {
                case nil:
                    return Catalog.notCollected("backup.restore_tested", resource: region)
                case .unavailable(let reason)?:
                    return Catalog.unknown(
                        "backup.restore_tested", resource: region, reason, guide: "Maintenance Tasks")
                case .value(let jobs)?:
                    return restoreFinding(
                        backup, account: policy.accountID, region: region, withinDays: days, jobs: jobs, now: now)
                }
            }
        }
    }

    // MARK: - Decisions

    /// Severity: critical when the newest COMPLETED job is older than interval + grace, or there is
    /// none — the 6-hour snapshot RPO is broken (PITR still covers days 0–35, Scenario 1).
    public static func jobFreshnessFinding(_ backup: BackupPolicy, jobs: [BackupJob], now: Date) -> Finding {
        let name = resourceName(backup.resourceARN)
        let limit = "\(backup.intervalHours) h (+\(backup.graceHours) h grace)"
        let runbook =
            "Guide Phase 6 Step 6.4: aws backup list-backup-jobs --by-resource-arn \(backup.resourceARN) "
            + "--region \(backup.region) --max-results 5 (why did the last runs not complete?); check the plan with "
            + "Step 6.3. Until a snapshot completes, days 36-180 have no recovery point newer than the last one; "
            + "PITR (Scenario 1) still covers days 0-35"
        let newest = jobs.filter { $0.resourceARN == backup.resourceARN && $0.state == "COMPLETED" }
            .max { $0.createdAt < $1.createdAt }
        guard let newest else {
            return Finding(
                check: "backup.job_freshness", resource: name, state: .critical,
                message: "\(name): no COMPLETED backup job found; guide requires one every \(limit) (\(guide))",
                expected: "≤ \(limit)", found: "none", guide: guide, runbook: runbook)
        }
        let ageSeconds = now.timeIntervalSince(newest.createdAt)
        let found = DurationText.human(ageSeconds)
        if ageSeconds > TimeInterval(backup.maxAgeSeconds) {
            return Finding(
                check: "backup.job_freshness", resource: name, state: .critical,
                message:
                    "\(name): newest COMPLETED backup job is \(found) old (created \(utc(newest.createdAt)), vault \(newest.vault)); "
                    + "guide requires one every \(limit) (\(guide))",
                expected: "≤ \(limit)", found: found, guide: guide, runbook: runbook)
        }
        return Finding(
            check: "backup.job_freshness", resource: name, state: .ok,
            message:
                "\(name): newest COMPLETED backup job is \(found) old (created \(utc(newest.createdAt))), within \(limit)",
            expected: "≤ \(limit)", found: found, guide: guide)
    }

    /// Severity: warning for failed jobs since the last success or within the last interval + grace
    /// (a failure answered by a later success still needs a look: Phase 8 alerts on every one, and
    /// the weekly maintenance reviews the success rate); critical when two or more failed since the
    /// last success, or nothing ever succeeded — the failure is not transient.
    public static func jobFailuresFinding(_ backup: BackupPolicy, jobs: [BackupJob], now: Date) -> Finding {
        let name = resourceName(backup.resourceARN)
        let mine = jobs.filter { $0.resourceARN == backup.resourceARN }
        let lastSuccess = mine.filter { $0.state == "COMPLETED" }.map(\.createdAt).max()
        let recentStart = now.addingTimeInterval(-TimeInterval(backup.maxAgeSeconds))
        let failed = failures(
            mine.map { Ended(state: $0.state, createdAt: $0.createdAt, statusMessage: $0.statusMessage) },
            lastSuccess: lastSuccess, recentStart: recentStart)
        let runbook =
            "Guide Phase 6 Step 6.4: aws backup list-backup-jobs --by-resource-arn \(backup.resourceARN) "
            + "--region \(backup.region) --max-results 5 — read each failed job's StatusMessage, fix the cause, and "
            + "confirm the next scheduled job is COMPLETED"
        return failureFinding(
            check: "backup.job_failures", resource: name, failed: failed, lastSuccess: lastSuccess,
            recentHours: backup.intervalHours + backup.graceHours,
            requires:
                "guide requires every scheduled backup job to complete (\(guide) Step 6.4; alerted by Phase 8 Step 8.2)",
            runbook: runbook)
    }

    /// Severity: critical when the DR vault's newest COMPLETED recovery point is older than
    /// interval + grace, when it has none, or when the DR vault does not exist (Scenario 3 would
    /// restore older data or nothing); otherwise the copy jobs decide as the job failures do —
    /// warning for failed copies since the last completed copy or within interval + grace, critical
    /// for two or more since the last completed copy.
    public static func copyFinding(
        _ backup: BackupPolicy, account: String, copyJobs: Observed<[CopyJob]>, drPoints: Observed<[RecoveryPoint]>,
        now: Date
    ) -> Finding {
        let vault = backup.drVault
        let limit = "\(backup.intervalHours) h (+\(backup.graceHours) h grace)"
        let runbook =
            "Guide Phase 6 Step 6.4 (Check DR region copy): aws backup list-copy-jobs --by-destination-vault-arn "
            + "\(backup.drVaultARN(account: account)) --region \(backup.region); aws backup "
            + "list-recovery-points-by-backup-vault --backup-vault-name \(vault) --region \(backup.drRegion). "
            + "Scenario 3 (region failure) restores from this vault"
        var parts: [(state: CheckState, text: String)] = []
        func note(_ state: CheckState, _ text: String) { parts.append((state, text)) }
        var found = "unknown"
        switch drPoints {
        case .unavailable(let reason):
            if vaultIsMissing(reason) {
                note(.critical, "the DR vault does not exist in \(backup.drRegion) (\(reason.code))")
                found = "no vault"
            } else {
                note(.unknown, "recovery points cannot be read — \(reason)")
            }
        case .value(let points):
            let newest = points.filter { $0.resourceARN == backup.resourceARN && $0.status == "COMPLETED" }
                .map(\.createdAt).max()
            if let newest {
                let ageSeconds = now.timeIntervalSince(newest)
                found = DurationText.human(ageSeconds)
                if ageSeconds > TimeInterval(backup.maxAgeSeconds) {
                    note(
                        .critical,
                        "newest COMPLETED recovery point in \(backup.drRegion) is \(found) old (\(utc(newest)))")
                } else {
                    note(.ok, "newest recovery point is \(found) old")
                }
            } else {
                found = "none"
                note(
                    .critical,
                    "no COMPLETED recovery point of \(resourceName(backup.resourceARN)) in \(backup.drRegion)")
            }
        }
        switch copyJobs {
        case .unavailable(let reason):
            note(.unknown, "copy jobs cannot be read — \(reason)")
        case .value(let jobs):
            let toDR = jobs.filter {
                $0.resourceARN == backup.resourceARN
                    && isVault($0.destinationVaultARN, name: vault, region: backup.drRegion)
            }
            let lastSuccess = toDR.filter { $0.state == "COMPLETED" }.map(\.createdAt).max()
            let failed = failures(
                toDR.map { Ended(state: $0.state, createdAt: $0.createdAt, statusMessage: $0.statusMessage) },
                lastSuccess: lastSuccess, recentStart: now.addingTimeInterval(-TimeInterval(backup.maxAgeSeconds)))
            if !failed.isEmpty {
                let summary = failureSummary(
                    failed, noun: "copy job", suffix: " to it", lastSuccess: lastSuccess,
                    recentHours: backup.intervalHours + backup.graceHours)
                note(failureState(failed, lastSuccess: lastSuccess), summary)
            } else if let lastSuccess {
                note(.ok, "copy jobs to it COMPLETED (last created \(utc(lastSuccess)))")
            }
        }
        let state = CheckState.worst(parts.map(\.state))
        let requires =
            "guide requires every copy to \(vault) to complete and a copy every \(limit) (\(guide), Scenario 3)"
        let text: String
        if state == .ok {
            text = parts.map(\.text).joined(separator: "; ")
        } else {
            text = parts.filter { $0.state != .ok }.map(\.text).joined(separator: "; ") + "; " + requires
        }
        return Finding(
            check: "backup.copy", resource: vault, state: state, message: "\(vault): \(text)", expected: "≤ \(limit)",
            found: found, guide: guide, runbook: state == .ok ? nil : runbook)
    }

    /// Severity: critical when the vault holds no COMPLETED recovery point of the resource in its
    /// window (nothing to restore); warning for gaps above interval + grace between consecutive
    /// points, or an oldest point short of the window — those dates can only be restored from the
    /// neighbouring points, and no action today brings them back. The time since the newest point is
    /// not a gap here: the freshness checks (job_freshness, copy) own it.
    public static func coverageFinding(
        _ backup: BackupPolicy, vault: String, region: String, retentionDays: Int, points: [RecoveryPoint], now: Date
    ) -> Finding {
        let maxAge = TimeInterval(backup.maxAgeSeconds)
        let windowStart = now.addingTimeInterval(-TimeInterval(retentionDays) * 86_400)
        let limit = "\(backup.intervalHours) h (+\(backup.graceHours) h grace)"
        let expected = "a point every \(limit) for \(days(retentionDays))"
        let requires =
            "guide requires a recovery point every \(backup.intervalHours) h for \(days(retentionDays)) (\(guide))"
        let runbook =
            "Guide Phase 6 Step 6.4: aws backup list-backup-jobs --by-resource-arn \(backup.resourceARN) "
            + "--by-created-after <gap start> --region \(backup.region) shows why those jobs did not complete; "
            + "restores for those dates use the neighbouring points (Scenario 2: aws backup "
            + "list-recovery-points-by-backup-vault --backup-vault-name \(vault) --region \(region))"
        let times = points.filter { $0.resourceARN == backup.resourceARN && $0.status == "COMPLETED" }
            .map(\.createdAt).filter { $0 >= windowStart.addingTimeInterval(-maxAge) && $0 <= now }.sorted()
        func finding(_ state: CheckState, _ message: String, found: String) -> Finding {
            Finding(
                check: "backup.coverage", resource: vault, state: state, message: "\(vault): \(message)",
                expected: expected, found: found, guide: guide, runbook: state == .ok ? nil : runbook)
        }
        guard let oldest = times.first else {
            return finding(
                .critical, "no COMPLETED recovery point in the last \(days(retentionDays)) (\(region)); \(requires)",
                found: "no points")
        }
        let gaps = zip(times, times.dropFirst()).map { (start: $0, end: $1, seconds: $1.timeIntervalSince($0)) }
        let largest = gaps.map(\.seconds).max() ?? 0
        let tooLong = gaps.filter { $0.seconds > maxAge }
        var problems: [String] = []
        if !tooLong.isEmpty {
            let listed = ListText.first(
                5, of: tooLong.map { "\(utc($0.start)) → \(utc($0.end)) (\(DurationText.human($0.seconds)))" })
            problems.append(
                "\(tooLong.count) gap\(tooLong.count == 1 ? "" : "s") longer than \(limit) in the last "
                    + "\(days(retentionDays)) — \(listed)")
        }
        let reach = now.timeIntervalSince(oldest)
        if oldest > windowStart.addingTimeInterval(maxAge) {
            problems.append(
                "oldest recovery point is \(DurationText.human(reach)) old (\(utc(oldest))), short of the \(days(retentionDays)) window"
            )
        }
        let found = "largest gap \(DurationText.human(largest)), oldest \(DurationText.human(reach))"
        if problems.isEmpty {
            return finding(
                .ok,
                "\(times.count) recovery points cover the last \(days(retentionDays)); largest gap \(DurationText.human(largest))",
                found: found)
        }
        return finding(.warning, "\(problems.joined(separator: "; ")); \(requires)", found: found)
    }

    /// Severity: warning when the newest COMPLETED restore job in the region is older than the
    /// maintenance interval, or there is none — an untested restore is a risk, not yet a loss.
    public static func restoreFinding(
        _ backup: BackupPolicy, account: String, region: String, withinDays: Int, jobs: [RestoreJob], now: Date
    ) -> Finding {
        let isDR = region == backup.drRegion && region != backup.region
        let what =
            isDR
            ? "a DR-region restore test every \(days(withinDays)) (Maintenance Tasks, Quarterly: Scenario 3)"
            : "a restore test every \(days(withinDays)) (Maintenance Tasks, Monthly)"
        let vault = isDR ? backup.drVault : backup.vault
        let target = resourceName(backup.resourceARN) + (isDR ? "-dr" : "-restored")
        let runbook =
            "Guide Recovery Procedures, \(isDR ? "Scenario 3" : "Scenario 2") (restore RDS from an AWS Backup snapshot): "
            + "aws backup list-recovery-points-by-backup-vault --backup-vault-name \(vault) --region \(region); "
            + "aws backup start-restore-job --recovery-point-arn <recovery-point-arn> "
            + "--metadata '{\"DBInstanceIdentifier\":\"\(target)\"}' --iam-role-arn "
            + "arn:aws:iam::\(account):role/service-role/AWSBackupDefaultServiceRole --region \(region); "
            + "delete the restored instance afterwards"
        let newest = jobs.filter { $0.status == "COMPLETED" }.map { $0.completedAt ?? $0.createdAt }.max()
        func finding(_ state: CheckState, _ message: String, found: String) -> Finding {
            Finding(
                check: "backup.restore_tested", resource: region, state: state, message: "\(region): \(message)",
                expected: "≤ \(days(withinDays))", found: found, guide: "Maintenance Tasks",
                runbook: state == .ok ? nil : runbook)
        }
        guard let newest else {
            let failed = jobs.filter { $0.status != "COMPLETED" }.count
            let note = failed > 0 ? " (\(failed) restore job\(failed == 1 ? "" : "s") did not complete)" : ""
            return finding(.warning, "no COMPLETED restore job found\(note); guide requires \(what)", found: "none")
        }
        let ageSeconds = now.timeIntervalSince(newest)
        let found = DurationText.human(ageSeconds)
        if ageSeconds > TimeInterval(withinDays) * 86_400 {
            return finding(
                .warning, "newest COMPLETED restore job is \(found) old (\(utc(newest))); guide requires \(what)",
                found: found)
        }
        return finding(
            .ok, "newest COMPLETED restore job is \(found) old (\(utc(newest))), within \(days(withinDays))",
            found: found)
    }

    // MARK: - Helpers

    /// How a job ended, for the failure decisions shared by backup and copy jobs.
    struct Ended {
        var state: String
        var createdAt: Date
        var statusMessage: String?
    }

    /// Failed jobs since the last success, plus those within the recent window even if a success
    /// followed; newest first.
    static func failures(_ jobs: [Ended], lastSuccess: Date?, recentStart: Date) -> [Ended] {
        let since = lastSuccess.map { min($0, recentStart) }
        return jobs.filter { job in failedStates.contains(job.state) && since.map { job.createdAt > $0 } ?? true }
            .sorted { $0.createdAt > $1.createdAt }
    }

    /// Critical when two or more failed since the last success, or none ever succeeded; else warning.
    static func failureState(_ failed: [Ended], lastSuccess: Date?) -> CheckState {
        guard let lastSuccess else { return .critical }
        return failed.filter { $0.createdAt > lastSuccess }.count >= 2 ? .critical : .warning
    }

    /// `1 backup job ended badly since the last success (…) — FAILED 2026-11-24 13:00 UTC: "…"`.
    static func failureSummary(
        _ failed: [Ended], noun: String, suffix: String = "", lastSuccess: Date?, recentHours: Int
    ) -> String {
        let context: String
        if let lastSuccess {
            context =
                failed.contains { $0.createdAt > lastSuccess }
                ? "since the last success (\(utc(lastSuccess)))"
                : "in the last \(recentHours) h (a later one completed)"
        } else {
            context = "and none completed"
        }
        let listed = failed.prefix(3).map { job in
            "\(job.state) \(utc(job.createdAt))" + (job.statusMessage.map { ": \"\($0)\"" } ?? "")
        }
        let more = failed.count > 3 ? ", and \(failed.count - 3) more" : ""
        return "\(failed.count) \(noun)\(failed.count == 1 ? "" : "s")\(suffix) ended badly \(context) — "
            + listed.joined(separator: ", ") + more
    }

    static func failureFinding(
        check: CheckID, resource: String, failed: [Ended], lastSuccess: Date?, recentHours: Int, requires: String,
        runbook: String
    ) -> Finding {
        if failed.isEmpty {
            let text =
                lastSuccess.map { "no backup job failed, aborted or expired since the last success (\(utc($0)))" }
                ?? "no failed, aborted or expired backup job found"
            return Finding(
                check: check, resource: resource, state: .ok, message: "\(resource): \(text)",
                expected: "none failed", found: "none failed", guide: guide)
        }
        return Finding(
            check: check, resource: resource, state: failureState(failed, lastSuccess: lastSuccess),
            message:
                "\(resource): \(failureSummary(failed, noun: "backup job", lastSuccess: lastSuccess, recentHours: recentHours)); \(requires)",
            expected: "none failed", found: "\(failed.count) \(failed[0].state)", guide: guide, runbook: runbook)
    }

    /// AWS Backup answers ResourceNotFoundException when a vault name is unknown.
    static func vaultIsMissing(_ reason: Unavailable) -> Bool { reason.code == "ResourceNotFoundException" }

    /// A vault that does not exist is a finding (critical), not a blind spot.
    static func missingVault(_ check: CheckID, vault: String, region: String, _ reason: Unavailable) -> Finding? {
        guard vaultIsMissing(reason) else { return nil }
        return Finding(
            check: check, resource: vault, state: .critical,
            message:
                "\(vault): vault does not exist in \(region) (\(reason.action): \(reason.code)); "
                + "guide requires it to hold the recovery points (\(guide): dedicated backup vaults)",
            expected: "vault exists", found: "no vault", guide: guide,
            runbook:
                "Guide Phase 6 (create the dedicated vaults): aws backup create-backup-vault --backup-vault-name \(vault) --region \(region)"
        )
    }

    /// `2026-11-24 08:00 UTC`.
    static func utc(_ date: Date) -> String { UTCText.minute(date) }
}
