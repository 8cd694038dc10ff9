import Foundation

/// `report.send_at`: a weekday and a time of day, read in the report's zone.
public struct SendSchedule: Sendable, Equatable, CustomStringConvertible {
    /// ISO numbering: 1 Monday … 7 Sunday.
    public var weekday: Int
    public var hour: Int
    public var minute: Int

    public init(weekday: Int, hour: Int, minute: Int) {
        self.weekday = weekday
        self.hour = hour
        self.minute = minute
    }

    /// The guide's backup schedule is Europe/Rome time, so the report's days are too by default.
    public static let defaultTimeZone = TimeZone(identifier: "Europe/Rome")!

    /// Monday 08:00: the report is waiting when the week starts.
    public static let defaultSchedule = SendSchedule(weekday: 1, hour: 8, minute: 0)

    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// `Monday 08:00`, `mon 8:00`, `Sunday 23:30`.
    public static func parse(_ text: String) -> SendSchedule? {
        let parts = text.lowercased().split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let day = String(parts[0])
        guard day.count >= 3, let index = weekdays.firstIndex(where: { $0.hasPrefix(day) }) else { return nil }
        let time = parts[1].split(separator: ":")
        guard time.count == 2, time[1].count == 2, let hour = Int(time[0]), let minute = Int(time[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return SendSchedule(weekday: index + 1, hour: hour, minute: minute)
    }

    public var description: String {
        "\(Self.weekdays[weekday - 1].capitalized) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }

    /// This schedule's time in the ISO week holding `date`. A time the clocks skip (a spring-forward
    /// night) is taken as the same wall-clock offset from midnight.
    func occurrence(inWeekOf date: Date, _ calendar: Calendar) -> Date {
        let weekStart = calendar.dateInterval(of: .weekOfYear, for: date)!.start
        let day = calendar.date(byAdding: .day, value: weekday - 1, to: weekStart)!
        return calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day)
            ?? day.addingTimeInterval(Double(hour * 3600 + minute * 60))
    }

    /// The last scheduled time at or before `now`.
    public func latest(atOrBefore now: Date, timeZone: TimeZone) -> Date {
        let calendar = Calendar.isoWeeks(timeZone)
        let this = occurrence(inWeekOf: now, calendar)
        if this <= now { return this }
        return occurrence(inWeekOf: calendar.date(byAdding: .day, value: -7, to: now)!, calendar)
    }

    /// The first scheduled time after `now`.
    public func next(after now: Date, timeZone: TimeZone) -> Date {
        let calendar = Calendar.isoWeeks(timeZone)
        let this = occurrence(inWeekOf: now, calendar)
        if this > now { return this }
        return occurrence(inWeekOf: calendar.date(byAdding: .day, value: 7, to: now)!, calendar)
    }
}

extension Calendar {
    /// ISO 8601 weeks (Monday first, minimum 4 days in the first week) in `timeZone`: the weeks
    /// the report covers and the schedule counts in.
    public static func isoWeeks(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        calendar.locale = Locale(identifier: "en_US_POSIX")
        return calendar
    }
}
