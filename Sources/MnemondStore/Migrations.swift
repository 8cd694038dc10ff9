import GRDB

/// Append-only schema history. A shipped migration is never edited: a change is a new entry.
/// Timestamps are integer milliseconds since the Unix epoch (UTC).
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // Each feature's migrations live beside its store code; this list fixes their order.
        registerV1(&migrator)
        registerAlerting(&migrator)
        registerRetention(&migrator)
        registerReport(&migrator)
        registerOutbox(&migrator)
        registerKnownState(&migrator)
        registerInstallation(&migrator)
        registerRecoveryPoints(&migrator)
        registerJobs(&migrator)
        registerStorageTypes(&migrator)
        registerSettledAnswers(&migrator)
        return migrator
    }

    static func registerV1(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1-series-results-state") { db in
            try db.execute(
                sql: """
                    CREATE TABLE series (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        UNIQUE (name, labels)
                    );
                    -- Clustered by series then time: a range query for one series is one index walk.
                    CREATE TABLE samples (
                        series_id INTEGER NOT NULL REFERENCES series(id),
                        ts INTEGER NOT NULL,
                        value REAL NOT NULL,
                        PRIMARY KEY (series_id, ts)
                    ) WITHOUT ROWID;
                    CREATE TABLE cycles (
                        id INTEGER PRIMARY KEY,
                        started_at INTEGER NOT NULL,
                        finished_at INTEGER NOT NULL,
                        ok INTEGER NOT NULL,
                        warning INTEGER NOT NULL,
                        critical INTEGER NOT NULL,
                        unknown INTEGER NOT NULL,
                        api_calls INTEGER NOT NULL
                    );
                    CREATE INDEX cycles_by_time ON cycles(finished_at);
                    -- What the collectors saw, as JSON, so a finding can be explained after the fact.
                    CREATE TABLE observations (
                        id INTEGER PRIMARY KEY,
                        cycle_id INTEGER NOT NULL REFERENCES cycles(id),
                        ts INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        payload TEXT NOT NULL
                    );
                    CREATE INDEX observations_by_resource ON observations(kind, resource, ts);
                    CREATE TABLE check_results (
                        id INTEGER PRIMARY KEY,
                        cycle_id INTEGER NOT NULL REFERENCES cycles(id),
                        ts INTEGER NOT NULL,
                        check_id TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        state INTEGER NOT NULL,
                        message TEXT NOT NULL,
                        expected TEXT,
                        found TEXT,
                        guide TEXT,
                        runbook TEXT,
                        accepted_risk TEXT
                    );
                    CREATE INDEX check_results_by_check ON check_results(check_id, resource, ts);
                    -- The latest result per check and resource, with the time its state began.
                    CREATE TABLE check_state (
                        check_id TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        state INTEGER NOT NULL,
                        since INTEGER NOT NULL,
                        last_evaluated INTEGER NOT NULL,
                        message TEXT NOT NULL,
                        expected TEXT,
                        found TEXT,
                        guide TEXT,
                        runbook TEXT,
                        accepted_risk TEXT,
                        PRIMARY KEY (check_id, resource)
                    );
                    """)
        }
    }
}
