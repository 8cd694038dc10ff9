import GRDB

extension Migrations {
    /// The backup and copy jobs of the protected resource, kept so a cycle lists only the jobs
    /// created since the newest kept one (incremental ByCreatedAfter) and the checks still see the
    /// whole window. Append-only like every migration.
    static func registerJobs(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("jobs-v1-backup-and-copy-jobs") { db in
            try db.execute(
                sql: """
                    -- One row per job as AWS Backup last listed it. `kind`: backup | copy.
                    -- `listed_for`: the ResourceArn the listing asked for (the job's own
                    -- ResourceArn is `resource_arn`). `vault`: a backup job's BackupVaultName, a
                    -- copy job's DestinationBackupVaultArn. A listing deletes the rows of its
                    -- range it no longer shows.
                    CREATE TABLE jobs (
                        kind TEXT NOT NULL,
                        region TEXT NOT NULL,
                        job_id TEXT NOT NULL,
                        listed_for TEXT NOT NULL,
                        resource_arn TEXT NOT NULL,
                        state TEXT NOT NULL,
                        vault TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        completed_at INTEGER,
                        status_message TEXT,
                        source_point_arn TEXT,
                        destination_point_arn TEXT,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        PRIMARY KEY (kind, region, job_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX jobs_by_time ON jobs(kind, listed_for, region, created_at);
                    -- When each resource's jobs of each kind were last listed, and last listed in
                    -- full (with the ByCreatedAfter of that full listing).
                    CREATE TABLE job_listings (
                        kind TEXT NOT NULL,
                        listed_for TEXT NOT NULL,
                        region TEXT NOT NULL,
                        last_listed_at INTEGER NOT NULL,
                        last_full_at INTEGER,
                        full_since INTEGER,
                        PRIMARY KEY (kind, listed_for, region)
                    ) WITHOUT ROWID;
                    """)
        }
    }
}
