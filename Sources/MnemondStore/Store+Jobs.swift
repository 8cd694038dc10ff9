import Foundation
import GRDB
import MnemondModel

/// The backup and copy jobs of the protected resource as AWS Backup last listed them (`jobs`), so
/// a cycle asks AWS only for what is new and still shows the checks the whole window.
extension Store: JobLedger {
    /// One job of either kind, as a row.
    struct JobRow {
        var id: String
        var state: String
        var resourceARN: String
        var vault: String
        var createdAt: Date
        var completedAt: Date?
        var statusMessage: String?
        var sourcePointARN: String?
        var destinationPointARN: String?
    }

    public func keepBackupJobs(_ jobs: [BackupJob], listing: JobListing, at time: Date) async throws(StoreError)
        -> [BackupJob]
    {
        try await keep(
            jobs.map {
                JobRow(
                    id: $0.id, state: $0.state, resourceARN: $0.resourceARN, vault: $0.vault, createdAt: $0.createdAt,
                    completedAt: $0.completedAt, statusMessage: $0.statusMessage)
            }, listing: listing, at: time
        ).map {
            BackupJob(
                id: $0.id, state: $0.state, resourceARN: $0.resourceARN, vault: $0.vault, createdAt: $0.createdAt,
                completedAt: $0.completedAt, statusMessage: $0.statusMessage)
        }
    }

    public func keepCopyJobs(_ jobs: [CopyJob], listing: JobListing, at time: Date) async throws(StoreError)
        -> [CopyJob]
    {
        try await keep(
            jobs.map {
                JobRow(
                    id: $0.id, state: $0.state, resourceARN: $0.resourceARN, vault: $0.destinationVaultARN,
                    createdAt: $0.createdAt, completedAt: $0.completedAt, statusMessage: $0.statusMessage,
                    sourcePointARN: $0.sourceRecoveryPointARN, destinationPointARN: $0.destinationRecoveryPointARN)
            }, listing: listing, at: time
        ).map {
            CopyJob(
                id: $0.id, state: $0.state, resourceARN: $0.resourceARN, destinationVaultARN: $0.vault,
                createdAt: $0.createdAt, completedAt: $0.completedAt, statusMessage: $0.statusMessage,
                sourceRecoveryPointARN: $0.sourcePointARN, destinationRecoveryPointARN: $0.destinationPointARN)
        }
    }

