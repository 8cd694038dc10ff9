import Foundation
import GRDB
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// The storage type listings the store keeps for `StorageTypeDiscovery`: one per region, the
/// latest replacing the one before, read back as written; a row that does not decode is left
/// out (the region is listed again) rather than read as "no types".
@Suite struct StorageTypeStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func eachRegionKeepsItsLatestListing() async throws {
        let store = try Store.inMemory()
        #expect(try await store.storageTypeListings().isEmpty)
        let first = StorageTypeListing(
            at: Self.t0, buckets: ["a", "b", "c"],
            types: ["a": ["StandardStorage", "GlacierStorage"], "b": []])
        let other = StorageTypeListing(at: Self.t0, buckets: ["r"], types: ["r": ["DeepArchiveStorage"]])
        try await store.keepStorageTypeListing(first, region: "eu-west-1")
        try await store.keepStorageTypeListing(other, region: "eu-west-3")
        #expect(try await store.storageTypeListings() == ["eu-west-1": first, "eu-west-3": other])

        let later = StorageTypeListing(
            at: Self.t0.addingTimeInterval(86_400), buckets: ["a"], types: ["a": ["StandardStorage"]])
        try await store.keepStorageTypeListing(later, region: "eu-west-1")
        #expect(try await store.storageTypeListings() == ["eu-west-1": later, "eu-west-3": other])
    }

    @Test func aRowThatDoesNotDecodeIsLeftOut() async throws {
        let store = try Store.temporary()
        let kept = StorageTypeListing(at: Self.t0, buckets: ["r"], types: ["r": ["DeepArchiveStorage"]])
        try await store.keepStorageTypeListing(kept, region: "eu-west-3")
        try await store.keepStorageTypeListing(kept, region: "eu-north-1")
        let writer = try DatabaseQueue(path: store.path)
        try await writer.write { db in
            try db.execute(sql: "UPDATE storage_type_listings SET types = '{\"r\": 7' WHERE region = 'eu-west-3'")
        }
        #expect(try await store.storageTypeListings() == ["eu-north-1": kept])
    }

    /// Settled answers: replaced by key, read from a time on, and every answer older than the
    /// forget time dropped when new ones are kept.
    @Test func settledAnswersAreReplacedReadByAgeAndForgotten() async throws {
        let store = try Store.inMemory()
        #expect(try await store.settledAnswers(since: .distantPast).isEmpty)
        let old = Data("<LocationConstraint>eu-west-3</LocationConstraint>".utf8)
        try await store.keepSettledAnswers(
            ["a": (old, Self.t0), "b": (Data("b".utf8), Self.t0.addingTimeInterval(10))], forgetBefore: .distantPast)
        let read = try await store.settledAnswers(since: Self.t0)
        #expect(read.mapValues(\.body) == ["a": old, "b": Data("b".utf8)])
        #expect(read["b"]?.at == Self.t0.addingTimeInterval(10))
        #expect(try await store.settledAnswers(since: Self.t0.addingTimeInterval(5)).keys.sorted() == ["b"])

        // A day later "a" is asked again; "b" is forgotten (asked before the forget time).
        let later = Self.t0.addingTimeInterval(86_400)
        try await store.keepSettledAnswers(
            ["a": (Data("new".utf8), later)], forgetBefore: Self.t0.addingTimeInterval(20))
        let kept = try await store.settledAnswers(since: .distantPast)
        #expect(kept.mapValues(\.body) == ["a": Data("new".utf8)])
        #expect(kept["a"]?.at == later)
    }
}
