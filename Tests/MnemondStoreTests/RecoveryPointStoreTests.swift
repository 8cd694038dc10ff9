import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// The recovery points the store keeps: incremental listings add and update, a full listing also
/// drops what AWS no longer shows, and the cursor says where the next listing starts.
@Suite struct RecoveryPointStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static func hours(_ h: Double) -> Date { t0.addingTimeInterval(h * 3600) }

    static func point(_ name: String, at hour: Double, status: String = "COMPLETED", source: String? = nil)
        -> RecoveryPoint
    {
        RecoveryPoint(
            arn: "arn:rp:\(name)", vault: "v", resourceARN: "arn:db", createdAt: hours(hour), status: status,
            completedAt: status == "COMPLETED" ? hours(hour + 0.5) : nil, deleteAt: hours(hour + 24 * 180),
            sourceRecoveryPointARN: source)
    }

    static func full(_ since: Double = -100) -> RecoveryPointListing {
        RecoveryPointListing(mode: .full, since: hours(since), region: "eu-west-1")
    }
    static func incremental(_ since: Double) -> RecoveryPointListing {
        RecoveryPointListing(mode: .incremental, since: hours(since), region: "eu-west-1")
    }

    @Test func aVaultNeverListedHasNoCursorAndNoPoints() async throws {
        let store = try Store.inMemory()
        #expect(try await store.recoveryPointCursor(vault: "v", region: "eu-west-1") == nil)
        #expect(try await store.recoveryPoints(vault: "v", region: "eu-west-1") == nil)
    }

    @Test func incrementalListingsAddAndUpdateAndAFullOneDropsWhatIsGone() async throws {
        let store = try Store.inMemory()
        try await store.applyRecoveryPointListing(
            vault: "v", listing: Self.full(), points: [Self.point("a", at: 0), Self.point("b", at: 6)],
            at: Self.hours(7))
        #expect(
            try await store.recoveryPointCursor(vault: "v", region: "eu-west-1")
                == RecoveryPointCursor(
                    newestCreatedAt: Self.hours(6), oldestUnsettledCreatedAt: nil, lastFullAt: Self.hours(7)))

        // 12:00 is still being created; an incremental listing never deletes (a is not listed).
        try await store.applyRecoveryPointListing(
            vault: "v", listing: Self.incremental(-18), points: [Self.point("c", at: 12, status: "CREATING")],
            at: Self.hours(12.25))
        #expect(
            try await store.recoveryPointCursor(vault: "v", region: "eu-west-1")
                == RecoveryPointCursor(
                    newestCreatedAt: Self.hours(12), oldestUnsettledCreatedAt: Self.hours(12),
                    lastFullAt: Self.hours(7)))
        #expect(
            try await store.recoveryPoints(vault: "v", region: "eu-west-1")?.map(\.arn) == [
                "arn:rp:a", "arn:rp:b", "arn:rp:c",
            ])

        // It completes; the copy's source, once known, is kept when a listing cannot name it.
        try await store.applyRecoveryPointListing(
            vault: "v", listing: Self.incremental(-12),
            points: [Self.point("c", at: 12, source: "arn:rp:src")], at: Self.hours(13))
        try await store.applyRecoveryPointListing(
            vault: "v", listing: Self.incremental(-12), points: [Self.point("c", at: 12)], at: Self.hours(14))
        let c = try await store.recoveryPoints(vault: "v", region: "eu-west-1")?.last
        #expect(c == Self.point("c", at: 12, source: "arn:rp:src"))
        #expect(
            try await store.recoveryPointCursor(vault: "v", region: "eu-west-1")?.oldestUnsettledCreatedAt == nil)

        // The daily full listing no longer shows a (expired): it is dropped; b and c stay.
        try await store.applyRecoveryPointListing(
            vault: "v", listing: Self.full(), points: [Self.point("b", at: 6), Self.point("c", at: 12)],
            at: Self.hours(31))
        #expect(
            try await store.recoveryPoints(vault: "v", region: "eu-west-1")?.map(\.arn) == ["arn:rp:b", "arn:rp:c"])
        #expect(try await store.recoveryPointCursor(vault: "v", region: "eu-west-1")?.lastFullAt == Self.hours(31))
        // The other vault (same name, other region) is untouched.
        #expect(try await store.recoveryPoints(vault: "v", region: "eu-west-3") == nil)
    }

    @Test func anEmptyFullListingEmptiesTheVaultButRemembersItWasListed() async throws {
        let store = try Store.inMemory()
        try await store.applyRecoveryPointListing(
            vault: "v", listing: Self.full(), points: [Self.point("a", at: 0)], at: Self.hours(1))
        try await store.applyRecoveryPointListing(vault: "v", listing: Self.full(), points: [], at: Self.hours(30))
        #expect(try await store.recoveryPoints(vault: "v", region: "eu-west-1") == [])
        #expect(
            try await store.recoveryPointCursor(vault: "v", region: "eu-west-1")
                == RecoveryPointCursor(newestCreatedAt: nil, oldestUnsettledCreatedAt: nil, lastFullAt: Self.hours(30)))
    }
}
