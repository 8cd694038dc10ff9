import Foundation
import MnemondModel

/// Guide "Recovery Procedures": the RPO each recovery scenario can achieve right now, measured from
/// the recovery points that exist, and the schedule-aware checks that notice when nothing happens.
/// Today's backup checks (BackupChecks / BackupJobChecks) judge jobs, copies and coverage one by
/// one; the ledger answers per scenario "how old is the newest thing I could restore from?".
///
/// - Scenario 1, deleted file 0–35 d: RDS PITR (now − LatestRestorableTime, RPO < 1 min) and
///   S3 versioning enabled on the sources.
/// - Scenario 2, deleted file 35–180 d: the newest COMPLETED recovery point in the primary vault
///   (RPO "up to 6 hours").
/// - Scenario 3, loss of eu-west-1: the newest copy in the DR vault, aged from the creation time of
///   the primary point it copies (RPO "up to 6 hours").
public enum RecoverabilityLedger {
    public static let all: [Check] = [rpo, rpoDesign, absence, drPairing, retentionGuard]

    /// The series of the ledger: seconds since the newest point the scenario could restore from.
    public static let rpoSeries = Series.recoveryRPOSeconds
    /// `s3_versioning_enabled{bucket}`: 1 while GetBucketVersioning answers Enabled, 0 otherwise,
    /// sampled with every configuration cycle; Scenario 1 reads it back to find the hours a source
    /// bucket was not versioned.
    public static let versioningSeries = Series.s3VersioningEnabled

    public enum Scenario: Int, Sendable, CaseIterable {
        case recentDeletion = 1
        case olderDeletion = 2
        case regionLoss = 3

        /// `scenario-3`: the resource of the scenario's finding and the label of its series.
        public var resource: String { "scenario-\(rawValue)" }
        /// The guide's heading, short.
        public var title: String {
            switch self {
            case .recentDeletion: "deleted file 0-35 d"
            case .olderDeletion: "deleted file 35-180 d"
            case .regionLoss: "region loss"
            }
        }
        public var headline: String { "Scenario \(rawValue) — \(title)" }
    }

    // MARK: - Checks

    /// Guide Recovery Procedures, Scenarios 1–3: the achievable RPO per scenario, against the
    /// promise plus the plan's own StartWindowMinutes/CompletionWindowMinutes (and the copy grace for
    /// Scenario 3). The raw measured value is always in the message.
    public static let rpo = Check(
        id: "recovery.rpo", evidence: [.pitr, .configuration, .backupJobs],
        promise: "Each recovery scenario can restore data no older than its promise (S1 < 1 min, S2 and S3 ≤ 6 h), "
            + "allowing the plan's start and completion windows and the copy grace",
        history: [SeriesQuery(versioningSeries) { versioningWindowSeconds($0) }],
        measure: { fresh, time in samples(fresh, at: time) }
    ) { policy, observations, history, now in
        rpoFindings(policy, observations, history: history, now: now)
    }

    /// Scenario 1's window for versioning: the longest noncurrent window promised on a source
    /// bucket (35 d in the guide) — a change older than that is beyond Scenario 1 anyway.
    public static func versioningWindowSeconds(_ policy: Policy) -> TimeInterval {
        TimeInterval(policy.buckets.filter { $0.role == .source }.map(\.noncurrentDays).max() ?? 35) * 86_400
    }

    /// A stretch in which a bucket's versioning was sampled as not Enabled: from the first such
    /// sample to the first Enabled one after it (nil: not Enabled at the newest sample).
    public struct VersioningGap: Sendable, Equatable {
        public var start: Date
        public var end: Date?
    }

    /// The stretches of `samples` (one bucket's `s3_versioning_enabled`, any order) with value 0.
    public static func versioningGaps(_ samples: [Sample]) -> [VersioningGap] {
        var gaps: [VersioningGap] = []
        var open: Date?
        for sample in samples.sorted(by: { $0.time < $1.time }) {
            if sample.value < 0.5 {
                if open == nil { open = sample.time }
            } else if let start = open {
                gaps.append(VersioningGap(start: start, end: sample.time))
                open = nil
            }
        }
        if let start = open { gaps.append(VersioningGap(start: start, end: nil)) }
        return gaps
    }

    /// Guide Phase 6 ("RPO: … Up to 6 hours (snapshots)") against the plan it configures: a
    /// 6-hourly schedule whose jobs may start up to StartWindowMinutes late and run up to
    /// CompletionWindowMinutes, and whose copies land after that, cannot keep the newest restorable
    /// point under 6 h at every moment. Reported once per plan, informational (state OK): it is a
    /// fact about the guide, cleared by a decision (restate the promise or tighten the plan), not by
    /// operations — a permanent WARNING would keep the healthy estate from ever being green and
    /// teach people to ignore the backup section. `recovery.rpo` alerts on the real breaches.
    public static let rpoDesign = Check(
        id: "recovery.rpo_design", evidence: [.backupJobs],
        promise: "The plan's schedule and windows can deliver the RPO the guide promises at every moment"
    ) { policy, observations, _, _ in
        guard let backup = policy.backup else { return [] }
        return [designFinding(backup, windows: windows(backup, plans: observations.backup?.plans.value))]
    }

