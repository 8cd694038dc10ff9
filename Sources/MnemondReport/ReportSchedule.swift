import Foundation
import MnemondModel

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
            "catching up: the report scheduled \(at(slot)) was not sent (mnemond was not running then); sending the \(period.key) report \(DurationText.human(late)) late"
        )
    }
}
