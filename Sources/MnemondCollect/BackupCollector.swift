import Foundation
import MnemondAWS
import MnemondModel

/// Fetches what AWS Backup shows for the guide's Phase 6 (plans with rules and selections, backup
/// and copy jobs, the recovery points of both vaults, restore jobs of both regions) and translates
/// the JSON answers into a `BackupObservation`. Each call that fails leaves its own field
/// `.unavailable`; the collector never decides whether what it saw is right.
///
/// Recovery points are kept in the store: with `cursors` (the store's view of each vault), a cycle
/// lists only the points created since the newest stored one less `listingOverlap` (and since the
/// oldest stored point still CREATING), and once every `reconcileInterval` — or when the store holds
/// nothing — lists the whole retention window so points that no longer exist are dropped. Without
/// `cursors` every listing is full.
///
/// Backup and copy jobs are kept the same way with `jobs` (the store): a cycle lists the jobs
/// created since the newest kept one (see `BackupCollector+Jobs.swift`), and the observation still
/// holds every job of the window, as a full listing shows it.
public struct BackupCollector: Sendable {
    /// The store's cursor of one vault (nil: none, or it could not be read — list in full).
    public typealias Cursors = @Sendable (_ vault: String, _ region: String) async -> RecoveryPointCursor?

    /// How far before the newest stored point an incremental listing starts: a point whose
    /// CreationDate precedes one already stored (a job that started earlier and finished later, a
    /// copy that took hours) is still seen.
    public static let listingOverlap: TimeInterval = 86_400
    /// How often a vault is listed in full, dropping stored points that no longer exist.
    public static let reconcileInterval: TimeInterval = 86_400

    let backup: Backup
    let now: @Sendable () -> Date
    let cursors: Cursors?
    let jobLedger: (any JobLedger)?

    public init(
        client: AWSClient, now: @escaping @Sendable () -> Date = Date.init, cursors: Cursors? = nil,
        jobs: (any JobLedger)? = nil
    ) {
        self.backup = Backup(client: client)
        self.now = now
        self.cursors = cursors
        self.jobLedger = jobs
    }

    /// Full or incremental, and from when: full with no cursor, no stored point, no full listing yet
    /// or the last one `reconcileInterval` ago; otherwise from the newest stored creation less the
    /// overlap (earlier when a stored point is still unsettled), never before the window.
    public static func listing(
        _ cursor: RecoveryPointCursor?, windowStart: Date, region: String, now: Date
    ) -> RecoveryPointListing {
        guard let cursor, let newest = cursor.newestCreatedAt, let lastFull = cursor.lastFullAt,
            lastFull <= now, now.timeIntervalSince(lastFull) < reconcileInterval
        else { return RecoveryPointListing(mode: .full, since: windowStart, region: region) }
        var since = newest.addingTimeInterval(-listingOverlap)
        if let unsettled = cursor.oldestUnsettledCreatedAt { since = min(since, unsettled) }
        return RecoveryPointListing(mode: .incremental, since: max(since, windowStart), region: region)
    }

    public struct Result: Sendable {
        public var observation: BackupObservation
        public var samples: [Sample]
        /// Every call answered.
        public var success: Bool
        /// How the backup and copy jobs were listed, and how many jobs AWS answered each listing
        /// with (empty for a kind whose listing failed).
        public var jobListings: [JobKind: JobListing] = [:]
        public var listedJobs: [JobKind: Int] = [:]
    }

