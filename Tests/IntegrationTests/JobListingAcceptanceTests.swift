import Foundation
import MnemondAWS
import MnemondChecks
import MnemondCollect
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// Backup and copy jobs kept in the store and listed incrementally, against the simulated estate
/// pinned at one instant: the observation of an incremental cycle is the one a full listing gives
/// at the same time (and so are the findings), with far fewer jobs asked of AWS; a job unsettled
/// at one cycle is seen with its final state at the next; the daily full listing drops what AWS no
/// longer lists; a store that cannot be read or written makes the cycle list the window in full.
@Suite(.serialized, .timeLimit(.minutes(15))) struct JobListingAcceptanceTests {
    static let now = LedgerAcceptanceTests.at(25, 14)
    static let backup = BackupCollectorTests.backup
    static let policy = BackupCollectorTests.policy
    static let arn = backup.resourceARN

    struct Collected {
        var result: BackupCollector.Result
        var findings: [Finding]
        var backupCalls: Int
        var observation: BackupObservation { result.observation }
        func mode(_ kind: JobKind) -> RecoveryPointListing.Mode? { result.jobListings[kind]?.mode }
        func job(_ id: String) -> BackupJob? { observation.jobs.value?.first { $0.id == id } }
        func copyJob(_ id: String) -> CopyJob? { observation.copyJobs.value?.first { $0.id == id } }
    }

    /// One backup collection at `time` (jobs kept in `ledger`; nil: listed in full as before the
    /// store kept them) and every check of the catalog evaluated on it.
    static func collect(_ simulator: AWSSimulator, at time: Date, ledger: (any JobLedger)?) async -> Collected {
        let client = BackupCollectorTests.client(simulator)
        let result = await BackupCollector(client: client, now: { time }, jobs: ledger).collect(backup, at: time)
        let calls = await client.calls.reset()["backup"] ?? 0
        let findings = Catalog.evaluate(policy, Observations(collectedAt: time, backup: result.observation), now: time)
        return Collected(result: result, findings: findings, backupCalls: calls)
    }

    /// The incremental collection equals a full one at the same instant: observation and findings.
    static func expectSameAsFull(_ kept: Collected, _ simulator: AWSSimulator, at time: Date) async {
        let full = await collect(simulator, at: time, ledger: nil)
        #expect(full.mode(.backup) == .full)
        #expect(kept.observation.jobs.value?.isEmpty == false)
        #expect(kept.observation.copyJobs.value?.isEmpty == false)
        #expect(kept.observation.jobs == full.observation.jobs)
        #expect(kept.observation.copyJobs == full.observation.copyJobs)
        #expect(kept.observation == full.observation)
        #expect(kept.findings == full.findings)
        #expect(kept.result.samples == full.result.samples)
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func backupJob(_ id: String, created: Date, state: String, completed: Date? = nil) -> [String: Any] {
        var job: [String: Any] = [
            "BackupJobId": id, "BackupVaultName": backup.vault, "ResourceArn": arn, "ResourceType": "RDS",
            "CreationDate": iso(created), "State": state, "PercentDone": state == "RUNNING" ? "40.0" : "100.0",
        ]
        if let completed { job["CompletionDate"] = iso(completed) }
        if state == "FAILED" { job["StatusMessage"] = "The DB instance was in an incompatible state." }
        return job
    }

    static func copyJob(_ id: String, created: Date, state: String, completed: Date? = nil) -> [String: Any] {
        var job: [String: Any] = [
            "CopyJobId": id, "ResourceArn": arn, "ResourceType": "RDS",
            "DestinationBackupVaultArn": backup.drVaultARN(account: policy.accountID), "CreationDate": iso(created),
            "State": state,
        ]
        if let completed { job["CompletionDate"] = iso(completed) }
        if state == "FAILED" { job["StatusMessage"] = "Copy job failed: access denied to the destination vault's key." }
        return job
    }

    @Test func anIncrementalCycleObservesWhatAFullListingDoesWithFarFewerJobsListed() async throws {
        let simulator = try await AWSSimulator.start(state: .target, now: Self.now)
        defer { Task { await simulator.stop() } }
        let store = try Store.temporary()

        let first = await Self.collect(simulator, at: Self.now, ledger: store)
        #expect(first.mode(.backup) == .full)
        #expect(first.mode(.copy) == .full)
        let later = Self.now.addingTimeInterval(300)
        let second = await Self.collect(simulator, at: later, ledger: store)
        #expect(second.mode(.backup) == .incremental)
        #expect(second.mode(.copy) == .incremental)
        // From the newest job (12:00) less a day.
        #expect(second.result.jobListings[.backup]?.since == LedgerAcceptanceTests.at(24, 12))
        let firstListed = first.result.listedJobs.values.reduce(0, +)
        let secondListed = second.result.listedJobs.values.reduce(0, +)
        #expect(firstListed > 1000)
        #expect(secondListed <= 12)
        #expect(second.backupCalls <= first.backupCalls)
        await Self.expectSameAsFull(second, simulator, at: later)
        let cursor = try await store.jobCursor(.backup, resourceARN: Self.arn, region: Self.backup.region)
        #expect(cursor?.lastFullAt == Self.now)
        print(
            "jobs listed per cycle: full \(first.result.listedJobs) in \(first.backupCalls) backup calls, incremental "
                + "\(second.result.listedJobs) in \(second.backupCalls) backup calls")
    }

    /// A backup job RUNNING for 30 h (older than the overlap) and a copy job RUNNING for 1 h at the
    /// first cycle; by the next the backup job COMPLETED and the copy FAILED: both are listed again
    /// and observed in their final state, and the copy check turns as a full listing makes it.
    @Test func aJobUnsettledAtOneCycleIsSeenWithItsFinalStateAtTheNext() async throws {
        let simulator = try await AWSSimulator.start(state: .target, now: Self.now)
        defer { Task { await simulator.stop() } }
        let region = Self.backup.region
        let backupCreated = Self.now.addingTimeInterval(-30 * 3600)
        let copyCreated = Self.now.addingTimeInterval(-3600)
        try await simulator.control(
            "_sim/backup/jobs",
            ["region": region, "jobs": [Self.backupJob("SLOW-JOB", created: backupCreated, state: "RUNNING")]])
        try await simulator.control(
            "_sim/backup/copy-jobs",
            ["region": region, "copy_jobs": [Self.copyJob("SLOW-COPY", created: copyCreated, state: "RUNNING")]])
        let store = try Store.temporary()

        let first = await Self.collect(simulator, at: Self.now, ledger: store)
        #expect(first.job("SLOW-JOB")?.state == "RUNNING")
        #expect(first.copyJob("SLOW-COPY")?.state == "RUNNING")
        #expect(first.findings.first { $0.check == "backup.copy" }?.state == .ok)
        let cursor = try await store.jobCursor(.backup, resourceARN: Self.arn, region: region)
        #expect(cursor?.oldestUnsettledCreatedAt == backupCreated)

        for kind in ["jobs", "copy-jobs"] {
            let deleted = try await simulator.control(
                "_sim/backup/delete", ["region": region, "kind": kind, "state": "RUNNING"])
            #expect(deleted["deleted"] as? Int == 1)
        }
        try await simulator.control(
            "_sim/backup/jobs",
            [
                "region": region,
                "jobs": [
                    Self.backupJob(
                        "SLOW-JOB", created: backupCreated, state: "COMPLETED",
                        completed: Self.now.addingTimeInterval(60))
                ],
            ])
        try await simulator.control(
            "_sim/backup/copy-jobs",
            [
                "region": region,
                "copy_jobs": [
                    Self.copyJob(
                        "SLOW-COPY", created: copyCreated, state: "FAILED", completed: Self.now.addingTimeInterval(60))
                ],
            ])

        let later = Self.now.addingTimeInterval(300)
        let second = await Self.collect(simulator, at: later, ledger: store)
        #expect(second.mode(.backup) == .incremental)
        #expect(second.mode(.copy) == .incremental)
        // The unsettled job pulled the listing back before its creation, past the day of overlap.
        #expect(second.result.jobListings[.backup]?.since == backupCreated.addingTimeInterval(-1))
        #expect(second.job("SLOW-JOB")?.state == "COMPLETED")
        #expect(second.copyJob("SLOW-COPY")?.state == "FAILED")
        #expect(second.findings.first { $0.check == "backup.copy" }?.state == .warning)
        await Self.expectSameAsFull(second, simulator, at: later)
        #expect(
            try await store.jobCursor(.backup, resourceARN: Self.arn, region: region)?.oldestUnsettledCreatedAt == nil)
    }

    /// Jobs of 100 days ago vanish from AWS's list: an incremental listing does not reach back that
    /// far, so the store's copy still holds them until the daily full listing, which drops them.
    @Test func theDailyFullListingDropsJobsAWSNoLongerLists() async throws {
        let simulator = try await AWSSimulator.start(state: .target, now: Self.now)
        defer { Task { await simulator.stop() } }
        let region = Self.backup.region
        let store = try Store.temporary()
        let first = await Self.collect(simulator, at: Self.now, ledger: store)
        let gone = (first.observation.jobs.value ?? []).filter {
            $0.createdAt > Self.now.addingTimeInterval(-100 * 86_400)
                && $0.createdAt < Self.now.addingTimeInterval(-99 * 86_400)
        }
        #expect(gone.count == 4)
        let deleted = try await simulator.control(
            "_sim/backup/delete",
            [
                "region": region, "kind": "jobs", "created_after": Self.iso(Self.now.addingTimeInterval(-100 * 86_400)),
                "created_before": Self.iso(Self.now.addingTimeInterval(-99 * 86_400)),
            ])
        #expect(deleted["deleted"] as? Int == gone.count)

        let incremental = await Self.collect(simulator, at: Self.now.addingTimeInterval(300), ledger: store)
        #expect(incremental.mode(.backup) == .incremental)
        #expect(gone.allSatisfy { job in incremental.job(job.id) != nil })

        let nextDay = Self.now.addingTimeInterval(86_400)
        let reconciled = await Self.collect(simulator, at: nextDay, ledger: store)
        #expect(reconciled.mode(.backup) == .full)
        #expect(gone.allSatisfy { job in reconciled.job(job.id) == nil })
        await Self.expectSameAsFull(reconciled, simulator, at: nextDay)
        #expect(try await store.jobCursor(.backup, resourceARN: Self.arn, region: region)?.lastFullAt == nextDay)
        // And the cycle after the reconciliation is incremental again, still without them.
        let after = await Self.collect(simulator, at: nextDay.addingTimeInterval(300), ledger: store)
        #expect(after.mode(.backup) == .incremental)
        await Self.expectSameAsFull(after, simulator, at: nextDay.addingTimeInterval(300))
    }

    /// The store, failing as asked: its cursor cannot be read, or a listing cannot be merged.
    struct FailingLedger: JobLedger {
        let store: Store
        let readFails: Bool
        let writeFails: Bool
        struct Failure: Error {}

        func jobCursor(_ kind: JobKind, resourceARN: String, region: String) async throws -> JobCursor? {
            if readFails { throw Failure() }
            return try await store.jobCursor(kind, resourceARN: resourceARN, region: region)
        }
        func keepBackupJobs(_ jobs: [BackupJob], listing: JobListing, at time: Date) async throws -> [BackupJob] {
            if writeFails { throw Failure() }
            return try await store.keepBackupJobs(jobs, listing: listing, at: time)
        }
        func keepCopyJobs(_ jobs: [CopyJob], listing: JobListing, at time: Date) async throws -> [CopyJob] {
            if writeFails { throw Failure() }
            return try await store.keepCopyJobs(jobs, listing: listing, at: time)
        }
    }

    @Test func aStoreThatCannotBeReadOrWrittenMakesTheCycleListInFull() async throws {
        let simulator = try await AWSSimulator.start(state: .target, now: Self.now)
        defer { Task { await simulator.stop() } }
        let store = try Store.temporary()
        let first = await Self.collect(simulator, at: Self.now, ledger: store)
        let full = first.result.listedJobs

        // The cursor cannot be read: a full listing, as on an empty store.
        let unread = Self.now.addingTimeInterval(300)
        let blind = await Self.collect(
            simulator, at: unread, ledger: FailingLedger(store: store, readFails: true, writeFails: false))
        #expect(blind.mode(.backup) == .full)
        #expect(blind.mode(.copy) == .full)
        #expect(blind.result.listedJobs == full)
        await Self.expectSameAsFull(blind, simulator, at: unread)

        // The cursor is read but the merge fails: the incremental listing alone is not the window,
        // so the window is listed again in full.
        let unwritten = Self.now.addingTimeInterval(600)
        let fallback = await Self.collect(
            simulator, at: unwritten, ledger: FailingLedger(store: store, readFails: false, writeFails: true))
        #expect(fallback.mode(.backup) == .full)
        #expect(fallback.mode(.copy) == .full)
        #expect((fallback.result.listedJobs[.backup] ?? 0) > full[.backup] ?? 0)
        await Self.expectSameAsFull(fallback, simulator, at: unwritten)
    }

    /// The daemon's wiring: the first cycle lists the jobs in full and keeps them, the next lists
    /// incrementally, and the job and copy findings are those of a cycle on an empty store.
    @Test func theDaemonKeepsTheJobsBetweenCycles() async throws {
        let simulator = try await AWSSimulator.start(state: .target, faults: ["failed-copy-job"], now: Self.now)
        defer { Task { await simulator.stop() } }
        let db = temporaryDirectory().appendingPathComponent("m.sqlite").path
        let first = try await LedgerAcceptanceTests.cycle(simulator, now: Self.now, dbPath: db)
        let later = Self.now.addingTimeInterval(300)
        let kept = try await LedgerAcceptanceTests.cycle(simulator, now: later, dbPath: db)
        let fresh = try await LedgerAcceptanceTests.cycle(simulator, now: later)
        let store = try Store.open(path: db)
        let cursor = try await store.jobCursor(.copy, resourceARN: Self.arn, region: Self.backup.region)
        #expect(cursor?.lastFullAt == Self.now, "the second cycle did not list the copy jobs in full")
        #expect(cursor?.newestCreatedAt == Self.now.addingTimeInterval(-3600))
        let jobFindings = [
            "backup.job_freshness eks-mnemonica-prod", "backup.job_failures eks-mnemonica-prod",
            "backup.copy eks-mnemonica-prod-vault-dr", "backup.absence eks-mnemonica-prod",
            "backup.dr_pairing eks-mnemonica-prod-vault-dr",
        ]
        for id in jobFindings {
            #expect(kept.findings[id] != nil, "\(id)")
            #expect(kept.findings[id] == fresh.findings[id], "\(id)")
        }
        #expect(kept.findings["backup.copy eks-mnemonica-prod-vault-dr"]?.state == .warning)
        #expect(first.findings["backup.copy eks-mnemonica-prod-vault-dr"] != nil)
        print(
            "daemon cycle api calls: first \(first.apiCalls) (backup \(first.backupCalls)), kept \(kept.apiCalls) (backup \(kept.backupCalls))"
        )
    }
}
