import Foundation
import MnemondModel

/// An AWS schedule expression (`cron(…)` with six fields, or `rate(…)`), evaluated the way AWS
/// Backup and EventBridge document it, so mnemond knows when the next recovery point is due
/// even when no job ever FAILED.
///
/// Fields: minutes, hours, day-of-month, month, day-of-week, year. Wildcards: `, - * /` in every
/// field; `?` in day-of-month or day-of-week (exactly one of them); `L` (last day of the month,
/// or of the week: Saturday), `W` (nearest weekday, `LW` the last weekday) in day-of-month;
/// `L` after a weekday (`6L`: the last Friday) and `#` (`3#2`: the second Tuesday) in
/// day-of-week. Day-of-week runs 1-7 = SUN-SAT. A range may wrap (`20-2` in hours).
public enum BackupSchedule: Sendable, Equatable {
    case cron(Cron)
    /// `rate(N minutes|hours|days)`: every `seconds`, counted from when the schedule started.
    case rate(seconds: Int)

    public struct Cron: Sendable, Equatable {
        public var minutes: Set<Int>
        public var hours: Set<Int>
        public var days: DayRule
        public var months: Set<Int>
        public var years: Set<Int>?  // nil: every year
        public var text: String
    }

    /// Which days of a month match: day-of-month or day-of-week, never both (the other is `?`).
    public enum DayRule: Sendable, Equatable {
        case monthDays(Set<Int>, last: Bool, weekdayNear: Int?, lastWeekday: Bool)
        case weekDays(Set<Int>)
        case lastWeekDay(Int)
        case nthWeekDay(Int, n: Int)
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var expression: String
        public var reason: String
        public init(expression: String, reason: String) {
            self.expression = expression
            self.reason = reason
        }
        public var description: String { "schedule expression \(expression): \(reason)" }
    }

    public static func parse(_ expression: String) throws(ParseError) -> BackupSchedule {
        let text = expression.trimmingCharacters(in: .whitespaces)
        func fail(_ reason: String) -> ParseError { ParseError(expression: expression, reason: reason) }
        if text.hasPrefix("rate("), text.hasSuffix(")") {
            let inner = text.dropFirst(5).dropLast().split(separator: " ")
            guard inner.count == 2, let value = Int(inner[0]), value > 0 else {
                throw fail("rate takes a positive whole number and a unit, e.g. rate(6 hours)")
            }
            let unit: Int
            switch inner[1] {
            case "minute" where value == 1, "minutes" where value > 1: unit = 60
            case "hour" where value == 1, "hours" where value > 1: unit = 3600
            case "day" where value == 1, "days" where value > 1: unit = 86_400
            default: throw fail("unknown rate unit \"\(inner[1])\" (minute(s), hour(s), day(s))")
            }
            return .rate(seconds: value * unit)
        }
        guard text.hasPrefix("cron("), text.hasSuffix(")") else {
            throw fail("neither cron(…) nor rate(…)")
        }
        let fields = text.dropFirst(5).dropLast().split(separator: " ", omittingEmptySubsequences: true).map(
            String.init)
        guard fields.count == 6 else { throw fail("cron takes 6 fields, found \(fields.count)") }
        let minutes = try field(fields[0], 0...59, name: "minutes", expression)
        let hours = try field(fields[1], 0...23, name: "hours", expression)
        let months = try field(fields[3], 1...12, name: "month", expression, names: monthNames)
        let years: Set<Int>? = fields[5] == "*" ? nil : try field(fields[5], 1970...2199, name: "year", expression)
        let dom = fields[2]
        let dow = fields[4].uppercased()
        let days: DayRule
        switch (dom == "?", dow == "?") {
        case (true, true), (false, false):
            throw fail("exactly one of day-of-month and day-of-week must be ?")
        case (false, true):
            switch dom.uppercased() {
            case "L": days = .monthDays([], last: true, weekdayNear: nil, lastWeekday: false)
            case "LW": days = .monthDays([], last: false, weekdayNear: nil, lastWeekday: true)
            case let w where w.hasSuffix("W"):
                guard let day = Int(w.dropLast()), (1...31).contains(day) else {
                    throw fail("day-of-month \(dom): W follows a day 1-31")
                }
                days = .monthDays([], last: false, weekdayNear: day, lastWeekday: false)
            default:
                days = .monthDays(
                    try field(dom, 1...31, name: "day-of-month", expression), last: false, weekdayNear: nil,
                    lastWeekday: false)
            }
        case (true, false):
            if dow == "L" {
                days = .weekDays([7])
            } else if dow.hasSuffix("L") {
                guard let day = weekday(String(dow.dropLast())) else {
                    throw fail("day-of-week \(fields[4]): L follows a weekday 1-7 or SUN-SAT")
                }
                days = .lastWeekDay(day)
            } else if dow.contains("#") {
                let parts = dow.split(separator: "#")
                guard parts.count == 2, let day = weekday(String(parts[0])), let n = Int(parts[1]), (1...5).contains(n)
                else { throw fail("day-of-week \(fields[4]): # takes weekday#n with n 1-5") }
                days = .nthWeekDay(day, n: n)
            } else {
                days = .weekDays(try field(dow, 1...7, name: "day-of-week", expression, names: dayNames))
            }
        }
        return .cron(Cron(minutes: minutes, hours: hours, days: days, months: months, years: years, text: text))
    }

