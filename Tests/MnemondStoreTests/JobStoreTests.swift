import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// The backup and copy jobs the store keeps: a listing is the truth about the jobs created after
/// its `since` (added, updated, the ones it no longer shows deleted), a full listing about the
/// whole window, and the cursor says where the next listing starts.
@Suite struct JobStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static func hours(_ h: Double) -> Date { t0.addingTimeInterval(h * 3600) }
    static let arn = "arn:aws:rds:eu-west-1:1:db:d"

    static func job(_ id: String, at hour: Double, _ state: String = "COMPLETED") -> BackupJob {
        BackupJob(
            id: id, state: state, resourceARN: arn, vault: "v", createdAt: hours(hour),
            completedAt: state == "RUNNING" ? nil : hours(hour + 0.25), statusMessage: state == "FAILED" ? "no" : nil)
    }

    static func listing(
        _ mode: RecoveryPointListing.Mode, since: Double, window: Double = -100, kind: JobKind = .backup
    ) -> JobListing {
        JobListing(
            kind: kind, mode: mode, since: hours(since), windowStart: hours(window), resourceARN: arn,
            region: "eu-west-1")
    }

    @Test func aResourceNeverListedHasNoCursor() async throws {
        let store = try Store.inMemory()
        #expect(try await store.jobCursor(.backup, resourceARN: Self.arn, region: "eu-west-1") == nil)
    }

    @Test func anIncrementalListingUpdatesAddsAndDropsOnlyWithinItsRange() async throws {
        let store = try Store.inMemory()
        let first = try await store.keepBackupJobs(
            [Self.job("a", at: 0), Self.job("b", at: 6), Self.job("c", at: 12, "RUNNING"), Self.job("x", at: -200)],
            listing: Self.listing(.full, since: -100), at: Self.hours(12.5))
        // Newest first; a job older than the window is not kept.
        #expect(first.map(\.id) == ["c", "b", "a"])
        #expect(
            try await store.jobCursor(.backup, resourceARN: Self.arn, region: "eu-west-1")
                == JobCursor(
                    newestCreatedAt: Self.hours(12), oldestUnsettledCreatedAt: Self.hours(12),
                    lastFullAt: Self.hours(12.5), fullSince: Self.hours(-100)))
        // From 5 h: c finished FAILED, d is new, b (6 h) is gone; a (before the range) stays.
        let second = try await store.keepBackupJobs(
            [Self.job("d", at: 18), Self.job("c", at: 12, "FAILED")], listing: Self.listing(.incremental, since: 5),
            at: Self.hours(18.5))
        #expect(second == [Self.job("d", at: 18), Self.job("c", at: 12, "FAILED"), Self.job("a", at: 0)])
        #expect(
            try await store.jobCursor(.backup, resourceARN: Self.arn, region: "eu-west-1")
                == JobCursor(
                    newestCreatedAt: Self.hours(18), oldestUnsettledCreatedAt: nil, lastFullAt: Self.hours(12.5),
                    fullSince: Self.hours(-100)))
        // The daily full listing: a is no longer listed.
        let third = try await store.keepBackupJobs(
            [Self.job("d", at: 18), Self.job("c", at: 12, "FAILED")],
            listing: Self.listing(.full, since: -90, window: -90),
            at: Self.hours(36.5))
        #expect(third.map(\.id) == ["d", "c"])
        let cursor = try await store.jobCursor(.backup, resourceARN: Self.arn, region: "eu-west-1")
        #expect(cursor?.lastFullAt == Self.hours(36.5))
        #expect(cursor?.fullSince == Self.hours(-90))
    }

    @Test func kindsResourcesAndRegionsAreKeptApart() async throws {
        let store = try Store.inMemory()
        _ = try await store.keepBackupJobs(
            [Self.job("a", at: 0)], listing: Self.listing(.full, since: -100), at: Self.hours(1))
        let copy = CopyJob(
            id: "a", state: "RUNNING", resourceARN: Self.arn, destinationVaultARN: "arn:vault:dr",
            createdAt: Self.hours(0.5), completedAt: nil, statusMessage: nil, sourceRecoveryPointARN: "arn:rp:1",
            destinationRecoveryPointARN: nil)
        let copies = try await store.keepCopyJobs(
            [copy], listing: Self.listing(.full, since: -100, kind: .copy), at: Self.hours(1))
        #expect(copies == [copy])
        // An empty full listing of the copy jobs leaves the backup jobs alone.
        #expect(
            try await store.keepCopyJobs([], listing: Self.listing(.full, since: -100, kind: .copy), at: Self.hours(2))
                == [])
        let other = JobListing(
            kind: .backup, mode: .full, since: Self.hours(-100), windowStart: Self.hours(-100),
            resourceARN: "arn:other",
            region: "eu-west-1")
        #expect(try await store.keepBackupJobs([], listing: other, at: Self.hours(2)) == [])
        #expect(
            try await store.keepBackupJobs([], listing: Self.listing(.incremental, since: 1), at: Self.hours(3))
                == [Self.job("a", at: 0)])
        #expect(
            try await store.jobCursor(.copy, resourceARN: Self.arn, region: "eu-west-1")?.newestCreatedAt == nil)
        #expect(try await store.jobCursor(.backup, resourceARN: Self.arn, region: "eu-west-3") == nil)
    }
}
