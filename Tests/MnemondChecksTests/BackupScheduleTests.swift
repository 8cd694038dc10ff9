import Foundation
import MnemondChecks
import Testing

/// The schedule evaluator against AWS's documented cron examples and UTC edge cases.
@Suite struct BackupScheduleTests {
    static func utc(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: text)!
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var expression: String
        var after: String
        var next: [String]
        var testDescription: String { "\(expression) after \(after)" }
    }

    static let cases: [Case] = [
        // AWS's examples (EventBridge cron reference, "Examples").
        Case(
            expression: "cron(0 10 * * ? *)", after: "2026-11-30T10:00:00Z",
            next: ["2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z"]),
        Case(
            expression: "cron(15 12 * * ? *)", after: "2026-11-30T12:14:59Z",
            next: ["2026-11-30T12:15:00Z", "2026-12-01T12:15:00Z"]),
        Case(
            expression: "cron(0 18 ? * MON-FRI *)", after: "2026-11-27T19:00:00Z",  // a Friday evening
            next: ["2026-11-30T18:00:00Z", "2026-12-01T18:00:00Z"]),
        Case(
            expression: "cron(0 8 1 * ? *)", after: "2026-11-30T00:00:00Z",
            next: ["2026-12-01T08:00:00Z", "2027-01-01T08:00:00Z"]),
        Case(
            expression: "cron(0/15 * * * ? *)", after: "2026-11-30T10:07:00Z",
            next: ["2026-11-30T10:15:00Z", "2026-11-30T10:30:00Z", "2026-11-30T10:45:00Z"]),
        Case(
            expression: "cron(0/10 * ? * MON-FRI *)", after: "2026-11-28T12:00:00Z",  // Saturday
            next: ["2026-11-30T00:00:00Z", "2026-11-30T00:10:00Z"]),
        Case(
            expression: "cron(0/5 8-17 ? * MON-FRI *)", after: "2026-11-30T17:55:00Z",
            next: ["2026-12-01T08:00:00Z", "2026-12-01T08:05:00Z"]),
        Case(
            expression: "cron(0/30 20-2 ? * MON-FRI *)", after: "2026-11-30T02:30:00Z",  // wrapping hours
            next: ["2026-11-30T20:00:00Z", "2026-11-30T20:30:00Z"]),
        // The guide's plan and the estate's current one.
        Case(
            expression: "cron(0 */6 * * ? *)", after: "2026-11-30T05:59:59Z",
            next: ["2026-11-30T06:00:00Z", "2026-11-30T12:00:00Z", "2026-11-30T18:00:00Z", "2026-12-01T00:00:00Z"]),
        Case(expression: "cron(0 5 ? * * *)", after: "2026-11-30T05:00:00Z", next: ["2026-12-01T05:00:00Z"]),
        // Month ends, L, W, #, leap days.
        Case(
            expression: "cron(0 0 L * ? *)", after: "2026-01-31T00:00:00Z",
            next: ["2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z"]),
        Case(expression: "cron(0 0 L * ? *)", after: "2028-02-01T00:00:00Z", next: ["2028-02-29T00:00:00Z"]),
        Case(expression: "cron(0 0 29 2 ? *)", after: "2026-03-01T00:00:00Z", next: ["2028-02-29T00:00:00Z"]),
        Case(
            expression: "cron(0 0 31 * ? *)", after: "2026-11-30T00:00:00Z",
            next: ["2026-12-31T00:00:00Z", "2027-01-31T00:00:00Z", "2027-03-31T00:00:00Z"]),
        Case(
            expression: "cron(0 9 ? * 6L *)", after: "2026-11-01T00:00:00Z",  // last Friday
            next: ["2026-11-27T09:00:00Z", "2026-12-25T09:00:00Z"]),
        Case(
            expression: "cron(0 9 ? * 3#2 *)", after: "2026-11-01T00:00:00Z",  // second Tuesday
            next: ["2026-11-10T09:00:00Z", "2026-12-08T09:00:00Z"]),
        Case(
            expression: "cron(0 9 1W * ? *)", after: "2026-07-31T00:00:00Z",  // Aug 1 2026 is a Saturday → Mon 3rd
            next: ["2026-08-03T09:00:00Z", "2026-09-01T09:00:00Z"]),
        Case(
            expression: "cron(0 9 15W * ? *)", after: "2026-11-01T00:00:00Z",  // Nov 15 2026 is a Sunday → Mon 16th
            next: ["2026-11-16T09:00:00Z"]),
        Case(
            expression: "cron(0 9 LW * ? *)", after: "2026-10-01T00:00:00Z",  // Oct 31 2026 is a Saturday → Fri 30th
            next: ["2026-10-30T09:00:00Z", "2026-11-30T09:00:00Z"]),
        Case(expression: "cron(0 12 ? * L *)", after: "2026-11-28T12:00:00Z", next: ["2026-12-05T12:00:00Z"]),
        Case(
            expression: "cron(0 0 1 JAN,JUL ? 2027-2028)", after: "2026-11-30T00:00:00Z",
            next: ["2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z", "2028-01-01T00:00:00Z", "2028-07-01T00:00:00Z"]),
        Case(
            expression: "cron(59 23 31 12 ? *)", after: "2026-12-31T23:58:00Z",
            next: ["2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"]),
    ]

    @Test(arguments: cases)
    func nextInstantsFollowAWSSemantics(_ c: Case) throws {
        let schedule = try BackupSchedule.parse(c.expression)
        var from = Self.utc(c.after)
        for expected in c.next {
            let next = try #require(schedule.next(after: from))
            #expect(next == Self.utc(expected), "\(c.expression): after \(from) expected \(expected), got \(next)")
            // previous(atOrBefore:) inverts next(after:).
            #expect(schedule.previous(atOrBefore: next) == next)
            #expect(schedule.previous(atOrBefore: next.addingTimeInterval(-1)).map { $0 < next } ?? true)
            from = next
        }
    }

    @Test func aScheduleEndsWithItsLastYear() throws {
        let schedule = try BackupSchedule.parse("cron(0 0 1 1 ? 2027)")
        #expect(schedule.next(after: Self.utc("2027-01-01T00:00:00Z")) == nil)
    }

    @Test func aTimeZoneShiftsTheInstants() throws {
        // AWS Backup's ScheduleExpressionTimezone: 05:00 in Rome is 04:00 UTC in winter.
        let schedule = try BackupSchedule.parse("cron(0 5 ? * * *)")
        let rome = TimeZone(identifier: "Europe/Rome")!
        #expect(
            schedule.next(after: Self.utc("2026-11-30T00:00:00Z"), timeZone: rome) == Self.utc("2026-11-30T04:00:00Z"))
        #expect(
            schedule.next(after: Self.utc("2026-07-01T00:00:00Z"), timeZone: rome) == Self.utc("2026-07-01T03:00:00Z"))
    }

    @Test func rateCountsFromItsAnchor() throws {
        let schedule = try BackupSchedule.parse("rate(6 hours)")
        #expect(schedule == .rate(seconds: 21_600))
        let anchor = Self.utc("2026-11-30T01:00:00Z")
        #expect(
            schedule.next(after: Self.utc("2026-11-30T08:00:00Z"), anchor: anchor) == Self.utc("2026-11-30T13:00:00Z"))
        #expect(
            schedule.previous(atOrBefore: Self.utc("2026-11-30T08:00:00Z"), anchor: anchor)
                == Self.utc("2026-11-30T07:00:00Z"))
        #expect(try BackupSchedule.parse("rate(1 day)") == .rate(seconds: 86_400))
    }

    static let intervals: [(String, Double)] = [
        ("cron(0 */6 * * ? *)", 6.0 * 3600), ("cron(0 5 ? * * *)", 24.0 * 3600),
        ("cron(0 18 ? * MON-FRI *)", 72.0 * 3600), ("cron(0 0,1 * * ? *)", 23.0 * 3600),
    ]

    @Test(arguments: intervals)
    func theLongestIntervalIsWhatThePlanPromises(_ expression: String, _ seconds: Double) throws {
        let schedule = try BackupSchedule.parse(expression)
        #expect(schedule.longestInterval(from: Self.utc("2026-11-30T00:00:00Z")) == seconds)
    }

    static let invalid: [(String, String)] = [
        ("cron(0 5 * * * *)", "exactly one of day-of-month and day-of-week must be ?"),
        ("cron(0 5 ? * ? *)", "exactly one of day-of-month and day-of-week must be ?"),
        ("cron(0 5 * * ?)", "cron takes 6 fields, found 5"),
        ("cron(60 5 * * ? *)", "minutes \"60\": 60 is not in 0-59"),
        ("cron(0 24 * * ? *)", "hours \"24\": 24 is not in 0-23"),
        ("cron(0 5 ? * 8 *)", "day-of-week \"8\": 8 is not in 1-7"),
        ("cron(0 5 ? * 3#6 *)", "day-of-week 3#6: # takes weekday#n with n 1-5"),
        ("cron(0 5 32 * ? *)", "day-of-month \"32\": 32 is not in 1-31"),
        ("cron(0/0 5 * * ? *)", "minutes \"0/0\": step 0 is not a positive number"),
        ("rate(0 hours)", "rate takes a positive whole number and a unit, e.g. rate(6 hours)"),
        ("rate(6 weeks)", "unknown rate unit \"weeks\" (minute(s), hour(s), day(s))"),
        ("every 6 hours", "neither cron(…) nor rate(…)"),
    ]

    @Test(arguments: invalid)
    func anInvalidExpressionSaysWhy(_ expression: String, _ reason: String) {
        #expect(throws: BackupSchedule.ParseError(expression: expression, reason: reason)) {
            try BackupSchedule.parse(expression)
        }
    }
}
