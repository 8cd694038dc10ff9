import Foundation
import MnemondAWS
import MnemondModel

/// Backup and copy jobs, listed incrementally against the store's copy (`JobLedger`): a cycle asks
/// AWS for the jobs created since the newest kept one less `listingOverlap` (earlier when a kept
/// job is still unsettled, so its final state is seen), merges them into the store, and observes
/// every kept job of the window — what a full listing shows. Once every `reconcileInterval`, with
/// no cursor, or when the store cannot be read or written, the window is listed in full (the store
/// then drops the jobs AWS no longer lists).
extension BackupCollector {
    /// Full or incremental, and from when: full with no cursor, no full listing yet, the last one
    /// `reconcileInterval` ago or over a shorter window than today's (the retention grew);
    /// otherwise from the newest kept creation (the last full listing when none is kept) less the
    /// overlap, and no later than the oldest unsettled job's creation, never before the window.
    /// Times are whole seconds, as ByCreatedAfter is sent (and AWS lists what was created after it).
    public static func jobListing(
        _ kind: JobKind, _ cursor: JobCursor?, windowStart: Date, resourceARN: String, region: String, now: Date
    ) -> JobListing {
        func seconds(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
        let start = seconds(windowStart)
        func listing(_ mode: RecoveryPointListing.Mode, since: Date) -> JobListing {
            JobListing(
                kind: kind, mode: mode, since: since, windowStart: start, resourceARN: resourceARN, region: region)
        }
        guard let cursor, let lastFull = cursor.lastFullAt, lastFull <= now,
            now.timeIntervalSince(lastFull) < reconcileInterval, let fullSince = cursor.fullSince, fullSince <= start
        else { return listing(.full, since: start) }
        var since = (cursor.newestCreatedAt ?? lastFull).addingTimeInterval(-listingOverlap)
        // ByCreatedAfter is exclusive: one second before the unsettled job so it is listed again.
        if let unsettled = cursor.oldestUnsettledCreatedAt { since = min(since, unsettled.addingTimeInterval(-1)) }
        return listing(.incremental, since: max(seconds(since), start))
    }

    func keptBackupJobs(resourceARN: String, windowStart: Date, region: String, now: Date, log: JobLog)
        async throws -> [BackupJob]
    {
        try await kept(
            .backup, resourceARN: resourceARN, windowStart: windowStart, region: region, now: now, log: log,
            list: { since in
                try Self.backupJobs(
                    try await backup.listBackupJobs(resourceARN: resourceARN, createdAfter: since, region: region),
                    region: region)
            },
            keep: { ledger, jobs, listing in try await ledger.keepBackupJobs(jobs, listing: listing, at: now) })
    }

    func keptCopyJobs(resourceARN: String, windowStart: Date, region: String, now: Date, log: JobLog)
        async throws -> [CopyJob]
    {
        try await kept(
            .copy, resourceARN: resourceARN, windowStart: windowStart, region: region, now: now, log: log,
            list: { since in
                try Self.copyJobs(
                    try await backup.listCopyJobs(resourceARN: resourceARN, createdAfter: since, region: region),
                    region: region)
            },
            keep: { ledger, jobs, listing in try await ledger.keepCopyJobs(jobs, listing: listing, at: now) })
    }

    /// One kind's jobs of the window, newest first (then by id), however they were listed. An AWS
    /// failure or an unreadable answer throws (the field is unavailable; nothing is stored); a
    /// store failure after an incremental listing makes the window listed in full.
    func kept<Job: ListedJob>(
        _ kind: JobKind, resourceARN: String, windowStart: Date, region: String, now: Date, log: JobLog,
        list: (Date) async throws -> [Job], keep: (any JobLedger, [Job], JobListing) async throws -> [Job]
    ) async throws -> [Job] {
        let cursor = try? await jobLedger?.jobCursor(kind, resourceARN: resourceARN, region: region)
        let listing = Self.jobListing(
            kind, cursor, windowStart: windowStart, resourceARN: resourceARN, region: region, now: now)
        let listed = try await list(listing.since)
        await log.record(listing, listed: listed.count)
        if let ledger = jobLedger {
            let kept = try? await keep(ledger, listed, listing)
            if listing.mode == .incremental {
                if let kept { return kept }
                return try await fullFallback(
                    kind, fullListing: listing, log: log, list: list,
                    keep: { jobs, full in try? await keep(ledger, jobs, full) }
                )
            }
        }
        return Self.newestFirst(listed)
    }

    /// The fallback of a failed merge: the whole window from AWS, stored again if the store allows.
    private func fullFallback<Job: ListedJob>(
        _ kind: JobKind, fullListing incremental: JobListing, log: JobLog, list: (Date) async throws -> [Job],
        keep: ([Job], JobListing) async -> [Job]?
    ) async throws -> [Job] {
        var full = incremental
        full.mode = .full
        full.since = incremental.windowStart
        let listed = try await list(full.since)
        await log.record(full, listed: listed.count)
        _ = await keep(listed, full)
        return Self.newestFirst(listed)
    }

    /// The order the store answers in, so a full and an incremental listing observe the same list.
    static func newestFirst<Job: ListedJob>(_ jobs: [Job]) -> [Job] {
        jobs.sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id < $1.id }
    }
}

/// A job of either kind, for the shared listing code.
protocol ListedJob: Sendable {
    var id: String { get }
    var createdAt: Date { get }
}

extension BackupJob: ListedJob {}
extension CopyJob: ListedJob {}

/// How each kind of job was listed in one collection (the last listing wins: a fallback to a full
/// listing replaces the incremental one; the counts add up).
actor JobLog {
    private(set) var listings: [JobKind: JobListing] = [:]
    private(set) var listed: [JobKind: Int] = [:]

    func record(_ listing: JobListing, listed count: Int) {
        listings[listing.kind] = listing
        listed[listing.kind, default: 0] += count
    }

    var entries: (listings: [JobKind: JobListing], listed: [JobKind: Int]) { (listings, listed) }
}
