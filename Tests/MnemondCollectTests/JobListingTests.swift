import Foundation
import MnemondModel
import Testing

@testable import MnemondCollect

/// When the backup collector lists a resource's backup or copy jobs in full, and from when it lists
/// them incrementally.
@Suite struct JobListingTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let windowStart = now.addingTimeInterval(-180 * 86_400)
    static func ago(_ hours: Double) -> Date { now.addingTimeInterval(-hours * 3600) }

    static func listing(_ cursor: JobCursor?, kind: JobKind = .backup, windowStart: Date = windowStart)
        -> JobListing
    {
        BackupCollector.jobListing(
            kind, cursor, windowStart: windowStart, resourceARN: "arn:db", region: "eu-west-1", now: now)
    }

    static func expected(_ mode: RecoveryPointListing.Mode, since: Date, kind: JobKind = .backup) -> JobListing {
        JobListing(
            kind: kind, mode: mode, since: since, windowStart: windowStart, resourceARN: "arn:db", region: "eu-west-1")
    }

    static func cursor(newest: Date?, unsettled: Date? = nil, lastFull: Date?, fullSince: Date? = windowStart)
        -> JobCursor
    {
        JobCursor(
            newestCreatedAt: newest, oldestUnsettledCreatedAt: unsettled, lastFullAt: lastFull, fullSince: fullSince)
    }

    @Test func noCursorAStaleReconciliationOrAShorterKeptWindowListsTheWholeWindow() {
        let full = Self.expected(.full, since: Self.windowStart)
        #expect(Self.listing(nil) == full)
        // Never listed in full.
        #expect(Self.listing(Self.cursor(newest: Self.ago(2), lastFull: nil)) == full)
        // The last full listing is a day old.
        #expect(Self.listing(Self.cursor(newest: Self.ago(2), lastFull: Self.ago(24))) == full)
        // A full listing "in the future" (the clock went back) is not trusted.
        #expect(Self.listing(Self.cursor(newest: Self.ago(2), lastFull: Self.ago(-1))) == full)
        // The retention grew: the kept copy starts a day after today's window.
        #expect(
            Self.listing(Self.cursor(newest: Self.ago(2), lastFull: Self.ago(1), fullSince: Self.windowStart + 86_400))
                == full)
        #expect(Self.listing(Self.cursor(newest: Self.ago(2), lastFull: Self.ago(1), fullSince: nil)) == full)
    }

    @Test func otherwiseFromTheNewestKeptJobLessADayOrJustBeforeTheOldestUnsettledOne() {
        #expect(
            Self.listing(Self.cursor(newest: Self.ago(2), lastFull: Self.ago(23)))
                == Self.expected(.incremental, since: Self.ago(26)))
        // A job RUNNING since 30 h ago is listed again: ByCreatedAfter is exclusive, so a second earlier.
        #expect(
            Self.listing(Self.cursor(newest: Self.ago(2), unsettled: Self.ago(30), lastFull: Self.ago(1)))
                == Self.expected(.incremental, since: Self.ago(30) - 1))
        // An unsettled job newer than the overlap changes nothing.
        #expect(
            Self.listing(Self.cursor(newest: Self.ago(2), unsettled: Self.ago(1), lastFull: Self.ago(1)))
                == Self.expected(.incremental, since: Self.ago(26)))
        // No job kept: from the last full listing (which saw everything before it) less the overlap.
        #expect(
            Self.listing(Self.cursor(newest: nil, lastFull: Self.ago(3)), kind: .copy)
                == Self.expected(.incremental, since: Self.ago(27), kind: .copy))
        // Never before the start of the window.
        #expect(
            Self.listing(Self.cursor(newest: Self.windowStart, lastFull: Self.ago(1)))
                == Self.expected(.incremental, since: Self.windowStart))
    }

    @Test func timesAreTheWholeSecondsByCreatedAfterIsSentWith() {
        let start = Self.windowStart.addingTimeInterval(0.75)
        let full = Self.listing(nil, windowStart: start)
        #expect(full.since == Self.windowStart)
        #expect(full.windowStart == Self.windowStart)
        let incremental = Self.listing(
            Self.cursor(newest: Self.ago(2).addingTimeInterval(0.5), lastFull: Self.ago(1)), windowStart: start)
        #expect(incremental.mode == .incremental)
        #expect(incremental.since == Self.ago(26))
    }

    @Test func onlyTerminalStatesAreSettled() {
        for state in ["CREATED", "PENDING", "RUNNING", "ABORTING", "SOMETHING_NEW"] {
            #expect(!JobKind.backup.settledStates.contains(state), "\(state)")
        }
        for state in ["CREATED", "RUNNING", "SOMETHING_NEW"] {
            #expect(!JobKind.copy.settledStates.contains(state), "\(state)")
        }
        #expect(JobKind.backup.settledStates == ["COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"])
        #expect(JobKind.copy.settledStates == ["COMPLETED", "FAILED", "PARTIAL"])
    }

    @Test func bothKindsAreObservedNewestFirstThenById() {
        let t = Self.ago(1)
        let jobs = [
            BackupJob(
                id: "b", state: "COMPLETED", resourceARN: "", vault: "", createdAt: t, completedAt: nil,
                statusMessage: nil),
            BackupJob(
                id: "c", state: "COMPLETED", resourceARN: "", vault: "", createdAt: Self.ago(2), completedAt: nil,
                statusMessage: nil),
            BackupJob(
                id: "a", state: "FAILED", resourceARN: "", vault: "", createdAt: t, completedAt: nil, statusMessage: nil
            ),
            BackupJob(
                id: "d", state: "COMPLETED", resourceARN: "", vault: "", createdAt: Self.ago(0.5), completedAt: nil,
                statusMessage: nil),
        ]
        #expect(BackupCollector.newestFirst(jobs).map(\.id) == ["d", "a", "b", "c"])
    }
}
