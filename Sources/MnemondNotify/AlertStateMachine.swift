import Foundation
import MnemondAWS
import MnemondModel
import MnemondStore

/// The life of one alert (check × resource): OK → pending → firing → resolved. Pure: the previous
/// record, the new finding, the rules and the time in; the next record and a printable reason out.
/// Whether anyone is told is the dedup stage's decision, not this one's.
public enum AlertStateMachine {
    public struct Transition: Sendable, Equatable {
        public var record: AlertRecord
        /// Why the alert is where it is, e.g. `fires: 2 consecutive evaluations reached (critical)`.
        public var reason: String
    }

    /// `fresh`: whether the finding rests on evidence collected anew this cycle (its check
    /// family ran). `for: N` counts fresh evidence, not re-evaluations: a re-evaluation of the
    /// same sample (because another family's cycle ran) keeps the consecutive count where it is.
    public static func next(
        _ previous: AlertRecord?, finding: Finding, rules: AlertRules, now: Date, fresh: Bool = true
    ) -> Transition {
        var r = previous ?? AlertRecord(check: finding.check, resource: finding.resource, at: now)
        let step = fresh ? 1 : 0
        // An accepted risk counts as OK: it is shown in status, it never pages.
        let state = finding.effectiveState
        let wasKnown = r.lastKnownState
        r.lastState = state
        r.lastEvaluated = now
        if state != .unknown {
            r.lastKnownState = state
            if let wasKnown, (wasKnown == .ok) != (state == .ok) { r.flips.append(now) }
        }
        r.flips = r.flips.filter { now.timeIntervalSince($0) < rules.flap.window.seconds }

        switch state {
        case .ok:
            return cleared(r, finding: finding, rules: rules, now: now)
        case .warning, .critical:
            r.failingCount += step
            r.badSince = r.badSince ?? now
            r.unknownSince = nil
            r.unknownCount = 0
            r.severity = state
            take(finding, into: &r)
            return failing(r, rules: rules, now: now, byUnknown: false, fresh: fresh)
        case .unknown:
            r.unknownCount += step
            r.unknownSince = r.unknownSince ?? now
            r.badSince = r.badSince ?? now
            // A blind spot does not replace what is known: a firing critical stays critical.
            if r.phase == .firing && r.severity != .unknown {
                return Transition(
                    record: r,
                    reason:
                        "still firing as \(r.severity): evaluation is UNKNOWN (\(r.unknownCount) in a row), keeping the last known state"
                )
            }
            if r.failingCount == 0 {
                r.severity = .unknown
                take(finding, into: &r)
            }
            return failing(r, rules: rules, now: now, byUnknown: true, fresh: fresh)
        }
    }

    /// An alert whose check no longer reports its resource: the resource was removed from the
    /// config (or a reload made it smaller). Nothing will ever evaluate it again, so a firing
    /// alert resolves — with a resolve notice that says why — and a pending one is dropped.
    public static func removed(_ record: AlertRecord, now: Date) -> Transition {
        var r = record
        let wasFiring = r.phase == .firing
        r.phase = .inactive
        r.failingCount = 0
        r.unknownCount = 0
        r.badSince = nil
        r.unknownSince = nil
        r.heldFlapping = false
        r.flapAnnounced = false
        r.flips = []
        r.lastEvaluated = now
        guard wasFiring else {
            r.severity = .ok
            return Transition(record: r, reason: "no longer configured: dropped while pending")
        }
        r.resolvedAt = now
        r.severity = .ok
        r.found = nil
        r.message = "\(r.resource): no longer configured — \(r.check) no longer evaluates it; the alert is resolved"
        return Transition(record: r, reason: "resolved: no longer configured")
    }

    private static func cleared(_ record: AlertRecord, finding: Finding, rules: AlertRules, now: Date) -> Transition {
        var r = record
        let streak = r.failingCount + r.unknownCount
        r.failingCount = 0
        r.unknownCount = 0
        r.badSince = nil
        r.unknownSince = nil
        let note = finding.acceptedRisk.map { " (accepted risk: \($0.reason))" } ?? ""
        switch r.phase {
        case .inactive:
            take(finding, into: &r)
            r.severity = .ok
            return Transition(record: r, reason: "OK\(note)")
        case .pending:
            r.phase = .inactive
            r.severity = .ok
            take(finding, into: &r)
            return Transition(
                record: r,
                reason: "cleared before firing after \(streak) failing evaluation\(streak == 1 ? "" : "s")\(note)")
        case .firing:
            if r.flips.count > rules.flap.maxFlips {
                r.heldFlapping = true
                return Transition(
                    record: r,
                    reason:
                        "held firing: flapped \(r.flips.count) times in the last \(DurationText.human(rules.flap.window)) (limit \(rules.flap.maxFlips))"
                )
            }
            r.phase = .inactive
            r.resolvedAt = now
            r.heldFlapping = false
            r.flapAnnounced = false
            let firedFor =
                r.firingSince.map { " after \(DurationText.human(now.timeIntervalSince($0)))" } ?? ""
            r.severity = .ok
            // Keep the last failing finding's words for the resolve message, but record what is found now.
            r.found = finding.found
            r.message = finding.message
            return Transition(record: r, reason: "resolved\(firedFor)\(note)")
        }
    }

    private static func failing(
        _ record: AlertRecord, rules: AlertRules, now: Date, byUnknown: Bool, fresh: Bool
    ) -> Transition {
        var r = record
        switch r.phase {
        case .firing:
            return Transition(
                record: r, reason: "still firing as \(r.severity)" + (r.heldFlapping ? " (flapping)" : ""))
        case .inactive, .pending:
            r.phase = .pending
            let known = rules.rule(r.severity == .unknown ? .critical : r.severity, for: r.check)
            let unknown = rules.rule(.unknown, for: r.check)
            let knownDue =
                r.failingCount > 0 && known.forRule.isSatisfied(count: r.failingCount, since: r.badSince, now: now)
            let unknownDue = unknown.forRule.isSatisfied(count: r.unknownCount, since: r.unknownSince, now: now)
            guard knownDue || (byUnknown && unknownDue) else {
                let progress =
                    byUnknown && r.failingCount == 0
                    ? "UNKNOWN \(r.unknownCount) evaluation\(r.unknownCount == 1 ? "" : "s") since \(r.unknownSince.map(iso) ?? "?"), fires after \(unknown.forRule)"
                    : "\(r.severity) \(r.failingCount) evaluation\(r.failingCount == 1 ? "" : "s"), fires after \(known.forRule)"
                let unchanged = fresh ? "" : " (evidence unchanged since its last collection)"
                return Transition(record: r, reason: "pending: \(progress)\(unchanged)")
            }
            if !knownDue { r.severity = .unknown }
            r.phase = .firing
            r.episode += 1
            r.firingSince = now
            r.resolvedAt = nil
            r.repeats = 0
            r.heldFlapping = false
            r.flapAnnounced = false
            let rule = knownDue ? known.forRule : unknown.forRule
            return Transition(record: r, reason: "fires as \(r.severity): \(rule) reached (episode \(r.episode))")
        }
    }

    private static func take(_ finding: Finding, into r: inout AlertRecord) {
        r.message = finding.message
        r.expected = finding.expected
        r.found = finding.found
        r.guide = finding.guide
        r.runbook = finding.runbook
    }

    /// As `ISO8601DateFormatter` writes it, without building one for every pending record of
    /// every cycle.
    static func iso(_ date: Date) -> String { ISO8601.format(date) }
}