    /// `started` is the reference of the look-back windows (jobs, recovery points, restores).
    public func collect(_ policy: BackupPolicy, at started: Date? = nil) async -> Result {
        let started = started ?? now()
        let day: TimeInterval = 86_400
        let maxAge = TimeInterval(policy.maxAgeSeconds)
        // Jobs back to the start of the retention window; recovery points one schedule interval
        // further, so the coverage check can see whether the window's first hours are covered.
        let jobsSince = started.addingTimeInterval(-TimeInterval(policy.retentionDays) * day)
        let primaryPointsSince = started.addingTimeInterval(-TimeInterval(policy.retentionDays) * day - maxAge)
        let drPointsSince = started.addingTimeInterval(-TimeInterval(policy.drRetentionDays) * day - maxAge)
        let restoresSince = started.addingTimeInterval(
            -TimeInterval(max(policy.retentionDays, policy.drRetentionDays, policy.drRestoreTestDays)) * day)
        let arn = policy.resourceARN

        async let plans = observe("backup:ListBackupPlans", resource: policy.planName, region: policy.region) {
            try await self.plans(region: policy.region)
        }
        let jobLog = JobLog()
        async let jobs = observe("backup:ListBackupJobs", resource: arn, region: policy.region) {
            try await keptBackupJobs(
                resourceARN: arn, windowStart: jobsSince, region: policy.region, now: started, log: jobLog)
        }
        async let copyJobs = observe("backup:ListCopyJobs", resource: arn, region: policy.region) {
            try await keptCopyJobs(
                resourceARN: arn, windowStart: jobsSince, region: policy.region, now: started, log: jobLog)
        }
        let primaryListing = Self.listing(
            await cursors?(policy.vault, policy.region), windowStart: primaryPointsSince, region: policy.region,
            now: started)
        let drListing = Self.listing(
            await cursors?(policy.drVault, policy.drRegion), windowStart: drPointsSince, region: policy.drRegion,
            now: started)
        async let primaryPoints = observe(
            "backup:ListRecoveryPointsByBackupVault", resource: policy.vault, region: policy.region
        ) {
            try Self.recoveryPoints(
                try await backup.listRecoveryPointsByBackupVault(
                    vault: policy.vault, resourceARN: arn, createdAfter: primaryListing.since,
                    region: policy.region),
                vault: policy.vault, region: policy.region)
        }
        async let drPoints = observe(
            "backup:ListRecoveryPointsByBackupVault", resource: policy.drVault, region: policy.drRegion
        ) {
            try Self.recoveryPoints(
                try await backup.listRecoveryPointsByBackupVault(
                    vault: policy.drVault, resourceARN: arn, createdAfter: drListing.since,
                    region: policy.drRegion),
                vault: policy.drVault, region: policy.drRegion)
        }
        async let primaryRestores = observe("backup:ListRestoreJobs", resource: nil, region: policy.region) {
            try Self.restoreJobs(
                try await backup.listRestoreJobs(createdAfter: restoresSince, region: policy.region),
                region: policy.region)
        }
        async let drRestores = observe("backup:ListRestoreJobs", resource: nil, region: policy.drRegion) {
            try Self.restoreJobs(
                try await backup.listRestoreJobs(createdAfter: restoresSince, region: policy.drRegion),
                region: policy.drRegion)
        }

        let copies = await copyJobs
        let observation = BackupObservation(
            plans: await plans, jobs: await jobs, copyJobs: copies,
            recoveryPoints: [
                policy.vault: await primaryPoints,
                policy.drVault: Self.linkingSources(await drPoints, copyJobs: copies.value ?? []),
            ],
            restoreJobs: [policy.region: await primaryRestores, policy.drRegion: await drRestores],
            primaryVault: policy.vault, drVault: policy.drVault, resourceARN: arn,
            listings: [policy.vault: primaryListing, policy.drVault: drListing])
        let finished = now()
        let success =
            observation.plans.value != nil && observation.jobs.value != nil && observation.copyJobs.value != nil
            && observation.recoveryPoints.values.allSatisfy { $0.value != nil }
            && observation.restoreJobs.values.allSatisfy { $0.value != nil }
        let log = await jobLog.entries
        return Result(
            observation: observation, samples: Self.samples(observation, resourceARN: arn, at: finished),
            success: success, jobListings: log.listings, listedJobs: log.listed)
    }

    /// Every plan of the region with its rules and selections, so a missing promised plan can be
    /// reported with what exists instead. Any failed call makes the whole list unavailable.
    func plans(region: String) async throws -> [BackupPlan] {
        var plans: [BackupPlan] = []
        for summary in try await backup.listBackupPlans(region: region) {
            guard let id = summary.string("BackupPlanId") else {
                throw Self.malformed("ListBackupPlans", region: region, "a plan lacks BackupPlanId")
            }
            let answer = try await backup.getBackupPlan(
                id: id, versionID: summary.string("VersionId"), region: region)
            var selections: [Backup.Record] = []
            for listed in try await backup.listBackupSelections(planID: id, region: region) {
                guard let selectionID = listed.string("SelectionId") else {
                    throw Self.malformed("ListBackupSelections", region: region, "a selection lacks SelectionId")
                }
                selections.append(
                    try await backup.getBackupSelection(planID: id, selectionID: selectionID, region: region))
            }
            plans.append(try Self.plan(answer, selections: selections, region: region))
        }
        return plans
    }