    /// Guide Phase 6 (Backup Schedule: every 6 hours): from the rule's schedule expression and its
    /// start window, each scheduled run must leave a recovery point (or at least a job) by slot +
    /// StartWindowMinutes + grace — even when no job FAILED (a deleted selection, a disabled plan, a
    /// paused account make no failed jobs, so nothing else notices).
    public static let absence = Check(
        id: "backup.absence", evidence: [.backupJobs],
        promise:
            "Every scheduled run of the backup rule leaves a recovery point or job within its start window + grace",
        recoveryWindow: .snapshots
    ) { policy, observations, _, now in
        BackupChecks.evidence(
            "backup.absence", resources: { [BackupChecks.resourceName($0.resourceARN)] }, policy, observations
        ) { backup, observed in
            [absenceFinding(backup, observed, now: now)]
        }
    }

    /// Guide Phase 6 (rule "…-DR-Copy") and Scenario 3: every primary recovery point older than the
    /// copy grace has its copy in the DR vault (a COMPLETED copy job whose destination point exists).
    public static let drPairing = Check(
        id: "backup.dr_pairing", evidence: [.backupJobs],
        promise: "Every primary recovery point older than the copy grace has its copy in the DR vault",
        recoveryWindow: .drCopies
    ) { policy, observations, _, now in
        BackupChecks.evidence("backup.dr_pairing", resources: { [$0.drVault] }, policy, observations) {
            backup, observed in
            [pairingFinding(backup, observed, now: now)]
        }
    }

    /// Guide Phase 6 (Lifecycle DeleteAfterDays 180, copies kept 180 d): no recovery point is deleted
    /// before creation + the promised retention; and while the newest jobs fail, the date Scenario 2
    /// loses its last restorable point is watched.
    public static let retentionGuard = Check(
        id: "backup.retention_guard", evidence: [.backupJobs],
        promise: "No recovery point expires before its promised retention; Scenario 2 never runs out of points",
        recoveryWindow: .snapshots
    ) { policy, observations, _, now in
        BackupChecks.evidence("backup.retention_guard", resources: { [$0.vault, $0.drVault] }, policy, observations) {
            backup, observed in
            [
                retentionFinding(backup, observed, vault: backup.vault, retentionDays: backup.retentionDays, now: now),
                retentionFinding(
                    backup, observed, vault: backup.drVault, retentionDays: backup.drRetentionDays, now: now),
            ]
        }
    }

    // MARK: - The plan's windows

    /// What the plan lets AWS Backup do: the schedule, and how late a job may start and finish.
    public struct PlanWindows: Sendable, Equatable {
        public var schedule: BackupSchedule?
        public var scheduleText: String
        public var timeZone: TimeZone
        public var startWindowSeconds: TimeInterval
        public var completionWindowSeconds: TimeInterval
        /// True when read from the observed rule; false when the rule was not seen and the policy's
        /// schedule and grace stand in for it.
        public var observed: Bool
    }

    /// The promised rule as AWS shows it; without it, the policy's schedule with the grace as the
    /// start window and no completion window (the same limit today's freshness checks use).
    public static func windows(_ backup: BackupPolicy, plans: [BackupPlan]?) -> PlanWindows {
        let rule = plans?.first { $0.name == backup.planName }?.rules.first { $0.name == backup.ruleName }
        let text = rule?.schedule ?? backup.schedule
        let zone =
            rule?.scheduleTimeZone.flatMap { TimeZone(identifier: $0 == "Etc/UTC" ? "UTC" : $0) } ?? BackupSchedule.utc
        if let rule {
            return PlanWindows(
                schedule: try? BackupSchedule.parse(text), scheduleText: text, timeZone: zone,
                startWindowSeconds: TimeInterval((rule.startWindowMinutes ?? 480) * 60),
                completionWindowSeconds: TimeInterval((rule.completionWindowMinutes ?? 10080) * 60), observed: true)
        }
        return PlanWindows(
            schedule: try? BackupSchedule.parse(text), scheduleText: text, timeZone: zone,
            startWindowSeconds: TimeInterval(backup.graceHours * 3600), completionWindowSeconds: 0, observed: false)
    }

    /// Scenario 2's limit: the promised interval plus the start and completion windows.
    public static func primaryLimitSeconds(_ backup: BackupPolicy, _ w: PlanWindows) -> TimeInterval {
        TimeInterval(backup.intervalHours * 3600) + w.startWindowSeconds + w.completionWindowSeconds
    }

    /// Scenario 3's limit: Scenario 2's plus the copy grace.
    public static func drLimitSeconds(_ backup: BackupPolicy, _ w: PlanWindows) -> TimeInterval {
        primaryLimitSeconds(backup, w) + TimeInterval(backup.copyGraceMinutes * 60)
    }

    // MARK: - Measurements

    /// The newest COMPLETED point of `resourceARN` created at or before `now`.
    public static func newestPrimary(_ points: [RecoveryPoint], resourceARN: String, now: Date) -> RecoveryPoint? {
        points.filter { $0.resourceARN == resourceARN && $0.status == "COMPLETED" && $0.createdAt <= now }
            .max { $0.createdAt < $1.createdAt }
    }

