import Foundation
import MnemondModel
import Testing

@testable import MnemondCollect

/// When the backup collector lists a vault in full, and from when it lists incrementally.
@Suite struct RecoveryPointListingTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let windowStart = now.addingTimeInterval(-181 * 86_400)
    static func ago(_ hours: Double) -> Date { now.addingTimeInterval(-hours * 3600) }

    static func listing(_ cursor: RecoveryPointCursor?) -> RecoveryPointListing {
        BackupCollector.listing(cursor, windowStart: windowStart, region: "eu-west-1", now: now)
    }

    @Test func anEmptyStoreOrAStaleReconciliationListsTheWholeWindow() {
        let full = RecoveryPointListing(mode: .full, since: Self.windowStart, region: "eu-west-1")
        #expect(Self.listing(nil) == full)
        // Listed before, but nothing kept: start over.
        #expect(
            Self.listing(
                RecoveryPointCursor(newestCreatedAt: nil, oldestUnsettledCreatedAt: nil, lastFullAt: Self.ago(1)))
                == full)
        // Never listed in full, or 24 h since the last full listing.
        #expect(
            Self.listing(
                RecoveryPointCursor(newestCreatedAt: Self.ago(2), oldestUnsettledCreatedAt: nil, lastFullAt: nil))
                == full)
        #expect(
            Self.listing(
                RecoveryPointCursor(
                    newestCreatedAt: Self.ago(2), oldestUnsettledCreatedAt: nil, lastFullAt: Self.ago(24)))
                == full)
        // A full listing "in the future" (the clock went back) is not trusted.
        #expect(
            Self.listing(
                RecoveryPointCursor(
                    newestCreatedAt: Self.ago(2), oldestUnsettledCreatedAt: nil, lastFullAt: Self.ago(-1)))
                == full)
    }

    @Test func otherwiseFromTheNewestStoredPointLessADayOrTheOldestUnsettledOne() {
        #expect(
            Self.listing(
                RecoveryPointCursor(
                    newestCreatedAt: Self.ago(2), oldestUnsettledCreatedAt: nil, lastFullAt: Self.ago(23)))
                == RecoveryPointListing(mode: .incremental, since: Self.ago(26), region: "eu-west-1"))
        #expect(
            Self.listing(
                RecoveryPointCursor(
                    newestCreatedAt: Self.ago(2), oldestUnsettledCreatedAt: Self.ago(30), lastFullAt: Self.ago(1)))
                == RecoveryPointListing(mode: .incremental, since: Self.ago(30), region: "eu-west-1"))
        // Never before the start of the window.
        #expect(
            Self.listing(
                RecoveryPointCursor(
                    newestCreatedAt: Self.windowStart, oldestUnsettledCreatedAt: nil, lastFullAt: Self.ago(1)))
                == RecoveryPointListing(mode: .incremental, since: Self.windowStart, region: "eu-west-1"))
    }
}
