import GRDB

extension Migrations {
    /// The weekly report: the record of every report queued for delivery (so "once per week"
    /// holds across restarts) and the report sender's lease on its outbox rows. Append-only like
    /// every migration.
    static func registerReport(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("report-v1-sends") { db in
            try db.execute(
                sql: """
                    -- One row per report queued for delivery, written in the same transaction as its
                    -- outbox rows: the record "this week's report went out" and the message exist
                    -- together or not at all. A scheduled report (scheduled = 1) is unique per period,
                    -- so no restart, reload or second process can queue the same week twice.
                    CREATE TABLE report_sends (
                        id INTEGER PRIMARY KEY,
                        period_start INTEGER NOT NULL,
                        period_end INTEGER NOT NULL,
                        scheduled INTEGER NOT NULL,        -- 1: by the daemon's schedule; 0: `report --send`
                        queued_at INTEGER NOT NULL,
                        idempotency_key TEXT NOT NULL UNIQUE,
                        subject TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX report_sends_once_per_period ON report_sends(period_start) WHERE scheduled = 1;
                    -- The outbox rows of a report. The alert dispatcher only claims unleased rows, so a
                    -- report row stays leased to the report sender (outbox.claimed_until) until it is
                    -- delivered or dead-lettered; `sending_until` is the short lease between report
                    -- senders (the daemon and `mnemond report --send`), so one attempt runs at a time.
                    CREATE TABLE report_outbox (
                        outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id),
                        report_id INTEGER NOT NULL REFERENCES report_sends(id),
                        sending_until INTEGER
                    );
                    """)
        }
    }
}