    /// A DR copy and the creation time of the primary point it copies (`sourceKnown` false when no
    /// copy job or primary point links them: the copy's own time stands in, which flatters the RPO).
    public struct DRCopy: Sendable, Equatable {
        public var point: RecoveryPoint
        public var sourceCreatedAt: Date
        public var sourceKnown: Bool
    }

    /// The DR copy whose source is newest: Scenario 3 restores from it.
    public static func newestDRCopy(
        drPoints: [RecoveryPoint], copyJobs: [CopyJob], primaryPoints: [RecoveryPoint], resourceARN: String, now: Date
    ) -> DRCopy? {
        let sourceOf = Dictionary(
            copyJobs.compactMap { job in
                job.destinationRecoveryPointARN.flatMap { d in job.sourceRecoveryPointARN.map { (d, $0) } }
            }, uniquingKeysWith: { a, _ in a })
        let primaryCreated = Dictionary(primaryPoints.map { ($0.arn, $0.createdAt) }, uniquingKeysWith: { a, _ in a })
        return drPoints.filter { $0.resourceARN == resourceARN && $0.status == "COMPLETED" && $0.createdAt <= now }
            .map { point -> DRCopy in
                if let source = sourceOf[point.arn] ?? point.sourceRecoveryPointARN,
                    let created = primaryCreated[source]
                {
                    return DRCopy(point: point, sourceCreatedAt: created, sourceKnown: true)
                }
                return DRCopy(point: point, sourceCreatedAt: point.createdAt, sourceKnown: false)
            }
            .max { $0.sourceCreatedAt < $1.sourceCreatedAt }
    }

    /// `recovery_rpo_seconds{scenario,resource}` from one cycle's observations: Scenario 1 per RDS
    /// instance, Scenario 2 for the primary vault, Scenario 3 for the DR vault.
    public static func samples(_ fresh: Observations, at time: Date) -> [Sample] {
        var out: [Sample] = []
        func add(_ scenario: Scenario, _ resource: String, _ seconds: TimeInterval) {
            out.append(
                Sample(
                    series: rpoSeries, labels: ["scenario": scenario.resource, "resource": resource], time: time,
                    value: max(0, seconds)))
        }
        for bucket in fresh.buckets.sorted(by: { $0.bucket < $1.bucket }) {
            if let status = bucket.versioning.value {
                out.append(
                    Sample(
                        series: versioningSeries, labels: ["bucket": bucket.bucket], time: time,
                        value: status == .enabled ? 1 : 0))
            }
        }
        for (identifier, observed) in fresh.rds.sorted(by: { $0.key < $1.key }) {
            if let restorable = observed.value?.latestRestorableTime {
                add(.recentDeletion, identifier, time.timeIntervalSince(restorable))
            }
        }
        if let backup = fresh.backup, let arn = backup.resourceARN {
            let primary = backup.primaryVault.flatMap { backup.recoveryPoints[$0]?.value } ?? []
            if let vault = backup.primaryVault, let newest = newestPrimary(primary, resourceARN: arn, now: time) {
                add(.olderDeletion, vault, time.timeIntervalSince(newest.createdAt))
            }
            if let vault = backup.drVault, let drPoints = backup.recoveryPoints[vault]?.value,
                let copy = newestDRCopy(
                    drPoints: drPoints, copyJobs: backup.copyJobs.value ?? [], primaryPoints: primary,
                    resourceARN: arn, now: time)
            {
                add(.regionLoss, vault, time.timeIntervalSince(copy.sourceCreatedAt))
            }
        }
        return out
    }

    // MARK: - Decisions

    static func rpoFindings(_ policy: Policy, _ observations: Observations, history: History, now: Date)
        -> [Finding]
    {
        var findings: [Finding] = []
        if let s1 = scenario1Finding(policy, observations, history: history, now: now) { findings.append(s1) }
        if let backup = policy.backup {
            guard let observed = observations.backup else {
                return findings + [
                    Catalog.notCollected("recovery.rpo", resource: Scenario.olderDeletion.resource),
                    Catalog.notCollected("recovery.rpo", resource: Scenario.regionLoss.resource),
                ]
            }
            let w = windows(backup, plans: observed.plans.value)
            findings.append(scenario2Finding(backup, observed, windows: w, now: now))
            findings.append(scenario3Finding(backup, observed, windows: w, now: now))
        }
        return findings
    }

    static func finding(
        _ scenario: Scenario, _ state: CheckState, _ text: String, expected: String, found: String,
        guide: String = "Recovery Procedures", runbook: String? = nil
    ) -> Finding {
        Finding(
            check: "recovery.rpo", resource: scenario.resource, state: state, message: "\(scenario.headline): \(text)",
            expected: expected, found: found, guide: "\(guide), Scenario \(scenario.rawValue)",
            runbook: state == .ok ? nil : runbook)
    }

