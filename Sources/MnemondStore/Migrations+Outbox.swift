import GRDB

extension Migrations {
    /// One outbox for every payload: the row says what it carries, and the weekly report's rows
    /// are no longer reserved for a sender of their own. Append-only like every migration.
    static func registerOutbox(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("outbox-v2-payload-kind") { db in
            try db.execute(
                sql: """
                    -- What the payload is: 'alert' (an alert message for sns/slack), 'mail' (a rendered
                    -- e-mail) or 'notice' (a plain SNS publication). Rows written before this migration
                    -- are alerts, except the weekly report's rows, which report_outbox lists.
                    ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert';
                    UPDATE outbox SET kind = 'mail'
                        WHERE channel = 'report-email' AND id IN (SELECT outbox_id FROM report_outbox);
                    UPDATE outbox SET kind = 'notice'
                        WHERE channel = 'report-sns' AND id IN (SELECT outbox_id FROM report_outbox);
                    -- The report sender used to hold its undelivered rows leased (claimed_until) until
                    -- they would be dead-lettered, to keep the alert dispatcher off them. One dispatcher
                    -- now delivers every row: release them so they go out at their next attempt.
                    UPDATE outbox SET claimed_until = NULL
                        WHERE id IN (SELECT outbox_id FROM report_outbox)
                            AND delivered_at IS NULL AND dead_lettered_at IS NULL;
                    -- report_outbox stays the link from a report to its rows; its lease is unused.
                    UPDATE report_outbox SET sending_until = NULL;
                    """)
        }
    }
}
