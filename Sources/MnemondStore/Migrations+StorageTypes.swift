import GRDB

extension Migrations {
    /// The storage type listings (`StorageTypeDiscovery`), kept so a new process does not list
    /// again what a run of the last day listed. Append-only like every migration.
    static func registerStorageTypes(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("storage-types-v1-listings") { db in
            try db.execute(
                sql: """
                    -- One row per region: its last ListMetrics listing of AWS/S3 BucketSizeBytes.
                    -- `buckets`: JSON array of the policy's buckets it covered; `types`: JSON object,
                    -- bucket name → storage types listed for it.
                    CREATE TABLE storage_type_listings (
                        region TEXT PRIMARY KEY,
                        listed_at INTEGER NOT NULL,
                        buckets TEXT NOT NULL,
                        types TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    /// Settled AWS answers (`SettledAnswerLedger`): answers AWS documents as fixed for the question,
    /// asked again once a day old.
    static func registerSettledAnswers(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("settled-answers-v1") { db in
            try db.execute(
                sql: """
                    -- One row per question: `key` is the SHA-256 of the request (service, region,
                    -- method, path, query, headers, body), `body` AWS's answer, `asked_at` when.
                    CREATE TABLE settled_answers (
                        key TEXT PRIMARY KEY,
                        asked_at INTEGER NOT NULL,
                        body BLOB NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }
}