    /// Scenario 1: the worst PITR lag among the promised instances (warning/critical at the RDS
    /// policy's PITR limits, as `rds.pitr_lag`: the guide promises < 1 min, RDS trails ~5 min), and
    /// versioning Enabled on every source bucket (without it a deleted object is gone).
    ///
    /// Versioning is also judged over Scenario 1's window from the stored samples: a stretch in
    /// which a source bucket was not versioned (and is again) is a warning with its boundaries —
    /// an object overwritten or deleted then may have no earlier version to restore, and nothing
    /// done now brings it back.
    public static func scenario1Finding(
        _ policy: Policy, _ observations: Observations, history: History = History(), now: Date
    ) -> Finding? {
        let sources = policy.buckets.filter { $0.role == .source }
        guard !policy.rds.isEmpty || !sources.isEmpty else { return nil }
        var parts: [(state: CheckState, text: String)] = []
        var worstLag: TimeInterval?
        for rds in policy.rds {
            switch observations.rds[rds.identifier] {
            case nil: parts.append((.unknown, "\(rds.identifier): not collected"))
            case .unavailable(let reason)?: parts.append((.unknown, "\(rds.identifier): cannot evaluate — \(reason)"))
            case .value(let instance)?:
                guard let restorable = instance.latestRestorableTime else {
                    parts.append((.critical, "\(rds.identifier) has no LatestRestorableTime (PITR impossible)"))
                    continue
                }
                let lag = max(0, now.timeIntervalSince(restorable))
                worstLag = max(worstLag ?? 0, lag)
                let state: CheckState =
                    lag > TimeInterval(rds.pitrCriticalSeconds)
                    ? .critical : lag > TimeInterval(rds.pitrWarningSeconds) ? .warning : .ok
                parts.append(
                    (
                        state,
                        "RDS \(rds.identifier) restorable to \(BackupChecks.utc(restorable)) (\(seconds(lag)) ago; "
                            + "warning over \(seconds(TimeInterval(rds.pitrWarningSeconds))))"
                    ))
            }
        }
        // Buckets whose versioning could not be read for the same reason are named once with it.
        var unread: [(reason: Unavailable, buckets: [String])] = []
        for bucket in sources {
            switch observations.bucket(bucket.name)?.versioning {
            case nil: parts.append((.unknown, "\(bucket.name): versioning not collected"))
            case .unavailable(var reason)?:
                reason.resource = nil
                if let index = unread.firstIndex(where: { $0.reason == reason }) {
                    unread[index].buckets.append(bucket.name)
                } else {
                    unread.append((reason, [bucket.name]))
                }
            case .value(.enabled)?: break
            case .value(let status)?:
                parts.append((.critical, "\(bucket.name) versioning \(status.rawValue): deleted objects are not kept"))
            }
            let windowStart = now.addingTimeInterval(-versioningWindowSeconds(policy))
            let sampled = history.series(versioningSeries, labels: ["bucket": bucket.name])
                .filter { $0.time >= windowStart && $0.time <= now }
            for gap in versioningGaps(sampled) {
                guard let end = gap.end else { continue }  // still not Enabled: the current state says so
                parts.append(
                    (
                        .warning,
                        "\(bucket.name) versioning was not Enabled from \(BackupChecks.utc(gap.start)) to "
                            + "\(BackupChecks.utc(end)) (\(DurationText.human(end.timeIntervalSince(gap.start)))): objects "
                            + "overwritten or deleted then may have no earlier version"
                    ))
            }
        }
        for group in unread {
            parts.append(
                (.unknown, "\(ListText.first(3, of: group.buckets, more: "bucket")): versioning — \(group.reason)"))
        }
        if parts.allSatisfy({ $0.state == .ok }), !sources.isEmpty {
            parts.append((.ok, "versioning Enabled on \(sources.map(\.name).joined(separator: ", "))"))
        }
        let state = CheckState.worst(parts.map(\.state))
        let shown = state == .ok ? parts : parts.filter { $0.state != .ok }
        let rpoText = worstLag.map { "RPO \(seconds($0))" } ?? "RPO unknown"
        return finding(
            .recentDeletion, state,
            "\(rpoText), promise < 1 min — " + shown.map(\.text).joined(separator: "; "),
            expected: "< 1 min", found: worstLag.map { seconds($0) } ?? "unknown", guide: "Phase 5",
            runbook:
                "Guide Phase 5 Step 5.2 (aws rds describe-db-instances: LatestRestorableTime, BackupRetentionPeriod) "
                + "and Phase 1 (aws s3api put-bucket-versioning --versioning-configuration Status=Enabled)")
    }

    static func limitText(_ backup: BackupPolicy, _ w: PlanWindows, copyGrace: Bool) -> String {
        let limit = copyGrace ? drLimitSeconds(backup, w) : primaryLimitSeconds(backup, w)
        return "limit \(DurationText.human(limit)) with the plan's " + windowsText(backup, w, copyGrace: copyGrace)
    }

    /// `start window 1 h, completion window 6 h, copy grace 60 min`.
    static func windowsText(_ backup: BackupPolicy, _ w: PlanWindows, copyGrace: Bool) -> String {
        var parts: [String] = []
        if w.observed {
            parts.append("start window \(DurationText.human(w.startWindowSeconds))")
            parts.append("completion window \(DurationText.human(w.completionWindowSeconds))")
        } else {
            parts.append("\(backup.graceHours) h grace (rule not observed)")
        }
        if copyGrace { parts.append("copy grace \(backup.copyGraceMinutes) min") }
        return parts.joined(separator: ", ")
    }

