import Foundation

/// How the report writes numbers and times: units always shown, times in the report's zone.
public enum ReportFormat {

    /// A fraction as a percentage: `100 %` only when it is exactly 1 (99.996 % shows as 99.99 %,
    /// never as a rounded-up 100 %), one decimal otherwise, two above 99.9 %.
    public static func percent(_ fraction: Double) -> String {
        if fraction >= 1 { return "100 %" }
        if fraction <= 0 { return "0 %" }
        let p = fraction * 100
        if p >= 99.9 { return String(format: "%.2f %%", (p * 100).rounded(.down) / 100) }
        return String(format: "%.1f %%", (p * 10).rounded(.down) / 10)
    }

    /// `1.23 TiB`, `512 B` (IEC units, as the AWS console shows storage).
    public static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = abs(value)
        var unit = 0
        while v >= 1024, unit < units.count - 1 {
            v /= 1024
            unit += 1
        }
        let sign = value < 0 ? "−" : ""
        if unit == 0 { return "\(sign)\(Int(v)) B" }
        return sign + String(format: v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v) + " " + units[unit]
    }

    /// `+12.4 GiB (+1.2 %)`, `±0 B`.
    public static func bytesChange(_ delta: Double, from base: Double?) -> String {
        if delta == 0 { return "±0 B" }
        let sign = delta > 0 ? "+" : "−"
        var text = sign + bytes(abs(delta))
        if let base, base > 0 { text += " (\(signedPercent(delta / base)))" }
        return text
    }

    /// `+1.2 %`, `−0.4 %`.
    public static func signedPercent(_ fraction: Double) -> String {
        let p = fraction * 100
        let sign = p > 0 ? "+" : p < 0 ? "−" : "±"
        return sign + String(format: abs(p) >= 10 ? "%.0f %%" : "%.1f %%", abs(p))
    }

    /// `1,234,567`.
    public static func count(_ value: Double) -> String {
        let n = Int(value.rounded())
        let digits = String(abs(n))
        var grouped = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0, index % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return (n < 0 ? "−" : "") + String(grouped.reversed())
    }

    static func formatter(_ format: String, _ timeZone: TimeZone) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = format
        return f
    }

    /// `Wed 18 Nov 14:05`.
    public static func dateTime(_ date: Date, _ timeZone: TimeZone) -> String {
        formatter("EEE d MMM HH:mm", timeZone).string(from: date)
    }

    /// `Thu 19 Nov 02:55 – 04:30`, or with both days when they differ.
    public static func range(_ span: Span, _ timeZone: TimeZone) -> String {
        let sameDay = day(span.start, timeZone) == day(span.end, timeZone)
        return
            "\(dateTime(span.start, timeZone)) – \(sameDay ? time(span.end, timeZone) : dateTime(span.end, timeZone))"
    }

    /// `Wed 18 Nov`.
    public static func day(_ date: Date, _ timeZone: TimeZone) -> String {
        formatter("EEE d MMM", timeZone).string(from: date)
    }

    /// `14:05`.
    public static func time(_ date: Date, _ timeZone: TimeZone) -> String {
        formatter("HH:mm", timeZone).string(from: date)
    }

    /// `Wed`.
    public static func weekday(_ date: Date, _ timeZone: TimeZone) -> String {
        formatter("EEE", timeZone).string(from: date)
    }

    /// `2026-11-16`.
    public static func isoDay(_ date: Date, _ timeZone: TimeZone) -> String {
        formatter("yyyy-MM-dd", timeZone).string(from: date)
    }

    /// `16–22 Nov 2026`, `30 Nov – 6 Dec 2026`, `28 Dec 2026 – 3 Jan 2027`.
    public static func dayRange(_ first: Date, _ last: Date, _ timeZone: TimeZone) -> String {
        let calendar = ReportPeriod.isoCalendar(timeZone)
        let a = calendar.dateComponents([.year, .month], from: first)
        let b = calendar.dateComponents([.year, .month], from: last)
        // One day is that day, not "30–30 Nov 2026".
        if calendar.isDate(first, inSameDayAs: last) { return formatter("d MMM yyyy", timeZone).string(from: first) }
        if a.year != b.year {
            return
                "\(formatter("d MMM yyyy", timeZone).string(from: first)) – \(formatter("d MMM yyyy", timeZone).string(from: last))"
        }
        if a.month != b.month {
            return
                "\(formatter("d MMM", timeZone).string(from: first)) – \(formatter("d MMM yyyy", timeZone).string(from: last))"
        }
        return "\(formatter("d", timeZone).string(from: first))–\(formatter("d MMM yyyy", timeZone).string(from: last))"
    }

    /// The zone as a reader knows it: `Europe/Rome, UTC+1` at `date`.
    public static func zone(_ timeZone: TimeZone, at date: Date) -> String {
        let seconds = timeZone.secondsFromGMT(for: date)
        let hours = seconds / 3600
        let minutes = abs(seconds % 3600) / 60
        let offset =
            seconds == 0 ? "UTC" : "UTC\(hours >= 0 ? "+" : "−")\(abs(hours))" + (minutes > 0 ? ":\(minutes)" : "")
        return "\(timeZone.identifier), \(offset)"
    }
}
