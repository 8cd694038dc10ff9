import Foundation
import GRDB
import MnemondModel

extension Store: StorageTypeLedger {
    /// Every region's kept listing. A row whose JSON does not decode is left out: that region is
    /// listed again, as if never listed.
    public func storageTypeListings() async throws(StoreError) -> [String: StorageTypeListing] {
        do {
            return try await pool.read { db in
                var out: [String: StorageTypeListing] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT region, listed_at, buckets, types FROM storage_type_listings")
                {
                    let buckets: String = row["buckets"]
                    let types: String = row["types"]
                    guard
                        let covered = try? JSONDecoder().decode([String].self, from: Data(buckets.utf8)),
                        let listed = try? JSONDecoder().decode([String: [String]].self, from: Data(types.utf8))
                    else { continue }
                    out[row["region"]] = StorageTypeListing(
                        at: Date(millis: row["listed_at"]), buckets: Set(covered), types: listed)
                }
                return out
            }
        } catch {
            throw StoreError(path: path, operation: "read the storage type listings", message: "\(error)")
        }
    }

    public func keepStorageTypeListing(_ listing: StorageTypeListing, region: String) async throws(StoreError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let buckets = String(decoding: try encoder.encode(listing.buckets.sorted()), as: UTF8.self)
            let types = String(decoding: try encoder.encode(listing.types), as: UTF8.self)
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO storage_type_listings (region, listed_at, buckets, types) VALUES (?, ?, ?, ?)
                        ON CONFLICT (region) DO UPDATE SET
                            listed_at = excluded.listed_at, buckets = excluded.buckets, types = excluded.types
                        """,
                    arguments: [region, listing.at.millis, buckets, types])
            }
        } catch {
            throw StoreError(
                path: path, operation: "store the storage type listing of \(region)", message: "\(error)")
        }
    }
}

extension Store: SettledAnswerLedger {
    public func settledAnswers(since: Date) async throws(StoreError) -> [String: (body: Data, at: Date)] {
        do {
            return try await pool.read { db in
                var out: [String: (body: Data, at: Date)] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT key, asked_at, body FROM settled_answers WHERE asked_at >= ?",
                    arguments: [since.millis])
                {
                    out[row["key"]] = (row["body"], Date(millis: row["asked_at"]))
                }
                return out
            }
        } catch {
            throw StoreError(path: path, operation: "read the settled AWS answers", message: "\(error)")
        }
    }

    public func keepSettledAnswers(
        _ answers: [String: (body: Data, at: Date)], forgetBefore: Date
    ) async throws(StoreError) {
        do {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM settled_answers WHERE asked_at < ?", arguments: [forgetBefore.millis])
                for (key, answer) in answers {
                    try db.execute(
                        sql: """
                            INSERT INTO settled_answers (key, asked_at, body) VALUES (?, ?, ?)
                            ON CONFLICT (key) DO UPDATE SET asked_at = excluded.asked_at, body = excluded.body
                            """,
                        arguments: [key, answer.at.millis, answer.body])
                }
            }
        } catch {
            throw StoreError(path: path, operation: "keep the settled AWS answers", message: "\(error)")
        }
    }
}
