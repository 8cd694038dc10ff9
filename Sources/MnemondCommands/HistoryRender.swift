import Foundation
import MnemondConfig
import MnemondModel
import MnemondStore

/// `mnemond history`: a series' stored points as statistics and a sparkline, or as CSV.
public enum HistoryRender {
    public struct Statistics: Sendable, Equatable {
        public var min: Double
        public var median: Double
        public var p95: Double
        public var max: Double
        /// Raw samples behind the points (an hourly rollup counts its samples).
        public var count: Int
    }

    /// min and max are exact (rollups keep them); median and p95 are nearest-rank over the raw
    /// values, where an hourly rollup stands for its mean repeated `count` times.
    public static func statistics(_ points: [HistoryPoint]) -> Statistics? {
        guard !points.isEmpty else { return nil }
        let weighted = points.map { ($0.mean, $0.count) }.sorted { $0.0 < $1.0 }
        let total = weighted.reduce(0) { $0 + $1.1 }
        func percentile(_ p: Double) -> Double {
            let rank = Swift.max(1, Int((p * Double(total)).rounded(.up)))
            var seen = 0
            for (value, count) in weighted {
                seen += count
                if seen >= rank { return value }
            }
            return weighted.last!.0
        }
        return Statistics(
            min: points.map(\.min).min()!, median: percentile(0.5), p95: percentile(0.95),
            max: points.map(\.max).max()!, count: total)
    }

    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One character per equal slice of [from, to): the weighted mean of the slice's points
    /// scaled between the lowest and highest slice; a blank where nothing was stored (the daemon
    /// was not running).
    public static func sparkline(_ points: [HistoryPoint], from: Date, to: Date, width: Int) -> String {
        let span = to.timeIntervalSince(from)
        guard width > 0, span > 0 else { return "" }
        var sums = [Double](repeating: 0, count: width)
        var counts = [Int](repeating: 0, count: width)
        for point in points {
            let offset = point.time.timeIntervalSince(from)
            guard offset >= 0, offset < span else { continue }
            let slot = Swift.min(width - 1, Int(offset / span * Double(width)))
            sums[slot] += point.mean * Double(point.count)
            counts[slot] += point.count
        }
        let means = zip(sums, counts).map { $1 == 0 ? nil : $0 / Double($1) }
        let present = means.compactMap { $0 }
        guard let low = present.min(), let high = present.max() else { return String(repeating: " ", count: width) }
        return String(
            means.map { mean -> Character in
                guard let mean else { return " " }
                if high == low { return blocks[3] }
                let level = Int(((mean - low) / (high - low) * Double(blocks.count - 1)).rounded())
                return blocks[Swift.min(blocks.count - 1, Swift.max(0, level))]
            })
    }

    /// A value in the series' unit: `_seconds` series as durations ("1 min 59 s", "1.6 s"),
    /// others as numbers.
    static func format(_ value: Double, series: Series) -> String {
        if series.name.hasSuffix("_seconds") {
            return abs(value) >= 10 ? DurationText.human(value) : String(format: "%.3g s", value)
        }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }

    /// The text view: per label set, a header, the statistics and a sparkline over the window.
    public static func text(_ histories: [SeriesHistory], since: Date, now: Date, width: Int = 60) -> String {
        var lines: [String] = []
        for history in histories {
            guard let stats = statistics(history.points) else { continue }
            let labels = history.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: " ")
            let first = history.points.first!.time
            let last = history.points.last!.time
            lines.append(
                "\(history.series)\(labels.isEmpty ? "" : "  \(labels)")  (\(stats.count) samples, "
                    + "\(Render.time(first)) → \(Render.time(last)))")
            lines.append(
                "  min \(format(stats.min, series: history.series))  median \(format(stats.median, series: history.series))"
                    + "  p95 \(format(stats.p95, series: history.series))  max \(format(stats.max, series: history.series))"
                    + "  now \(format(history.points.last!.mean, series: history.series))")
            lines.append("  \(sparkline(history.points, from: since, to: now, width: width))")
            lines.append(
                "  \(Render.time(since))" + String(repeating: " ", count: Swift.max(1, width - 40))
                    + Render.time(now))
            if history.points.contains(where: \.rolledUp) {
                lines.append("  (older than the raw window: hourly rollups; median and p95 there use hourly means)")
            }
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// RFC 4180 CSV, one row per stored point; a rollup row carries its hour's mean, min, max and count.
    public static func csv(_ histories: [SeriesHistory]) -> String {
        var lines = ["time,series,labels,value,min,max,count,rolled_up"]
        for history in histories {
            let labels = quote(Sample.labelKey(history.labels))
            for p in history.points {
                lines.append(
                    [
                        Render.time(p.time), quote(history.series.name), labels, number(p.mean), number(p.min),
                        number(p.max), String(p.count), p.rolledUp ? "true" : "false",
                    ].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `7d`, `12h`, `30m`, `45s`, `2w`, `1d12h` → a duration; nil for anything else.
    public static func parseSince(_ text: String) -> Duration? {
        guard let duration = DurationText.parse(text), duration > .zero else { return nil }
        return duration
    }

    /// The error for a series the store does not have, with a hint.
    public static func unknownSeries(_ series: String, known: [String]) -> String {
        var message = "no series \"\(series)\" in the store"
        if let hint = suggestion(for: series, among: known) { message += " (did you mean \"\(hint)\"?)" }
        message += known.isEmpty ? "; the store holds no samples yet" : "; known: \(known.joined(separator: ", "))"
        return message
    }
}