    /// Merges one listing in one transaction and answers the kept jobs of its window, newest first.
    /// The listing is the whole truth about the jobs created after its `since`: kept jobs of that
    /// range it does not show are deleted (a full listing's range is the window; jobs older than
    /// the window are deleted too). Every listed job is inserted or updated.
    func keep(_ jobs: [JobRow], listing: JobListing, at time: Date) async throws(StoreError) -> [JobRow] {
        let scopeKey = [listing.kind.rawValue, listing.resourceARN, listing.region]
        let scope = "kind = ? AND listed_for = ? AND region = ?"
        do {
            return try await pool.write { db in
                let key: [any DatabaseValueConvertible] = scopeKey
                let ts = time.millis
                try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS listed_jobs (id TEXT PRIMARY KEY) WITHOUT ROWID")
                try db.execute(sql: "DELETE FROM listed_jobs")
                for job in jobs {
                    try db.cachedStatement(sql: "INSERT OR IGNORE INTO listed_jobs (id) VALUES (?)")
                        .execute(arguments: [job.id])
                }
                let range = listing.mode == .full ? "" : " AND created_at > ?"
                try db.execute(
                    sql: "DELETE FROM jobs WHERE \(scope)\(range) AND job_id NOT IN (SELECT id FROM listed_jobs)",
                    arguments: StatementArguments(key + (listing.mode == .full ? [] : [listing.since.millis])))
                try db.execute(sql: "DELETE FROM listed_jobs")
                try db.execute(
                    sql: "DELETE FROM jobs WHERE \(scope) AND created_at <= ?",
                    arguments: StatementArguments(key + [listing.windowStart.millis]))
                for job in jobs {
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO jobs (kind, region, job_id, listed_for, resource_arn, state, vault, created_at,
                                completed_at, status_message, source_point_arn, destination_point_arn, first_seen,
                                last_seen)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (kind, region, job_id) DO UPDATE SET
                                listed_for = excluded.listed_for, resource_arn = excluded.resource_arn,
                                state = excluded.state, vault = excluded.vault, created_at = excluded.created_at,
                                completed_at = excluded.completed_at, status_message = excluded.status_message,
                                source_point_arn = excluded.source_point_arn,
                                destination_point_arn = excluded.destination_point_arn, last_seen = excluded.last_seen
                            """
                    ).execute(arguments: [
                        listing.kind.rawValue, listing.region, job.id, listing.resourceARN, job.resourceARN, job.state,
                        job.vault, job.createdAt.millis, job.completedAt?.millis, job.statusMessage,
                        job.sourcePointARN, job.destinationPointARN, ts, ts,
                    ])
                }
                let full = listing.mode == .full
                try db.execute(
                    sql: """
                        INSERT INTO job_listings (kind, listed_for, region, last_listed_at, last_full_at, full_since)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (kind, listed_for, region) DO UPDATE SET
                            last_listed_at = excluded.last_listed_at,
                            last_full_at = COALESCE(excluded.last_full_at, last_full_at),
                            full_since = COALESCE(excluded.full_since, full_since)
                        """,
                    arguments: StatementArguments(
                        key + [ts, full ? ts : nil, full ? listing.windowStart.millis : nil]))
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT job_id, resource_arn, state, vault, created_at, completed_at, status_message,
                            source_point_arn, destination_point_arn
                        FROM jobs WHERE \(scope) AND created_at > ? ORDER BY created_at DESC, job_id
                        """,
                    arguments: StatementArguments(key + [listing.windowStart.millis])
                ).map { row in
                    let completed: Int64? = row["completed_at"]
                    return JobRow(
                        id: row["job_id"], state: row["state"], resourceARN: row["resource_arn"], vault: row["vault"],
                        createdAt: Date(millis: row["created_at"]), completedAt: completed.map(Date.init(millis:)),
                        statusMessage: row["status_message"], sourcePointARN: row["source_point_arn"],
                        destinationPointARN: row["destination_point_arn"])
                }
            }
        } catch {
            throw StoreError(
                path: path, operation: "store \(listing.kind.rawValue) jobs of \(listing.resourceARN)",
                message: "\(error)")
        }
    }

    /// Where the next listing of the resource's jobs of `kind` starts (nil: never listed).
    public func jobCursor(_ kind: JobKind, resourceARN: String, region: String) async throws(StoreError)
        -> JobCursor?
    {
        let scopeKey = [kind.rawValue, resourceARN, region]
        let scope = "kind = ? AND listed_for = ? AND region = ?"
        do {
            return try await pool.read { db in
                let key: [any DatabaseValueConvertible] = scopeKey
                guard
                    let listed = try Row.fetchOne(
                        db, sql: "SELECT last_full_at, full_since FROM job_listings WHERE \(scope)",
                        arguments: StatementArguments(key))
                else { return nil }
                let newest = try Int64.fetchOne(
                    db, sql: "SELECT MAX(created_at) FROM jobs WHERE \(scope)", arguments: StatementArguments(key))
                let settled = kind.settledStates.sorted()
                let unsettled = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT MIN(created_at) FROM jobs WHERE \(scope)
                        AND state NOT IN (\(settled.map { _ in "?" }.joined(separator: ", ")))
                        """,
                    arguments: StatementArguments(key + settled))
                let lastFull: Int64? = listed["last_full_at"]
                let fullSince: Int64? = listed["full_since"]
                return JobCursor(
                    newestCreatedAt: newest.map(Date.init(millis:)),
                    oldestUnsettledCreatedAt: unsettled.map(Date.init(millis:)),
                    lastFullAt: lastFull.map(Date.init(millis:)), fullSince: fullSince.map(Date.init(millis:)))
            }
        } catch {
            throw StoreError(
                path: path, operation: "read the \(kind.rawValue) job cursor of \(resourceARN)", message: "\(error)")
        }
    }
}