    public static let utc = TimeZone(identifier: "UTC")!

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    static func weekday(_ text: String) -> Int? {
        if let n = Int(text), (1...7).contains(n) { return n }
        return dayNames.firstIndex(of: text.uppercased()).map { $0 + 1 }
    }

    /// One field: `*`, `a`, `a-b` (wrapping when b < a), `a/step`, `a-b/step`, `*/step`, lists.
    static func field(
        _ text: String, _ range: ClosedRange<Int>, name: String, _ expression: String, names: [String] = []
    ) throws(ParseError) -> Set<Int> {
        func fail(_ reason: String) -> ParseError {
            ParseError(expression: expression, reason: "\(name) \"\(text)\": \(reason)")
        }
        func value(_ token: Substring) throws(ParseError) -> Int {
            if let n = Int(token), range.contains(n) { return n }
            if let index = names.firstIndex(of: token.uppercased()) { return index + range.lowerBound }
            throw fail("\(token) is not in \(range.lowerBound)-\(range.upperBound)")
        }
        var out: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw fail("empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("more than one /") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw fail("step \(pieces[1]) is not a positive number") }
                step = s
            }
            let base = pieces[0]
            var values: [Int]
            if base == "*" {
                values = Array(range)
            } else if base.contains("-") {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count == 2 else { throw fail("a range has two ends") }
                let (a, b) = (try value(ends[0]), try value(ends[1]))
                // AWS allows wrapping ranges (hours 20-2: 20, 21, 22, 23, 0, 1, 2).
                values = a <= b ? Array(a...b) : Array(a...range.upperBound) + Array(range.lowerBound...b)
            } else {
                let start = try value(base)
                values = pieces.count == 2 ? Array(start...range.upperBound) : [start]
            }
            for (i, v) in values.enumerated() where i % step == 0 { out.insert(v) }
        }
        return out
    }
}

extension BackupSchedule {
    /// The first scheduled instant strictly after `date`, in the schedule's time zone (AWS Backup's
    /// `ScheduleExpressionTimezone`, UTC by default). A rate counts from `anchor`. nil: never again.
    public func next(after date: Date, timeZone: TimeZone = BackupSchedule.utc, anchor: Date? = nil) -> Date? {
        switch self {
        case .rate(let seconds):
            let start = anchor ?? Date(timeIntervalSince1970: 0)
            let k = ((date.timeIntervalSince(start)) / Double(seconds)).rounded(.down) + 1
            return start.addingTimeInterval(max(0, k) * Double(seconds))
        case .cron(let cron):
            return cron.search(from: date, forward: true, timeZone: timeZone)
        }
    }

