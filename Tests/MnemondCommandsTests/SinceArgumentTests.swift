import Foundation
import MnemondReport
import Testing

@testable import MnemondCommands

/// `--since` means the same in `history` and `report`: a duration back from now, a day or an
/// ISO 8601 time.
@Suite struct SinceArgumentTests {
    static let now = Date(timeIntervalSince1970: 1_796_047_200)  // 2026-11-30T14:00:00Z
    static let rome = TimeZone(identifier: "Europe/Rome")!

    @Test func aDurationADayAndATimeAreAllAccepted() {
        #expect(HistoryCommand.since("7d", now: Self.now, timeZone: .gmt) == Self.now - 7 * 86400)
        #expect(HistoryCommand.since("1d12h", now: Self.now, timeZone: .gmt) == Self.now - 36 * 3600)
        // 2026-11-16 00:00 in Rome is 2026-11-15T23:00:00Z.
        #expect(
            HistoryCommand.since("2026-11-16", now: Self.now, timeZone: Self.rome)
                == Date(timeIntervalSince1970: 1_794_783_600))
        #expect(
            HistoryCommand.since("2026-11-16T08:00:00Z", now: Self.now, timeZone: Self.rome)
                == Date(timeIntervalSince1970: 1_794_816_000))
        #expect(HistoryCommand.since("7", now: Self.now, timeZone: .gmt) == nil)
        #expect(HistoryCommand.since("16/11/2026", now: Self.now, timeZone: .gmt) == nil)
    }

    @Test func historyTakesADayAndRefusesTheFuture() throws {
        #expect(try HistoryCommand.window(since: "2w", now: Self.now) == .seconds(14 * 86400))
        #expect(try HistoryCommand.window(since: "2026-11-29", now: Self.now) == .seconds(86400 + 14 * 3600))
        #expect(throws: CommandFailure.self) { try HistoryCommand.window(since: "2026-12-01", now: Self.now) }
        #expect(throws: CommandFailure.self) { try HistoryCommand.window(since: "7", now: Self.now) }
    }

    @Test func reportTakesADurationAndEndsNowWithoutUntil() throws {
        let period = try ReportCommand.period(week: false, since: "7d", until: nil, timeZone: Self.rome, now: Self.now)
        #expect(period.start == Self.now - 7 * 86400)
        #expect(period.end == Self.now)
        let fixed = try ReportCommand.period(
            week: false, since: "2026-11-16", until: "2026-11-23", timeZone: Self.rome, now: Self.now)
        #expect(fixed.end.timeIntervalSince(fixed.start) == 7 * 86400)
        #expect(throws: ReportCommand.Failure.self) {
            try ReportCommand.period(week: false, since: nil, until: "2026-11-23", timeZone: Self.rome, now: Self.now)
        }
    }
}
