import GRDB

extension Migrations {
    /// The last known (not UNKNOWN) state of each check and since when it held, so a check that
    /// is CRITICAL before and after a short UNKNOWN blip (an AWS outage) keeps its `since`.
    static func registerKnownState(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("history-v1-known-state") { db in
            try db.execute(
                sql: """
                    ALTER TABLE check_state ADD COLUMN known_state INTEGER;
                    ALTER TABLE check_state ADD COLUMN known_since INTEGER;
                    UPDATE check_state SET known_state = state, known_since = since WHERE state != 3;
                    """)
        }
    }
}
