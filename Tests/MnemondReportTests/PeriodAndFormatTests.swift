import Foundation
import MnemondReport
import Testing

let rome = TimeZone(identifier: "Europe/Rome")!

/// `2026-11-16T00:00:00+01:00` → Date.
func iso(_ text: String) -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: text)!
}

@Suite struct ReportPeriodTests {
    struct WeekCase: Sendable, CustomTestStringConvertible {
        var name: String
        var now: String
        var start: String
        var hours: Double
        var key: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        WeekCase(
            name: "mid-week", now: "2026-11-25T03:00:00Z", start: "2026-11-16T00:00:00+01:00", hours: 168,
            key: "2026-W47"),
        WeekCase(
            name: "Monday 00:00 local is already the new week", now: "2026-11-23T00:00:00+01:00",
            start: "2026-11-16T00:00:00+01:00", hours: 168, key: "2026-W47"),
        WeekCase(
            name: "Sunday 23:59 local is still the old week", now: "2026-11-22T23:59:00+01:00",
            start: "2026-11-09T00:00:00+01:00", hours: 168, key: "2026-W46"),
        WeekCase(
            name: "clocks go back: 169 hours", now: "2026-10-27T10:00:00+01:00", start: "2026-10-19T00:00:00+02:00",
            hours: 169, key: "2026-W43"),
        WeekCase(
            name: "clocks go forward: 167 hours", now: "2026-03-31T10:00:00+02:00", start: "2026-03-23T00:00:00+01:00",
            hours: 167, key: "2026-W13"),
        WeekCase(
            name: "ISO week 53 across the new year", now: "2027-01-05T09:00:00+01:00",
            start: "2026-12-28T00:00:00+01:00", hours: 168, key: "2026-W53"),
    ])
    func lastCompletedWeekIsTheISOWeekThatEndedLastInRome(_ c: WeekCase) {
        let period = ReportPeriod.lastCompletedWeek(before: iso(c.now), timeZone: rome)
        #expect(period.start == iso(c.start))
        #expect(period.duration == c.hours * 3600)
        #expect(period.key == c.key)
        #expect(period.previous.end == period.start)
        #expect(period.previous.isoWeek != nil)
    }

    @Test func titlesSayWeekAndDays() {
        let week = ReportPeriod.lastCompletedWeek(before: iso("2026-11-25T03:00:00Z"), timeZone: rome)
        #expect(week.title == "Week 47, 16–22 Nov 2026")
        let across = ReportPeriod.lastCompletedWeek(before: iso("2026-12-02T09:00:00Z"), timeZone: rome)
        #expect(across.title == "Week 48, 23–29 Nov 2026")
        let custom = ReportPeriod(
            start: iso("2026-11-30T00:00:00+01:00"), end: iso("2026-12-07T00:00:00+01:00"), timeZone: rome)
        #expect(custom.title == "Week 49, 30 Nov – 6 Dec 2026")
        let days = ReportPeriod(
            start: iso("2026-11-16T00:00:00+01:00"), end: iso("2026-11-19T00:00:00+01:00"), timeZone: rome)
        #expect(days.isoWeek == nil)
        #expect(days.key == "2026-11-16..2026-11-19")
        #expect(days.title == "16–18 Nov 2026")
        #expect(days.previous.start == iso("2026-11-13T00:00:00+01:00"))
        let oneDay = ReportPeriod(
            start: iso("2026-11-30T00:00:00+01:00"), end: iso("2026-12-01T00:00:00+01:00"), timeZone: rome)
        #expect(oneDay.title == "30 Nov 2026")
    }

    @Test(arguments: [
        ("2026-11-16", "2026-11-16T00:00:00+01:00"),
        ("2026-07-01", "2026-07-01T00:00:00+02:00"),
        ("2026-11-16T08:30:00Z", "2026-11-16T08:30:00Z"),
        ("2026-11-16T08:30:00+02:00", "2026-11-16T06:30:00Z"),
    ])
    func boundariesAreDaysInTheZoneOrISOTimes(_ text: String, _ expected: String) {
        #expect(ReportPeriod.parseBoundary(text, timeZone: rome) == iso(expected))
    }

    @Test(arguments: ["16/11/2026", "2026-13-01", "yesterday", ""])
    func otherBoundariesAreRejected(_ text: String) {
        #expect(ReportPeriod.parseBoundary(text, timeZone: rome) == nil)
    }
}

@Suite struct ReportFormatTests {
    @Test(arguments: [
        (1.0, "100 %"), (0.99996, "99.99 %"), (0.9991, "99.91 %"), (0.5, "50.0 %"), (0.36149, "36.1 %"), (0.0, "0 %"),
        (0.99999999, "99.99 %"),
    ])
    func percentagesNeverRoundUpTo100(_ fraction: Double, _ text: String) {
        #expect(ReportFormat.percent(fraction) == text)
    }

    @Test(arguments: [
        (512.0, "512 B"), (1536.0, "1.50 KiB"), (75_161_927_680.0, "70.0 GiB"), (1.2 * 1_099_511_627_776, "1.20 TiB"),
        (300 * 1_073_741_824.0, "300 GiB"),
    ])
    func bytesAreIEC(_ value: Double, _ text: String) {
        #expect(ReportFormat.bytes(value) == text)
    }

    @Test func changesAreSigned() {
        #expect(ReportFormat.bytesChange(75_161_927_680, from: 75_161_927_680 * 10) == "+70.0 GiB (+10 %)")
        #expect(ReportFormat.bytesChange(-1024, from: 1024 * 400) == "−1.00 KiB (−0.2 %)")
        #expect(ReportFormat.bytesChange(0, from: 5) == "±0 B")
        #expect(ReportFormat.count(1_961_286) == "1,961,286")
    }

    @Test func sparklinesScaleToTheLimitAndLeaveGapsBlank() {
        #expect(Sparkline.render([0, 450, 900, nil, 1800], floor: 0, ceiling: 900) == "▁▅█ █")
        #expect(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.render([nil, nil]) == "  ")
        #expect(Sparkline.render([5, 5]) == "▁▁")
    }
}
