import Foundation
import GRDB
import MnemondModel

/// The recovery points of both vaults as AWS Backup last listed them (`recovery_points`), so a
/// cycle asks AWS only for what is new and the checks read the retention window from here.
extension Store {
    /// Merges one listing of one vault, in one transaction: every listed point is inserted or
    /// updated (a copy's source, once known, is kept when a later listing cannot name it); a `full`
    /// listing also deletes the vault's points it did not show — they no longer exist.
    public func applyRecoveryPointListing(
        vault: String, listing: RecoveryPointListing, points: [RecoveryPoint], at time: Date
    ) async throws(StoreError) {
        do {
            try await pool.write { db in
                let ts = time.millis
                if listing.mode == .full {
                    try db.execute(
                        sql: "CREATE TEMP TABLE IF NOT EXISTS listed_points (arn TEXT PRIMARY KEY) WITHOUT ROWID")
                    try db.execute(sql: "DELETE FROM listed_points")
                    for point in points {
                        try db.cachedStatement(sql: "INSERT OR IGNORE INTO listed_points (arn) VALUES (?)")
                            .execute(arguments: [point.arn])
                    }
                    try db.execute(
                        sql: """
                            DELETE FROM recovery_points WHERE vault = ? AND region = ?
                            AND arn NOT IN (SELECT arn FROM listed_points)
                            """,
                        arguments: [vault, listing.region])
                    try db.execute(sql: "DELETE FROM listed_points")
                }
                for point in points {
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO recovery_points (vault, region, arn, resource_arn, created_at, completed_at,
                                status, delete_at, source_point_arn, first_seen, last_seen)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (vault, region, arn) DO UPDATE SET
                                resource_arn = excluded.resource_arn, created_at = excluded.created_at,
                                completed_at = excluded.completed_at, status = excluded.status,
                                delete_at = excluded.delete_at,
                                source_point_arn = COALESCE(excluded.source_point_arn, source_point_arn),
                                last_seen = excluded.last_seen
                            """
                    ).execute(arguments: [
                        vault, listing.region, point.arn, point.resourceARN, point.createdAt.millis,
                        point.completedAt?.millis, point.status, point.deleteAt?.millis,
                        point.sourceRecoveryPointARN, ts, ts,
                    ])
                }
                try db.execute(
                    sql: """
                        INSERT INTO recovery_point_listings (vault, region, last_listed_at, last_full_at)
                        VALUES (?, ?, ?, ?)
                        ON CONFLICT (vault, region) DO UPDATE SET
                            last_listed_at = excluded.last_listed_at,
                            last_full_at = COALESCE(excluded.last_full_at, last_full_at)
                        """,
                    arguments: [vault, listing.region, ts, listing.mode == .full ? ts : nil])
            }
        } catch {
            throw StoreError(path: path, operation: "store recovery points of \(vault)", message: "\(error)")
        }
    }

    /// Where the next listing of the vault starts (nil: the vault was never listed).
    public func recoveryPointCursor(vault: String, region: String) async throws(StoreError) -> RecoveryPointCursor? {
        do {
            return try await pool.read { db in
                guard
                    let listed = try Row.fetchOne(
                        db, sql: "SELECT last_full_at FROM recovery_point_listings WHERE vault = ? AND region = ?",
                        arguments: [vault, region])
                else { return nil }
                let newest = try Int64.fetchOne(
                    db, sql: "SELECT MAX(created_at) FROM recovery_points WHERE vault = ? AND region = ?",
                    arguments: [vault, region])
                let settled = RecoveryPointCursor.settledStatuses.sorted()
                let unsettled = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT MIN(created_at) FROM recovery_points WHERE vault = ? AND region = ?
                        AND status NOT IN (\(settled.map { _ in "?" }.joined(separator: ", ")))
                        """,
                    arguments: StatementArguments([vault, region] + settled))
                let lastFull: Int64? = listed["last_full_at"]
                return RecoveryPointCursor(
                    newestCreatedAt: newest.map(Date.init(millis:)),
                    oldestUnsettledCreatedAt: unsettled.map(Date.init(millis:)),
                    lastFullAt: lastFull.map(Date.init(millis:)))
            }
        } catch {
            throw StoreError(path: path, operation: "read the recovery point cursor of \(vault)", message: "\(error)")
        }
    }

    /// The stored points of the vault, oldest first (nil: the vault was never listed).
    public func recoveryPoints(vault: String, region: String) async throws(StoreError) -> [RecoveryPoint]? {
        do {
            return try await pool.read { db in
                guard
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM recovery_point_listings WHERE vault = ? AND region = ?",
                        arguments: [vault, region]) != nil
                else { return nil }
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT arn, resource_arn, created_at, completed_at, status, delete_at, source_point_arn
                        FROM recovery_points WHERE vault = ? AND region = ? ORDER BY created_at, arn
                        """,
                    arguments: [vault, region]
                ).map { row in
                    let completed: Int64? = row["completed_at"]
                    let deleteAt: Int64? = row["delete_at"]
                    return RecoveryPoint(
                        arn: row["arn"], vault: vault, resourceARN: row["resource_arn"],
                        createdAt: Date(millis: row["created_at"]), status: row["status"],
                        completedAt: completed.map(Date.init(millis:)), deleteAt: deleteAt.map(Date.init(millis:)),
                        sourceRecoveryPointARN: row["source_point_arn"])
                }
            }
        } catch {
            throw StoreError(path: path, operation: "read recovery points of \(vault)", message: "\(error)")
        }
    }
}