    /// Scenario 2: the age of the newest COMPLETED recovery point in the primary vault. Critical
    /// past interval + start window + completion window (the worst the plan itself allows).
    public static func scenario2Finding(
        _ backup: BackupPolicy, _ observed: BackupObservation, windows w: PlanWindows, now: Date
    ) -> Finding {
        let promise = "≤ \(backup.intervalHours) h"
        let runbook =
            "Guide Phase 6 Step 6.4: aws backup list-backup-jobs --by-resource-arn \(backup.resourceARN) "
            + "--region \(backup.region) --max-results 5; Scenario 2 restores from "
            + "aws backup list-recovery-points-by-backup-vault --backup-vault-name \(backup.vault) --region \(backup.region)"
        switch observed.recoveryPoints[backup.vault] {
        case nil:
            return Catalog.notCollected("recovery.rpo", resource: Scenario.olderDeletion.resource)
        case .unavailable(let reason)?:
            let missing = BackupChecks.vaultIsMissing(reason)
            return finding(
                .olderDeletion, missing ? .critical : .unknown,
                missing
                    ? "no restorable point — vault \(backup.vault) does not exist in \(backup.region)"
                    : "cannot evaluate — \(reason)", expected: promise, found: missing ? "no vault" : "unknown",
                runbook: runbook)
        case .value(let points)?:
            guard let newest = newestPrimary(points, resourceARN: backup.resourceARN, now: now) else {
                return finding(
                    .olderDeletion, .critical,
                    "no COMPLETED recovery point of \(BackupChecks.resourceName(backup.resourceARN)) in \(backup.vault)",
                    expected: promise, found: "none", runbook: runbook)
            }
            let value = now.timeIntervalSince(newest.createdAt)
            let limit = primaryLimitSeconds(backup, w)
            let state: CheckState = value > limit ? .critical : .ok
            return finding(
                .olderDeletion, state,
                "RPO \(DurationText.human(value)), promise \(promise) (\(limitText(backup, w, copyGrace: false))), "
                    + "newest recovery point of \(BackupChecks.utc(newest.createdAt)) in \(backup.vault)",
                expected: promise, found: DurationText.human(value), runbook: runbook)
        }
    }

    /// Scenario 3: the age of the newest DR copy, measured from its source point's creation time.
    /// Critical past Scenario 2's limit plus the copy grace.
    public static func scenario3Finding(
        _ backup: BackupPolicy, _ observed: BackupObservation, windows w: PlanWindows, now: Date
    ) -> Finding {
        let promise = "≤ \(backup.intervalHours) h"
        let runbook =
            "Guide Phase 6 Step 6.4 (Check DR region copy): aws backup list-copy-jobs --region \(backup.region); "
            + "Scenario 3 restores from aws backup list-recovery-points-by-backup-vault --backup-vault-name "
            + "\(backup.drVault) --region \(backup.drRegion)"
        switch observed.recoveryPoints[backup.drVault] {
        case nil:
            return Catalog.notCollected("recovery.rpo", resource: Scenario.regionLoss.resource)
        case .unavailable(let reason)?:
            let missing = BackupChecks.vaultIsMissing(reason)
            return finding(
                .regionLoss, missing ? .critical : .unknown,
                missing
                    ? "no restorable point — vault \(backup.drVault) does not exist in \(backup.drRegion)"
                    : "cannot evaluate — \(reason)", expected: promise, found: missing ? "no vault" : "unknown",
                runbook: runbook)
        case .value(let drPoints)?:
            let primary = observed.recoveryPoints[backup.vault]?.value ?? []
            guard
                let copy = newestDRCopy(
                    drPoints: drPoints, copyJobs: observed.copyJobs.value ?? [], primaryPoints: primary,
                    resourceARN: backup.resourceARN, now: now)
            else {
                return finding(
                    .regionLoss, .critical,
                    "no COMPLETED copy of \(BackupChecks.resourceName(backup.resourceARN)) in \(backup.drVault) "
                        + "(\(backup.drRegion))", expected: promise, found: "none", runbook: runbook)
            }
            let value = now.timeIntervalSince(copy.sourceCreatedAt)
            let limit = drLimitSeconds(backup, w)
            let state: CheckState = value > limit ? .critical : .ok
            let source =
                copy.sourceKnown
                ? "newest DR copy of \(BackupChecks.utc(copy.sourceCreatedAt))"
                : "newest DR copy made \(BackupChecks.utc(copy.point.createdAt)) (source point unknown: copy time used)"
            return finding(
                .regionLoss, state,
                "RPO \(DurationText.human(value)), promise \(promise) (\(limitText(backup, w, copyGrace: true))), "
                    + "\(source) in \(backup.drVault)",
                expected: promise, found: DurationText.human(value), runbook: runbook)
        }
    }

    /// The worst RPO the plan allows against the guide's promise (informational, see `rpoDesign`).
    public static func designFinding(_ backup: BackupPolicy, windows w: PlanWindows) -> Finding {
        let promise = TimeInterval(backup.intervalHours * 3600)
        let s2 = primaryLimitSeconds(backup, w)
        let s3 = drLimitSeconds(backup, w)
        let text: String
        if s3 > promise {
            text =
                "design: the guide promises RPO ≤ \(backup.intervalHours) h for Scenarios 2 and 3, but its own plan "
                + "(\(w.scheduleText), \(windowsText(backup, w, copyGrace: true))) "
                + "lets the newest restorable point reach \(DurationText.human(s2)) in \(backup.vault) and "
                + "\(DurationText.human(s3)) in \(backup.drVault) before the next one lands — the promise cannot hold at "
                + "every moment; recovery.rpo alerts past those limits and always shows the measured value"
        } else {
            text = "design: the plan's schedule and windows keep the RPO within the promised \(backup.intervalHours) h"
        }
        return Finding(
            check: "recovery.rpo_design", resource: backup.planName, state: .ok, message: "\(backup.planName): \(text)",
            expected: "≤ \(backup.intervalHours) h", found: "worst \(DurationText.human(s3))",
            guide: "Phase 6 Backup Schedule; Recovery Procedures")
    }

