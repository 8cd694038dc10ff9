import GRDB

extension Migrations {
    /// Retention: hourly rollups of samples past the raw window, and the record of maintenance
    /// runs (so "daily" holds across restarts). Append-only like every migration.
    static func registerRetention(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("retention-v1-rollups-maintenance") { db in
            try db.execute(
                sql: """
                    -- One row per series and hour for samples older than the raw window (35 d), kept 400 d:
                    -- a year of trends at a fraction of the raw size. `hour` is the hour's start (ms).
                    CREATE TABLE sample_rollups (
                        series_id INTEGER NOT NULL REFERENCES series(id),
                        hour INTEGER NOT NULL,
                        min_value REAL NOT NULL,
                        max_value REAL NOT NULL,
                        avg_value REAL NOT NULL,
                        sample_count INTEGER NOT NULL,
                        PRIMARY KEY (series_id, hour)
                    ) WITHOUT ROWID;
                    -- The last run of each maintenance job (retention), with what it did as JSON.
                    CREATE TABLE maintenance (
                        job TEXT PRIMARY KEY,
                        last_run INTEGER NOT NULL,
                        detail TEXT NOT NULL
                    );
                    """)
        }
    }
}