    /// The last scheduled instant at or before `date`. nil: none in the search horizon.
    public func previous(atOrBefore date: Date, timeZone: TimeZone = BackupSchedule.utc, anchor: Date? = nil) -> Date? {
        switch self {
        case .rate(let seconds):
            let start = anchor ?? Date(timeIntervalSince1970: 0)
            guard date >= start else { return nil }
            let k = (date.timeIntervalSince(start) / Double(seconds)).rounded(.down)
            return start.addingTimeInterval(k * Double(seconds))
        case .cron(let cron):
            return cron.search(from: date, forward: false, timeZone: timeZone)
        }
    }

    /// The longest gap between two consecutive instants over the next `horizonDays` from `date`:
    /// the interval a plan really promises (a 6-hourly plan: 6 h; weekdays only: 3 days).
    public func longestInterval(from date: Date, horizonDays: Int = 35, timeZone: TimeZone = BackupSchedule.utc)
        -> TimeInterval?
    {
        if case .rate(let seconds) = self { return TimeInterval(seconds) }
        let end = date.addingTimeInterval(Double(horizonDays) * 86_400)
        guard var previous = next(after: date, timeZone: timeZone) else { return nil }
        var longest: TimeInterval = 0
        var count = 0
        while let following = next(after: previous, timeZone: timeZone), following <= end, count < 100_000 {
            longest = max(longest, following.timeIntervalSince(previous))
            previous = following
            count += 1
        }
        return count == 0 ? nil : longest
    }
}

extension BackupSchedule.Cron {
    /// Walks civil days (in `timeZone`) forward or backward for up to ~5 years, then the matching
    /// hours and minutes of each matching day.
    func search(from date: Date, forward: Bool, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard var year = start.year, var month = start.month, var day = start.day else { return nil }
        let sortedHours = hours.sorted(by: forward ? (<) : (>))
        let sortedMinutes = minutes.sorted(by: forward ? (<) : (>))
        for _ in 0..<(366 * 5) {
            if matches(year: year, month: month, day: day, calendar: calendar) {
                for hour in sortedHours {
                    for minute in sortedMinutes {
                        guard
                            let candidate = calendar.date(
                                from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))
                        else { continue }
                        if forward ? candidate > date : candidate <= date { return candidate }
                    }
                }
            }
            // Next (or previous) civil day.
            if forward {
                day += 1
                if day > daysIn(year: year, month: month) {
                    day = 1
                    month += 1
                    if month > 12 {
                        month = 1
                        year += 1
                    }
                }
            } else {
                day -= 1
                if day < 1 {
                    month -= 1
                    if month < 1 {
                        month = 12
                        year -= 1
                    }
                    day = daysIn(year: year, month: month)
                }
            }
            if year > 2199 || year < 1970 { return nil }
        }
        return nil
    }

    func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// 1 = Sunday … 7 = Saturday, as AWS numbers them.
    func weekday(year: Int, month: Int, day: Int) -> Int {
        // Zeller-free: days since 1970-01-01 (a Thursday, weekday 5).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return ((days % 7 + 7) % 7 + 4) % 7 + 1
    }

    func matches(year: Int, month: Int, day: Int, calendar: Calendar) -> Bool {
        if let years, !years.contains(year) { return false }
        guard months.contains(month) else { return false }
        let last = daysIn(year: year, month: month)
        switch days {
        case .monthDays(let set, let isLast, let near, let lastWeekday):
            if isLast { return day == last }
            if lastWeekday {
                var d = last
                while (2...6).contains(weekday(year: year, month: month, day: d)) == false { d -= 1 }
                return day == d
            }
            if let near {
                // The weekday nearest to `near` within the same month (Quartz/AWS `W`).
                let target = min(near, last)
                var d = target
                switch weekday(year: year, month: month, day: target) {
                case 7: d = target == 1 ? target + 2 : target - 1  // Saturday → Friday (or Monday the 3rd)
                case 1: d = target == last ? target - 2 : target + 1  // Sunday → Monday (or Friday)
                default: break
                }
                return day == d
            }
            return set.contains(day)
        case .weekDays(let set):
            return set.contains(weekday(year: year, month: month, day: day))
        case .lastWeekDay(let wd):
            return weekday(year: year, month: month, day: day) == wd && day + 7 > last
        case .nthWeekDay(let wd, let n):
            return weekday(year: year, month: month, day: day) == wd && (day - 1) / 7 + 1 == n
        }
    }
}
