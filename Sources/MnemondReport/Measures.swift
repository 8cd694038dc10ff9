import Foundation
import MnemondStore

/// Statistics over stored points. Percentiles are nearest-rank (the value at rank ⌈p·N⌉ of the
/// sorted samples), the definition an operator can check by hand; an hourly rollup stands for its
/// mean repeated `count` times, so percentiles over rolled-up weeks are approximate. Maxima are
/// exact either way (rollups keep them).
enum Measures {
    struct Statistics: Equatable {
        var p50: Double
        var p95: Double
        var max: Double
        var count: Int
        var approximate: Bool
    }

    static func statistics(_ points: [HistoryPoint]) -> Statistics? {
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
            p50: percentile(0.5), p95: percentile(0.95), max: points.map(\.max).max()!, count: total,
            approximate: points.contains { $0.rolledUp })
    }

    /// The largest value per equal slice of `window` (nil where nothing was stored).
    static func slots(_ points: [HistoryPoint], window: Span, count: Int) -> [Double?] {
        let span = window.seconds
        guard count > 0, span > 0 else { return [] }
        var slots = [Double?](repeating: nil, count: count)
        for point in points {
            let offset = point.time.timeIntervalSince(window.start)
            guard offset >= 0, offset < span else { continue }
            let index = Swift.min(count - 1, Int(offset / span * Double(count)))
            slots[index] = Swift.max(slots[index] ?? -.infinity, point.max)
        }
        return slots
    }

    /// The last point at or before `time`.
    static func value(atOrBefore time: Date, in points: [HistoryPoint]) -> HistoryPoint? {
        points.last { $0.time <= time }
    }

    /// How many times an age series started again from zero inside `window`: the age of the newest
    /// backup or recovery point only grows between collections, so a drop means a newer one
    /// appeared. Needs the point before the window to judge its first point.
    static func resets(_ points: [HistoryPoint], in window: Span) -> Int {
        var count = 0
        for (previous, current) in zip(points, points.dropFirst())
        where current.time >= window.start && current.time < window.end {
            if current.min + 1 < previous.max { count += 1 }
        }
        return count
    }

    /// How many items appeared in a per-state count series inside `window`. The collector writes a
    /// state's count only while it is non-zero, at the times in `clock` (every backup collection),
    /// so a collection without a sample of the state counts 0 — a failure that ages out of the
    /// listing window and a new one later are two, not one.
    static func appearances(_ points: [HistoryPoint], clock: [Date], in window: Span) -> Int {
        let byTime = Dictionary(points.map { ($0.time, $0.max) }, uniquingKeysWith: { a, _ in a })
        var count = 0
        var previous: Double?
        for time in clock {
            let value = byTime[time] ?? 0
            if let previous, time >= window.start, time < window.end, value > previous {
                count += Int((value - previous).rounded())
            }
            previous = value
        }
        return count
    }
}
