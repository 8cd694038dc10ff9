import Foundation
import MnemondSigV4

/// ISO 8601 timestamps as AWS writes them, with or without fractional seconds.
///
/// AWS answers carry thousands of timestamps per cycle (CloudWatch points, jobs, recovery
/// points); building an `ISO8601DateFormatter` for each cost ≈ 110 µs and most of a cycle's CPU.
/// The shapes AWS uses (`2026-11-20T14:00:00Z`, `…00.123Z`, `…00+01:00`) are read directly;
/// anything else falls back to Foundation's formatter, so what is accepted does not change.
public enum ISO8601 {
    public static func parse(_ text: String) -> Date? {
        if let date = fastParse(text) { return date }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)` in whole seconds, as `ISO8601DateFormatter` writes it.
    public static func format(_ date: Date) -> String {
        let total = Int64((date.timeIntervalSince1970).rounded(.down))
        var days = total / 86_400
        var seconds = total % 86_400
        if seconds < 0 {
            seconds += 86_400
            days -= 1
        }
        let (year, month, day) = SigV4.civil(days: days)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let yearText =
            year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - "\(year)".count) + "\(year)" : "\(year)"
        return
            "\(yearText)-\(two(month))-\(two(day))T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))Z"
    }

    /// The fast path: nil when the text is not in one of the shapes above (the caller falls back).
    static func fastParse(_ text: String) -> Date? {
        var utf8 = text.utf8.makeIterator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        while let b = utf8.next() {
            bytes.append(b)
            if bytes.count > 40 { return nil }
        }
        guard bytes.count >= 20 else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for i in from..<(from + count) {
                let b = bytes[i]
                guard b >= 0x30 && b <= 0x39 else { return nil }
                value = value * 10 + Int64(b - 0x30)
            }
            return value
        }
        guard bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
            let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
            let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == 0x2E {  // '.'
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch bytes[index] {
        case 0x5A:  // 'Z'
            guard index + 1 == bytes.count else { return nil }
        case 0x2B, 0x2D:  // '+', '-'
            let sign: Int64 = bytes[index] == 0x2B ? 1 : -1
            let rest = bytes.count - index - 1
            guard rest == 5, bytes[index + 3] == 0x3A, let h = digits(index + 1, 2), let m = digits(index + 4, 2),
                h < 24, m < 60
            else { return nil }
            offsetSeconds = sign * (h * 3600 + m * 60)
        default:
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
