import GRDB

extension Migrations {
    /// Alerting: the alert state per check and resource (with its notification log), the durable
    /// outbox, the log of notification decisions, and silences. Append-only like every migration.
    static func registerAlerting(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("alerting-v1-state-outbox-silences") { db in
            try db.execute(
                sql: """
                    -- One row per check and resource that was ever evaluated by the alerter. It survives
                    -- restarts and retention: a finding that lasts for weeks keeps its episode and is only
                    -- repeated on its repeat interval, never re-sent as new.
                    CREATE TABLE alert_state (
                        check_id TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        phase TEXT NOT NULL,              -- inactive | pending | firing
                        severity INTEGER NOT NULL,        -- CheckState the alert speaks for
                        episode INTEGER NOT NULL,         -- 1, 2, … : increments when a pending alert fires
                        bad_since INTEGER,                -- first failing evaluation of the current streak
                        failing_count INTEGER NOT NULL,   -- consecutive warning/critical evaluations
                        unknown_since INTEGER,
                        unknown_count INTEGER NOT NULL,
                        firing_since INTEGER,
                        resolved_at INTEGER,
                        flips TEXT NOT NULL,              -- JSON: ms of OK <-> failing changes in the flap window
                        held_flapping INTEGER NOT NULL,
                        flap_announced INTEGER NOT NULL,
                        last_state INTEGER NOT NULL,
                        last_known_state INTEGER,
                        last_evaluated INTEGER NOT NULL,
                        message TEXT NOT NULL,
                        expected TEXT,
                        found TEXT,
                        guide TEXT,
                        runbook TEXT,
                        -- The notification log (what was last queued for sending, per episode).
                        notified_episode INTEGER,
                        notified_severity INTEGER,
                        notified_kind TEXT,
                        notified_at INTEGER,
                        repeats INTEGER NOT NULL,
                        firing_key TEXT,
                        silenced_by INTEGER,
                        silenced_key TEXT,                -- the notification the silence last held back
                        PRIMARY KEY (check_id, resource)
                    );
                    -- Every notification decision, sent or silenced: the audit trail behind the outbox.
                    CREATE TABLE alert_log (
                        id INTEGER PRIMARY KEY,
                        ts INTEGER NOT NULL,
                        check_id TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        episode INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        severity INTEGER NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        group_key TEXT,
                        silenced_by INTEGER,
                        reason TEXT NOT NULL
                    );
                    CREATE INDEX alert_log_by_alert ON alert_log(check_id, resource, ts);
                    -- One row per message and channel. Written in the same transaction as the alert state
                    -- change that caused it; the dispatcher claims due rows with a lease, so two processes
                    -- never send the same row at once, and a killed sender's lease simply expires.
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY,
                        created_at INTEGER NOT NULL,
                        channel TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        last_attempt_at INTEGER,
                        next_attempt_at INTEGER NOT NULL,
                        claimed_until INTEGER,
                        delivered_at INTEGER,
                        dead_lettered_at INTEGER,
                        UNIQUE (channel, idempotency_key)
                    );
                    CREATE INDEX outbox_due ON outbox(next_attempt_at)
                        WHERE delivered_at IS NULL AND dead_lettered_at IS NULL;
                    CREATE TABLE silences (
                        id INTEGER PRIMARY KEY,
                        check_id TEXT NOT NULL,
                        resource TEXT,                    -- NULL: every resource of the check
                        starts_at INTEGER NOT NULL,
                        ends_at INTEGER NOT NULL,
                        reason TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        removed_at INTEGER
                    );
                    CREATE INDEX silences_by_end ON silences(ends_at);
                    """)
        }
    }

    /// The installation's identity: one random UUID, created with the store (and given to an
    /// existing store on upgrade), that goes into every alert's idempotency key, so a receiver
    /// that de-duplicates by key never drops a page from a rebuilt store or another installation.
    static func registerInstallation(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("alerting-v2-installation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE installation (
                        id TEXT NOT NULL,                 -- random UUID (version 4), never changed
                        created_at INTEGER NOT NULL
                    );
                    INSERT INTO installation (id, created_at)
                    SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-'
                            || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(h, 18, 3) || '-'
                            || substr(h, 21, 12)),
                        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
                    FROM (SELECT hex(randomblob(16)) AS h);
                    """)
        }
    }
}
