import Foundation

/// Dates as findings and messages write them, in UTC, without building a `DateFormatter` (an ICU
/// object) for every one: a 1,000-bucket cycle writes tens of thousands.
public enum UTCText {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    public static func parts(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return (c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// `2026-11-19`
    public static func day(_ date: Date) -> String {
        let p = parts(date)
        let year = "\(p.year)"
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-\(two(p.month))-\(two(p.day))"
    }

    /// `2026-11-19 14:05 UTC`
    public static func minute(_ date: Date) -> String {
        let p = parts(date)
        return "\(day(date)) \(two(p.hour)):\(two(p.minute)) UTC"
    }

    /// `2026-11-19T14:05:09Z`: whole seconds (rounded down), as `ISO8601DateFormatter` writes
    /// it; that formatter is an ICU date format, and building one the first time a message needs
    /// it loads ICU's data and code (about 2.5 MB of the binary paged in at a daemon's first
    /// PITR warning).
    public static func iso(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = "\(c.year ?? 0)"
        return String(repeating: "0", count: max(0, 4 - year.count)) + year
            + "-\(two(c.month ?? 0))-\(two(c.day ?? 0))T\(two(c.hour ?? 0)):\(two(c.minute ?? 0)):\(two(c.second ?? 0))Z"
    }

    /// `07`
    public static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
