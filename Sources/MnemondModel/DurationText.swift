import Foundation

/// The one way mnemond reads and writes durations.
///
/// - `parse` reads what operators write in the config and on the command line: `90s`, `30m`,
///   `4h`, `1d`, `2w`, `1h30m`, and the human form `3 h 10 min`.
/// - `format` writes the config form back (`1h30m`), for values that are read again.
/// - `human` writes every duration a person reads — check messages, alerts, `status`,
///   `history`, the weekly report, the systemd status line: `45 s`, `1 min 59 s`, `25 min`,
///   `3 h 10 min`, `2 d 4 h`. Two units at most; below ten minutes the seconds are kept, so a
///   119 s lag never reads as "1 min".
public enum DurationText {
    static let units: [String: Int64] = ["s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604_800]

    /// Nil for anything that is not a sequence of `<number><unit>` pairs, and for totals beyond
    /// what a Duration holds (no overflow trap on hostile input).
    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var digits = ""
        var unit = ""
        var sawUnit = false
        func flush() -> Bool {
            guard !digits.isEmpty, let size = units[unit], let n = Int64(digits) else { return false }
            let (product, o1) = n.multipliedReportingOverflow(by: size)
            let (sum, o2) = total.addingReportingOverflow(product)
            guard !o1, !o2 else { return false }
            total = sum
            digits = ""
            unit = ""
            sawUnit = true
            return true
        }
        for c in text where !c.isWhitespace {
            if c.isASCII, c.isNumber {
                if !unit.isEmpty { guard flush() else { return nil } }
                digits.append(c)
            } else if c.isASCII, c.isLetter, !digits.isEmpty {
                unit.append(c)
            } else {
                return nil
            }
        }
        if !unit.isEmpty { guard flush() else { return nil } }
        guard digits.isEmpty, sawUnit else { return nil }
        return .seconds(total)
    }

    /// `4h`, `1h30m`, `45s`, `2d` — the inverse of `parse`.
    public static func format(_ duration: Duration) -> String {
        var s = Int64(duration.seconds.rounded())
        if s <= 0 { return "0s" }
        var text = ""
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60), ("s", 1)] where s >= size {
            text += "\(s / size)\(unit)"
            s %= size
        }
        return text
    }

    /// `45 s`, `1 min 59 s`, `25 min`, `3 h`, `3 h 10 min`, `2 d 4 h` (negative → `0 s`).
    public static func human(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite else { return seconds > 0 ? "∞" : "0 s" }
        let s = Int64(min(max(0, seconds), 9e15).rounded())
        if s < 60 { return "\(s) s" }
        if s < 600 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86400 { return s % 3600 / 60 == 0 ? "\(s / 3600) h" : "\(s / 3600) h \(s % 3600 / 60) min" }
        return s % 86400 / 3600 == 0 ? "\(s / 86400) d" : "\(s / 86400) d \(s % 86400 / 3600) h"
    }

    public static func human(_ duration: Duration) -> String { human(duration.seconds) }

    /// A measured value against a limit in seconds: `95 s`, `901 s (15 min)` — exact seconds so
    /// that a value one second over its limit never reads like the limit, the human form beside.
    public static func measured(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite else { return human(seconds) }
        let s = Int64(min(max(-9e15, seconds), 9e15).rounded())
        return abs(s) < 120 ? "\(s) s" : "\(s) s (\(human(seconds)))"
    }
}