    /// Slots of the schedule whose start window (+ grace) has passed without any recovery point or
    /// job created in it, newest first, walking back until a slot has one. A slot with a FAILED job
    /// counts as "something happened": `backup.job_failures` owns failures.
    public static func missedSlots(
        schedule: BackupSchedule, timeZone: TimeZone, startWindowSeconds: TimeInterval, graceSeconds: TimeInterval,
        evidence: [Date], now: Date, limit: Int = 2000
    ) -> [Date] {
        let sorted = evidence.sorted()
        var missed: [Date] = []
        var cursor = now
        for _ in 0..<limit {
            guard let slot = schedule.previous(atOrBefore: cursor, timeZone: timeZone) else { break }
            cursor = slot.addingTimeInterval(-1)
            let due = slot.addingTimeInterval(startWindowSeconds)
            if now < due.addingTimeInterval(graceSeconds) { continue }
            // Jobs are created at the slot (give AWS 5 min of slack before it).
            let from = slot.addingTimeInterval(-300)
            if sorted.contains(where: { $0 >= from && $0 <= due }) { break }
            missed.append(slot)
            if let oldest = sorted.first, slot < oldest { break }
        }
        return missed
    }

    public static func absenceFinding(_ backup: BackupPolicy, _ observed: BackupObservation, now: Date) -> Finding {
        let name = BackupChecks.resourceName(backup.resourceARN)
        let w = windows(backup, plans: observed.plans.value)
        let grace = TimeInterval(backup.graceHours * 3600)
        let expected =
            "a recovery point every run of \(w.scheduleText) within its start window (+\(backup.graceHours) h)"
        func finding(_ state: CheckState, _ text: String, found: String) -> Finding {
            Finding(
                check: "backup.absence", resource: name, state: state, message: "\(name): \(text)", expected: expected,
                found: found, guide: "Phase 6",
                runbook: state == .ok
                    ? nil
                    : "Guide Phase 6 Steps 6.3–6.4: aws backup get-backup-plan (is the rule still there, is the "
                        + "selection still there: aws backup list-backup-selections), aws backup list-backup-jobs "
                        + "--by-resource-arn \(backup.resourceARN) --region \(backup.region); no job failed, so look "
                        + "for a deleted selection, a disabled plan or a paused account")
        }
        guard let schedule = w.schedule else {
            return finding(.unknown, "cannot evaluate — schedule \(w.scheduleText) does not parse", found: "unknown")
        }
        var evidence: [Date] = []
        switch observed.jobs {
        case .unavailable(let reason):
            return Catalog.unknown("backup.absence", resource: name, reason, guide: "Phase 6")
        case .value(let jobs): evidence += jobs.filter { $0.resourceARN == backup.resourceARN }.map(\.createdAt)
        }
        if let points = observed.recoveryPoints[backup.vault]?.value {
            evidence += points.filter { $0.resourceARN == backup.resourceARN }.map(\.createdAt)
        }
        let missed = missedSlots(
            schedule: schedule, timeZone: w.timeZone, startWindowSeconds: w.startWindowSeconds, graceSeconds: grace,
            evidence: evidence, now: now)
        let nextSlot = schedule.next(after: now, timeZone: w.timeZone)
        let pending = schedule.previous(atOrBefore: now, timeZone: w.timeZone).flatMap { slot in
            now < slot.addingTimeInterval(w.startWindowSeconds + grace)
                && !evidence.contains { $0 >= slot.addingTimeInterval(-300) } ? slot : nil
        }
        let upcoming = pending ?? nextSlot
        let nextText =
            upcoming.map {
                "next recovery point due by \(BackupChecks.utc($0.addingTimeInterval(w.startWindowSeconds))) "
                    + "(+\(backup.graceHours) h)"
            } ?? "no further run scheduled"
        if missed.isEmpty {
            return finding(.ok, "every scheduled run left a recovery point; \(nextText)", found: "none missed")
        }
        let listed = ListText.first(5, of: missed.reversed().map { BackupChecks.utc($0) })
        let lastDue = missed[0].addingTimeInterval(w.startWindowSeconds)
        return finding(
            .critical,
            "no recovery point or job for \(missed.count) scheduled run\(missed.count == 1 ? "" : "s") of "
                + "\(w.scheduleText) (\(listed)) and no job failed; the last was due by "
                + "\(BackupChecks.utc(lastDue)) (+\(backup.graceHours) h); \(nextText)",
            found: "\(missed.count) missed")
    }

    /// One primary point without its DR copy, and what the copy job said.
    public struct Unpaired: Sendable, Equatable {
        public var point: RecoveryPoint
        public var copyJobState: String?
        public var statusMessage: String?
    }

