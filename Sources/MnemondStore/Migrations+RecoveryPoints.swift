import GRDB

extension Migrations {
    /// The recovery points of both vaults, kept so a cycle lists only what is new (incremental
    /// ByCreatedAfter) and the coverage, pairing and retention checks read the whole retention
    /// window from here. Append-only like every migration.
    static func registerRecoveryPoints(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("ledger-v1-recovery-points") { db in
            try db.execute(
                sql: """
                    -- One row per recovery point as AWS Backup last listed it. A full listing of a
                    -- vault deletes the rows it no longer shows (the point expired or was deleted).
                    CREATE TABLE recovery_points (
                        vault TEXT NOT NULL,
                        region TEXT NOT NULL,
                        arn TEXT NOT NULL,
                        resource_arn TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        completed_at INTEGER,
                        status TEXT NOT NULL,
                        delete_at INTEGER,          -- CalculatedLifecycle.DeleteAt; NULL: kept forever
                        source_point_arn TEXT,      -- a copy: the recovery point it copies
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        PRIMARY KEY (vault, region, arn)
                    ) WITHOUT ROWID;
                    CREATE INDEX recovery_points_by_time ON recovery_points(vault, region, created_at);
                    -- When each vault was last listed, and last listed in full.
                    CREATE TABLE recovery_point_listings (
                        vault TEXT NOT NULL,
                        region TEXT NOT NULL,
                        last_listed_at INTEGER NOT NULL,
                        last_full_at INTEGER,
                        PRIMARY KEY (vault, region)
                    ) WITHOUT ROWID;
                    """)
        }
    }
}
