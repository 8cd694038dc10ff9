import Foundation
import MnemondAWS
import MnemondModel

/// Fetches what AWS Backup shows for the guide's Phase 6 (plans with rules and selections, backup
/// and copy jobs, the recovery points of both vaults, restore jobs of both regions) and translates
/// the JSON answers into a `BackupObservation`. Each call that fails leaves its own field
/// `.unavailable`; the collector never decides whether what it saw is right.
public struct BackupCollector: Sendable {
    let backup: Backup
    let now: @Sendable () -> Date

    public init(client: AWSClient, now: @escaping @Sendable () -> Date = Date.init) {
        self.backup = Backup(client: client)
        self.now = now
    }

    public struct Result: Sendable {
        public var observation: BackupObservation
        public var samples: [Sample]
        /// Every call answered.
        public var success: Bool
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
        async let jobs = observe("backup:ListBackupJobs", resource: arn, region: policy.region) {
            try Self.backupJobs(
                try await backup.listBackupJobs(resourceARN: arn, createdAfter: jobsSince, region: policy.region),
                region: policy.region)
        }
        async let copyJobs = observe("backup:ListCopyJobs", resource: arn, region: policy.region) {
            try Self.copyJobs(
                try await backup.listCopyJobs(resourceARN: arn, createdAfter: jobsSince, region: policy.region),
                region: policy.region)
        }
        async let primaryPoints = observe(
            "backup:ListRecoveryPointsByBackupVault", resource: policy.vault, region: policy.region
        ) {
            try Self.recoveryPoints(
                try await backup.listRecoveryPointsByBackupVault(
                    vault: policy.vault, resourceARN: arn, createdAfter: primaryPointsSince,
                    region: policy.region),
                vault: policy.vault, region: policy.region)
        }
        async let drPoints = observe(
            "backup:ListRecoveryPointsByBackupVault", resource: policy.drVault, region: policy.drRegion
        ) {
            try Self.recoveryPoints(
                try await backup.listRecoveryPointsByBackupVault(
                    vault: policy.drVault, resourceARN: arn, createdAfter: drPointsSince,
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

        let observation = BackupObservation(
            plans: await plans, jobs: await jobs, copyJobs: await copyJobs,
            recoveryPoints: [policy.vault: await primaryPoints, policy.drVault: await drPoints],
            restoreJobs: [policy.region: await primaryRestores, policy.drRegion: await drRestores],
            primaryVault: policy.vault, drVault: policy.drVault, resourceARN: arn)
        let finished = now()
        let success =
            observation.plans.value != nil && observation.jobs.value != nil && observation.copyJobs.value != nil
            && observation.recoveryPoints.values.allSatisfy { $0.value != nil }
            && observation.restoreJobs.values.allSatisfy { $0.value != nil }
        return Result(
            observation: observation, samples: Self.samples(observation, resourceARN: arn, at: finished),
            success: success)
    }

    /// Every plan of the region with its rules and selections, so a missing promised plan can be
    /// reported with what exists instead. Any failed call makes the whole list unavailable.
    func plans(region: String) async throws -> [BackupPlan] {
        var plans: [BackupPlan] = []
        for summary in try await backup.listBackupPlans(region: region) {
            guard let id = summary.string("BackupPlanId") else {
                throw Self.malformed("ListBackupPlans", region: region, "a plan lacks BackupPlanId")
            }
            let answer = try await backup.getBackupPlan(id: id, region: region)
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
    /// gap between consecutive COMPLETED recovery points per vault.
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
            if times.count >= 2 {
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