    // MARK: - Translation (AWS answers → observations)

    /// A GetBackupPlan answer and the GetBackupSelection answers of its selections.
    static func plan(_ answer: Backup.Record, selections: [Backup.Record], region: String) throws -> BackupPlan {
        guard let id = answer.string("BackupPlanId"), let document = answer.record("BackupPlan") else {
            throw malformed("GetBackupPlan", region: region, "answer lacks BackupPlanId or BackupPlan")
        }
        // An absent DeleteAfterDays means "kept forever" (an answer); one that is not an integer
        // (1e300, "180") is unreadable and makes the plan UNKNOWN, not "never deleted".
        let rules = try document.readRecords("Rules", in: "BackupPlan").map { rule throws(UnreadableField) in
            BackupRule(
                name: rule.string("RuleName") ?? "",
                schedule: rule.string("ScheduleExpression"),
                targetVault: rule.string("TargetBackupVaultName") ?? "",
                deleteAfterDays: try rule.record("Lifecycle")?.readInt("DeleteAfterDays", in: "Rules.Lifecycle"),
                continuousBackup: try rule.readBool("EnableContinuousBackup", in: "Rules") ?? false,
                copyActions: try rule.readRecords("CopyActions", in: "Rules").map { action throws(UnreadableField) in
                    BackupRule.CopyAction(
                        destinationVaultARN: action.string("DestinationBackupVaultArn") ?? "",
                        deleteAfterDays: try action.record("Lifecycle")?.readInt(
                            "DeleteAfterDays", in: "CopyActions.Lifecycle"))
                },
                startWindowMinutes: try rule.readInt("StartWindowMinutes", in: "Rules"),
                completionWindowMinutes: try rule.readInt("CompletionWindowMinutes", in: "Rules"),
                scheduleTimeZone: rule.string("ScheduleExpressionTimezone"))
        }
        return BackupPlan(
            id: id, name: document.string("BackupPlanName") ?? "", rules: rules,
            selections: try selections.map { answer throws(UnreadableField) in
                let selection = answer.record("BackupSelection")
                return BackupSelection(
                    name: selection?.string("SelectionName") ?? answer.string("SelectionId") ?? "",
                    resources: try selection?.readStrings("Resources", in: "BackupSelection") ?? [])
            })
    }

    static func backupJobs(_ records: [Backup.Record], region: String) throws -> [BackupJob] {
        try records.enumerated().map { index, job in
            guard let id = job.string("BackupJobId"), let state = job.string("State"),
                let created = job.date("CreationDate")
            else {
                throw malformed(
                    "ListBackupJobs", region: region, "BackupJobs[\(index)] lacks BackupJobId, State or CreationDate")
            }
            return BackupJob(
                id: id, state: state, resourceARN: job.string("ResourceArn") ?? "",
                vault: job.string("BackupVaultName") ?? "", createdAt: created, completedAt: job.date("CompletionDate"),
                statusMessage: job.string("StatusMessage"))
        }
    }

    static func copyJobs(_ records: [Backup.Record], region: String) throws -> [CopyJob] {
        try records.enumerated().map { index, job in
            guard let id = job.string("CopyJobId"), let state = job.string("State"),
                let created = job.date("CreationDate")
            else {
                throw malformed(
                    "ListCopyJobs", region: region, "CopyJobs[\(index)] lacks CopyJobId, State or CreationDate")
            }
            return CopyJob(
                id: id, state: state, resourceARN: job.string("ResourceArn") ?? "",
                destinationVaultARN: job.string("DestinationBackupVaultArn") ?? "", createdAt: created,
                completedAt: job.date("CompletionDate"), statusMessage: job.string("StatusMessage"),
                sourceRecoveryPointARN: job.string("SourceRecoveryPointArn"),
                destinationRecoveryPointARN: job.string("DestinationRecoveryPointArn"))
        }
    }