    /// Primary points (completed longer than the copy grace ago, within the DR retention) without a
    /// COMPLETED copy job whose destination point is in the DR vault; newest first.
    public static func unpaired(
        primary: [RecoveryPoint], dr: [RecoveryPoint], copyJobs: [CopyJob], resourceARN: String,
        copyGraceSeconds: TimeInterval, windowStart: Date, now: Date
    ) -> [Unpaired] {
        let drARNs = Set(dr.map(\.arn))
        let jobsBySource = Dictionary(grouping: copyJobs.filter { $0.sourceRecoveryPointARN != nil }) {
            $0.sourceRecoveryPointARN!
        }
        return primary.filter {
            $0.resourceARN == resourceARN && $0.status == "COMPLETED" && $0.createdAt >= windowStart
                && ($0.completedAt ?? $0.createdAt).addingTimeInterval(copyGraceSeconds) <= now
        }
        .sorted { $0.createdAt > $1.createdAt }
        .compactMap { point in
            let jobs = (jobsBySource[point.arn] ?? []).sorted { $0.createdAt > $1.createdAt }
            if jobs.contains(where: {
                $0.state == "COMPLETED" && $0.destinationRecoveryPointARN.map(drARNs.contains) == true
            }) {
                return nil
            }
            return Unpaired(point: point, copyJobState: jobs.first?.state, statusMessage: jobs.first?.statusMessage)
        }
    }

    /// Severity: warning for unpaired points (those dates cannot be restored in the DR region);
    /// critical when the two newest eligible points are both unpaired (copying has stopped).
    public static func pairingFinding(_ backup: BackupPolicy, _ observed: BackupObservation, now: Date) -> Finding {
        let vault = backup.drVault
        let expected = "a DR copy of every primary point within \(backup.copyGraceMinutes) min"
        guard let primaryObserved = observed.recoveryPoints[backup.vault],
            let drObserved = observed.recoveryPoints[vault]
        else { return Catalog.notCollected("backup.dr_pairing", resource: vault) }
        let primary: [RecoveryPoint]
        let dr: [RecoveryPoint]
        let jobs: [CopyJob]
        switch (primaryObserved, drObserved, observed.copyJobs) {
        case (.value(let p), .value(let d), .value(let j)): (primary, dr, jobs) = (p, d, j)
        case (_, .unavailable(let reason), _) where BackupChecks.vaultIsMissing(reason):
            return BackupChecks.missingVault("backup.dr_pairing", vault: vault, region: backup.drRegion, reason)!
        case (.unavailable(let reason), _, _), (_, .unavailable(let reason), _), (_, _, .unavailable(let reason)):
            return Catalog.unknown("backup.dr_pairing", resource: vault, reason, guide: "Phase 6")
        }
        let windowStart = now.addingTimeInterval(
            -TimeInterval(min(backup.retentionDays, backup.drRetentionDays)) * 86_400)
        let eligible = primary.filter {
            $0.resourceARN == backup.resourceARN && $0.status == "COMPLETED" && $0.createdAt >= windowStart
                && ($0.completedAt ?? $0.createdAt).addingTimeInterval(TimeInterval(backup.copyGraceMinutes * 60))
                    <= now
        }.sorted { $0.createdAt > $1.createdAt }
        let missing = unpaired(
            primary: primary, dr: dr, copyJobs: jobs, resourceARN: backup.resourceARN,
            copyGraceSeconds: TimeInterval(backup.copyGraceMinutes * 60), windowStart: windowStart, now: now)
        if missing.isEmpty {
            return Finding(
                check: "backup.dr_pairing", resource: vault, state: .ok,
                message:
                    "\(vault): all \(eligible.count) primary recovery points older than \(backup.copyGraceMinutes) min "
                    + "have their copy in \(backup.drRegion)", expected: expected, found: "none unpaired",
                guide: "Phase 6")
        }
        let missingARNs = Set(missing.map(\.point.arn))
        let stopped = eligible.count >= 2 && eligible.prefix(2).allSatisfy { missingARNs.contains($0.arn) }
        let listed = missing.prefix(5).map { item in
            BackupChecks.utc(item.point.createdAt) + " ("
                + (item.copyJobState.map { state in
                    "copy job \(state)" + (item.statusMessage.map { ": \"\($0)\"" } ?? "")
                } ?? "no copy job") + ")"
        }
        let more = missing.count > 5 ? " and \(missing.count - 5) more" : ""
        return Finding(
            check: "backup.dr_pairing", resource: vault, state: stopped ? .critical : .warning,
            message: "\(vault): \(missing.count) primary recovery point\(missing.count == 1 ? "" : "s") of "
                + "\(backup.vault) without a DR copy after \(backup.copyGraceMinutes) min — "
                + listed.joined(separator: ", ") + more
                + "; guide requires every point copied to \(vault) (\(backup.drRegion)) (Phase 6, Scenario 3)",
            expected: expected, found: "\(missing.count) unpaired", guide: "Phase 6",
            runbook:
                "Guide Phase 6 Step 6.4 (Check DR region copy): aws backup list-copy-jobs --region \(backup.region) "
                + "shows each copy's StatusMessage; aws backup start-copy-job --recovery-point-arn <arn> "
                + "--source-backup-vault-name \(backup.vault) --destination-backup-vault-arn "
                + "<\(vault) ARN> --region \(backup.region) copies a missed point")
    }

