import Foundation
import MnemondModel
import MnemondStore

/// A half-open stretch of time [start, end).
public struct Span: Sendable, Equatable, Codable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    public var seconds: TimeInterval { max(0, end.timeIntervalSince(start)) }

    func clipped(to window: Span) -> Span? {
        let s = max(start, window.start)
        let e = min(end, window.end)
        return e > s ? Span(start: s, end: e) : nil
    }
}

/// Set operations on lists of spans; results are sorted and non-overlapping.
enum Spans {
    static func union(_ spans: [Span]) -> [Span] {
        var merged: [Span] = []
        for span in spans.filter({ $0.end > $0.start }).sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, span.start <= last.end {
                merged[merged.count - 1].end = max(last.end, span.end)
            } else {
                merged.append(span)
            }
        }
        return merged
    }

    static func measure(_ spans: [Span]) -> TimeInterval { union(spans).reduce(0) { $0 + $1.seconds } }

    /// `spans` without any moment that lies in `holes`.
    static func subtract(_ spans: [Span], _ holes: [Span]) -> [Span] {
        let holes = union(holes)
        var result: [Span] = []
        for span in union(spans) {
            var pieces = [span]
            for hole in holes where hole.end > span.start && hole.start < span.end {
                pieces = pieces.flatMap { piece -> [Span] in
                    var out: [Span] = []
                    if hole.start > piece.start {
                        out.append(Span(start: piece.start, end: min(hole.start, piece.end)))
                    }
                    if hole.end < piece.end { out.append(Span(start: max(hole.end, piece.start), end: piece.end)) }
                    return out.filter { $0.end > $0.start }
                }
            }
            result += pieces
        }
        return result
    }
}

/// One stretch in which a check on a resource held one state (accepted risks count as OK).
struct StateSegment: Sendable, Equatable {
    var span: Span
    var state: CheckState
    var point: ResultPoint
}

/// The state of one check on one resource over the period, as a step function of its results.
struct PairTimeline: Sendable {
    var check: CheckID
    var resource: String
    var segments: [StateSegment]

    /// Each result holds until the next one; the last one until the window ends, or until
    /// `staleAfter` past the pair's last evaluation (a check removed from the config stops there).
    static func build(_ history: ResultHistory, window: Span, staleAfter: TimeInterval) -> PairTimeline {
        let points = history.points.sorted { $0.time < $1.time }
        let horizon = min(window.end, history.lastEvaluated.addingTimeInterval(staleAfter))
        var segments: [StateSegment] = []
        for (index, point) in points.enumerated() {
            let end = index + 1 < points.count ? points[index + 1].time : horizon
            guard let span = Span(start: point.time, end: end).clipped(to: window) else { continue }
            if let last = segments.last, last.state == point.effectiveState, last.span.end == span.start {
                segments[segments.count - 1].span.end = span.end
                segments[segments.count - 1].point = point
            } else {
                segments.append(StateSegment(span: span, state: point.effectiveState, point: point))
            }
        }
        return PairTimeline(check: history.check, resource: history.resource, segments: segments)
    }

    func spans(where include: (CheckState) -> Bool) -> [Span] { segments.filter { include($0.state) }.map(\.span) }

    /// Observed time: every segment.
    var observed: [Span] { segments.map(\.span) }

    /// The state at `time`, if observed.
    func state(at time: Date) -> CheckState? {
        segments.first { $0.span.start <= time && time < $0.span.end }?.state
    }
}

/// Time split by how many of a group's timelines were observed and whether all were OK: the
/// sweep behind "area compliance" (an area is OK only while every one of its checks is).
struct GroupCompliance: Sendable, Equatable {
    var observedSeconds: TimeInterval = 0
    var okSeconds: TimeInterval = 0
    /// Time per worst state among the observed timelines.
    var worstSeconds: [CheckState: TimeInterval] = [:]

    var okFraction: Double? { observedSeconds > 0 ? okSeconds / observedSeconds : nil }

    var worst: CheckState {
        CheckState.worst(worstSeconds.filter { $0.value > 0 }.map(\.key))
    }

    /// Sweeps the timelines' change points, skipping `holes` (monitoring gaps).
    static func sweep(_ timelines: [PairTimeline], holes: [Span]) -> GroupCompliance {
        var result = GroupCompliance()
        var cuts = Set<Date>()
        for timeline in timelines {
            for segment in timeline.segments {
                cuts.insert(segment.span.start)
                cuts.insert(segment.span.end)
            }
        }
        for hole in holes {
            cuts.insert(hole.start)
            cuts.insert(hole.end)
        }
        let times = cuts.sorted()
        let holes = Spans.union(holes)
        for (a, b) in zip(times, times.dropFirst()) {
            let middle = a.addingTimeInterval(b.timeIntervalSince(a) / 2)
            if holes.contains(where: { $0.start <= middle && middle < $0.end }) { continue }
            let states = timelines.compactMap { $0.state(at: middle) }
            guard !states.isEmpty else { continue }
            let length = b.timeIntervalSince(a)
            result.observedSeconds += length
            let worst = CheckState.worst(states)
            result.worstSeconds[worst, default: 0] += length
            if worst == .ok { result.okSeconds += length }
        }
        return result
    }
}