    static func recoveryPoints(_ records: [Backup.Record], vault: String, region: String) throws -> [RecoveryPoint] {
        try records.enumerated().map { index, point in
            guard let arn = point.string("RecoveryPointArn"), let created = point.date("CreationDate") else {
                throw malformed(
                    "ListRecoveryPointsByBackupVault", region: region,
                    "RecoveryPoints[\(index)] lacks RecoveryPointArn or CreationDate")
            }
            return RecoveryPoint(
                arn: arn, vault: point.string("BackupVaultName") ?? vault,
                resourceARN: point.string("ResourceArn") ?? "",
                createdAt: created, status: point.string("Status") ?? "", completedAt: point.date("CompletionDate"),
                deleteAt: point.record("CalculatedLifecycle")?.date("DeleteAt"))
        }
    }

    /// Each DR point with the primary point it copies, from the copy job whose destination it is.
    static func linkingSources(_ points: Observed<[RecoveryPoint]>, copyJobs: [CopyJob]) -> Observed<[RecoveryPoint]> {
        guard case .value(var list) = points else { return points }
        let sources = Dictionary(
            copyJobs.compactMap { job in
                job.destinationRecoveryPointARN.flatMap { d in job.sourceRecoveryPointARN.map { (d, $0) } }
            }, uniquingKeysWith: { a, _ in a })
        for index in list.indices where list[index].sourceRecoveryPointARN == nil {
            list[index].sourceRecoveryPointARN = sources[list[index].arn]
        }
        return .value(list)
    }

    static func restoreJobs(_ records: [Backup.Record], region: String) throws -> [RestoreJob] {
        try records.enumerated().map { index, job in
            guard let id = job.string("RestoreJobId"), let created = job.date("CreationDate") else {
                throw malformed(
                    "ListRestoreJobs", region: region, "RestoreJobs[\(index)] lacks RestoreJobId or CreationDate")
            }
            return RestoreJob(
                id: id, status: job.string("Status") ?? "", createdAt: created, completedAt: job.date("CompletionDate"))
        }
    }

    static func malformed(_ action: String, region: String, _ message: String) -> AWSError {
        AWSError(
            kind: .decoding, service: "backup", action: action, region: region, code: "InvalidResponse",
            message: message)
    }

    // MARK: - Samples

    /// The measurements of one cycle: snapshot RPO per vault (age of its newest COMPLETED
    /// recovery point), age of the newest COMPLETED backup job, jobs by state, and the largest
    /// gap between consecutive COMPLETED recovery points per vault (from a full listing only).
    static func samples(_ observation: BackupObservation, resourceARN: String, at time: Date) -> [Sample] {
        var samples: [Sample] = []
        for (vault, observed) in observation.recoveryPoints.sorted(by: { $0.key < $1.key }) {
            guard let points = observed.value else { continue }
            let times = points.filter { $0.status == "COMPLETED" && $0.resourceARN == resourceARN }.map(\.createdAt)
                .sorted()
            if let newest = times.last {
                samples.append(
                    Sample(
                        series: .backupSnapshotRPOSeconds, labels: ["vault": vault], time: time,
                        value: time.timeIntervalSince(newest)))
            }
            // An incremental listing holds only the newest points: its largest gap says nothing
            // about the window (the coverage check reads the stored points instead).
            if times.count >= 2, observation.listings?[vault]?.mode ?? .full == .full {
                let gap = zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) }.max() ?? 0
                samples.append(
                    Sample(series: .backupLargestGapSeconds, labels: ["vault": vault], time: time, value: gap))
            }
        }
        if let jobs = observation.jobs.value {
            let mine = jobs.filter { $0.resourceARN == resourceARN }
            if let newest = mine.filter({ $0.state == "COMPLETED" }).map(\.createdAt).max() {
                samples.append(
                    Sample(series: .backupNewestJobAgeSeconds, time: time, value: time.timeIntervalSince(newest)))
            }
            let counts = Dictionary(grouping: mine, by: \.state).mapValues(\.count)
            for (state, count) in counts.sorted(by: { $0.key < $1.key }) {
                samples.append(
                    Sample(series: .backupJobs, labels: ["state": state], time: time, value: Double(count)))
            }
        }
        return samples
    }
}

extension BackupCollector: Collector {
    public var name: String { "backup" }
    public var families: Set<CheckFamily> { [.backupJobs] }

    public func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected {
        guard let promise = policy.backup else { return .notConfigured }
        let result = await collect(promise, at: time)
        let observation = result.observation
        return Collected(samples: result.samples, success: result.success) { $0.backup = observation }
    }
}