    /// Points deleted before creation + the promised retention (1 min of slack), oldest deletion first.
    public static func earlyExpiring(
        _ points: [RecoveryPoint], resourceARN: String, retentionDays: Int
    ) -> [RecoveryPoint] {
        points.filter { point in
            guard point.resourceARN == resourceARN, let deleteAt = point.deleteAt else { return false }
            return deleteAt < point.createdAt.addingTimeInterval(TimeInterval(retentionDays) * 86_400 - 60)
        }
        .sorted { ($0.deleteAt ?? .distantFuture) < ($1.deleteAt ?? .distantFuture) }
    }

    /// When the last COMPLETED point expires (nil: one never expires).
    public static func lastPointExpiry(_ points: [RecoveryPoint], resourceARN: String) -> Date? {
        let mine = points.filter { $0.resourceARN == resourceARN && $0.status == "COMPLETED" }
        guard !mine.isEmpty, mine.allSatisfy({ $0.deleteAt != nil }) else { return nil }
        return mine.compactMap(\.deleteAt).max()
    }

    /// Severity: warning for points that expire before their promised retention, critical when one
    /// of those deletions falls within the horizon; for the primary vault, critical when the newest
    /// backup job did not complete and the last restorable point expires within the horizon.
    public static func retentionFinding(
        _ backup: BackupPolicy, _ observed: BackupObservation, vault: String, retentionDays: Int, now: Date
    ) -> Finding {
        let isPrimary = vault == backup.vault
        let region = isPrimary ? backup.region : backup.drRegion
        let horizon = TimeInterval(backup.lastPointHorizonDays) * 86_400
        let expected = "kept \(days(retentionDays)) from creation"
        switch observed.recoveryPoints[vault] {
        case nil: return Catalog.notCollected("backup.retention_guard", resource: vault)
        case .unavailable(let reason)?:
            return BackupChecks.missingVault("backup.retention_guard", vault: vault, region: region, reason)
                ?? Catalog.unknown("backup.retention_guard", resource: vault, reason, guide: "Phase 6")
        case .value(let points)?:
            var parts: [(state: CheckState, text: String)] = []
            let early = earlyExpiring(points, resourceARN: backup.resourceARN, retentionDays: retentionDays)
            if let first = early.first, let firstDelete = first.deleteAt {
                let listed = early.prefix(5).map { p in
                    "\(p.arn) (created \(BackupChecks.utc(p.createdAt)), deleted \(BackupChecks.utc(p.deleteAt!)))"
                }
                let more = early.count > 5 ? " and \(early.count - 5) more" : ""
                parts.append(
                    (
                        firstDelete.timeIntervalSince(now) <= horizon ? .critical : .warning,
                        "\(early.count) recovery point\(early.count == 1 ? " expires" : "s expire") before "
                            + "\(days(retentionDays)) — " + listed.joined(separator: ", ") + more
                    ))
            }
            var found = early.isEmpty ? "none early" : "\(early.count) early"
            if isPrimary, let last = lastPointExpiry(points, resourceARN: backup.resourceARN) {
                let mine = (observed.jobs.value ?? []).filter { $0.resourceARN == backup.resourceARN }
                let newestJob = mine.max { $0.createdAt < $1.createdAt }
                // Only a newest job that ended badly (or none at all) counts as "jobs are failing".
                let failing = newestJob.map { BackupChecks.failedStates.contains($0.state) } ?? true
                let remaining = last.timeIntervalSince(now)
                let sentence =
                    "if no backup succeeds from now on, Scenario 2 loses its last restorable point on "
                    + "\(BackupChecks.utc(last)) (in \(DurationText.human(remaining)))"
                if failing && remaining <= horizon {
                    parts.append(
                        (.critical, sentence + " and the newest backup job \(newestJob?.state ?? "is missing")"))
                    found = "last point expires in \(DurationText.human(remaining))"
                } else if parts.isEmpty {
                    parts.append((.ok, sentence))
                }
            }
            let state = CheckState.worst(parts.map(\.state))
            let shown = state == .ok ? parts : parts.filter { $0.state != .ok }
            let body =
                shown.isEmpty
                ? "no recovery point expires before \(days(retentionDays))"
                : shown.map(\.text).joined(separator: "; ")
            let requires =
                state == .ok
                ? ""
                : "; guide requires recovery points kept \(days(retentionDays)) (Phase 6 Lifecycle DeleteAfterDays)"
            return Finding(
                check: "backup.retention_guard", resource: vault, state: state, message: "\(vault): \(body)\(requires)",
                expected: expected, found: found, guide: "Phase 6",
                runbook: state == .ok
                    ? nil
                    : "Guide Phase 6 Step 6.2/6.3: check the rule's Lifecycle (aws backup get-backup-plan); "
                        + "aws backup update-recovery-point-lifecycle --backup-vault-name \(vault) --recovery-point-arn "
                        + "<arn> --lifecycle DeleteAfterDays=\(retentionDays) --region \(region) restores a point's "
                        + "retention; make a backup succeed (aws backup start-backup-job) before the last point expires"
            )
        }
    }

    /// `45 s`, `12 min`, `6 h 40 min`.
    static func seconds(_ value: TimeInterval) -> String { DurationText.human(value) }
}
