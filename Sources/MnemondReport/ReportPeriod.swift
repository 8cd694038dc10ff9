import Foundation
import MnemondModel

/// The stretch of time a report covers, [start, end), read in one time zone. The weekly report
/// covers the ISO week (Monday 00:00 to Monday 00:00) that ended last in the configured zone —
/// Europe/Rome by default, the zone of the guide's backup schedule ("00:00, 06:00, 12:00, 18:00
/// Europe/Rome time") — so a week in which the clocks change has 167 or 169 hours.
public struct ReportPeriod: Sendable, Equatable {
    public var start: Date
    public var end: Date
    public var timeZone: TimeZone

    public init(start: Date, end: Date, timeZone: TimeZone) {
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    public static let defaultTimeZone = SendSchedule.defaultTimeZone

    var calendar: Calendar { Self.isoCalendar(timeZone) }

    /// ISO 8601 weeks (Monday first, week 1 holds the first Thursday) in `timeZone`.
    public static func isoCalendar(_ timeZone: TimeZone) -> Calendar { Calendar.isoWeeks(timeZone) }

    /// The ISO week that ended last at `now`: the week before the one `now` is in.
    public static func lastCompletedWeek(before now: Date, timeZone: TimeZone = defaultTimeZone) -> ReportPeriod {
        let calendar = isoCalendar(timeZone)
        let current = calendar.dateInterval(of: .weekOfYear, for: now)!
        let previous = calendar.dateInterval(of: .weekOfYear, for: current.start.addingTimeInterval(-1))!
        return ReportPeriod(start: previous.start, end: current.start, timeZone: timeZone)
    }

    /// The ISO week holding `date`.
    public static func week(containing date: Date, timeZone: TimeZone = defaultTimeZone) -> ReportPeriod {
        let interval = isoCalendar(timeZone).dateInterval(of: .weekOfYear, for: date)!
        return ReportPeriod(start: interval.start, end: interval.end, timeZone: timeZone)
    }

    /// The period just before this one: the previous ISO week for a week (DST-correct), otherwise
    /// the same length ending where this one starts.
    public var previous: ReportPeriod {
        if isoWeek != nil { return Self.week(containing: start.addingTimeInterval(-1), timeZone: timeZone) }
        return ReportPeriod(start: start - end.timeIntervalSince(start), end: start, timeZone: timeZone)
    }

    public var duration: TimeInterval { end.timeIntervalSince(start) }

    /// `(2026, 47)` when the period is exactly one ISO week, nil otherwise.
    public var isoWeek: (year: Int, week: Int)? {
        let calendar = calendar
        guard let interval = calendar.dateInterval(of: .weekOfYear, for: start), interval.start == start,
            interval.end == end
        else { return nil }
        let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: start)
        return (c.yearForWeekOfYear ?? 0, c.weekOfYear ?? 0)
    }

    /// `2026-W47`, or `2026-11-16..2026-11-23` for another period: stable, for keys and headers.
    public var key: String {
        if let (year, week) = isoWeek { return "\(year)-W\(week < 10 ? "0" : "")\(week)" }
        return "\(ReportFormat.isoDay(start, timeZone))..\(ReportFormat.isoDay(end, timeZone))"
    }

    /// `Week 47, 16–22 Nov 2026` or `16 Nov 2026 – 23 Nov 2026 10:00`.
    public var title: String {
        let lastDay = end.addingTimeInterval(-1)
        if let (_, week) = isoWeek {
            return "Week \(week), \(ReportFormat.dayRange(start, lastDay, timeZone))"
        }
        let calendar = calendar
        let midnight = { (d: Date) in calendar.startOfDay(for: d) == d }
        if midnight(start), midnight(end) { return ReportFormat.dayRange(start, lastDay, timeZone) }
        return "\(ReportFormat.dateTime(start, timeZone)) – \(ReportFormat.dateTime(end, timeZone))"
    }

    /// Parses `--since`/`--until`: a day (`2026-11-16`, midnight in `timeZone`) or an ISO 8601
    /// time with its offset (`2026-11-16T08:00:00Z`).
    public static func parseBoundary(_ text: String, timeZone: TimeZone) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = timeZone
        day.dateFormat = "yyyy-MM-dd"
        day.isLenient = false
        if trimmed.count == 10, let date = day.date(from: trimmed) { return date }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        if let date = iso.date(from: trimmed) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return iso.date(from: trimmed)
    }
}
