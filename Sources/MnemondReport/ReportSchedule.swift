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
        let calendar = ReportPeriod.isoCalendar(timeZone)
        let this = occurrence(inWeekOf: now, calendar)
        if this <= now { return this }
        return occurrence(inWeekOf: calendar.date(byAdding: .day, value: -7, to: now)!, calendar)
    }

    /// The first scheduled time after `now`.
    public func next(after now: Date, timeZone: TimeZone) -> Date {
        let calendar = ReportPeriod.isoCalendar(timeZone)
        let this = occurrence(inWeekOf: now, calendar)
        if this > now { return this }
        return occurrence(inWeekOf: calendar.date(byAdding: .day, value: 7, to: now)!, calendar)
    }
}

/// Whether the weekly report is to be queued now, which week it covers, and why — printable.
public struct SendDecision: Sendable, Equatable {
    public var due: Bool
    /// The scheduled time the decision is about (the last one at or before now).
    public var slot: Date
    /// The week to report: the ISO week that ended last before `slot`.
    public var period: ReportPeriod
    /// When to look again if nothing changes.
    public var next: Date
    public var reason: String
}

/// The weekly report's schedule decision.
public enum WeeklyReport {
    /// A report queued more than this after its scheduled time is a catch-up.
    static let onTimeTolerance: TimeInterval = 900

    /// The schedule decision, pure. `lastSent` is when the last scheduled report was queued;
    /// `watchingSince` when mnemond first recorded a cycle (a fresh install owes no report for
    /// weeks before it started). A daemon that was down at the scheduled time queues the missed
    /// report once when it comes back; older missed weeks are not replayed (`mnemond report
    /// --since … --until …` renders any of them).
    public static func isDue(
        now: Date, lastSent: Date?, schedule: SendSchedule, timeZone: TimeZone, watchingSince: Date? = nil
    ) -> SendDecision {
        let slot = schedule.latest(atOrBefore: now, timeZone: timeZone)
        let period = ReportPeriod.lastCompletedWeek(before: slot, timeZone: timeZone)
        let next = schedule.next(after: now, timeZone: timeZone)
        let at = { (date: Date) in "\(ReportFormat.dateTime(date, timeZone)) (\(timeZone.identifier))" }
        func decision(_ due: Bool, _ reason: String) -> SendDecision {
            SendDecision(due: due, slot: slot, period: period, next: due ? slot : next, reason: reason)
        }
        if let lastSent, lastSent >= slot {
            return decision(
                false, "not due: the report scheduled \(at(slot)) was queued \(at(lastSent)); next \(at(next))")
        }
        if lastSent == nil {
            guard let watchingSince else {
                return decision(false, "not due: mnemond has recorded nothing yet; next look \(at(next))")
            }
            if watchingSince > slot {
                return decision(
                    false,
                    "not due: mnemond started watching \(at(watchingSince)), after the last scheduled time; first report \(at(next))"
                )
            }
        }
        let late = now.timeIntervalSince(slot)
        if late <= onTimeTolerance {
            return decision(true, "due: scheduled \(at(slot)), report for \(period.key)")
        }
        return decision(
            true,
            "catching up: the report scheduled \(at(slot)) was not sent (mnemond was not running then); sending the \(period.key) report \(ReportFormat.duration(late)) late"
        )
    }
}
