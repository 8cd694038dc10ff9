import Foundation
import MnemondModel
import MnemondStore

/// Grouping: what one evaluation cycle has to say goes out as one message per channel, not one
/// per resource. Items are ordered so the message reads worst-first: new and escalated alerts,
/// then repeats and flap notices, then resolves; within each, critical before unknown before
/// warning, then by check and resource.
public enum Grouping {
    public static func message(_ items: [AlertItem], at time: Date) -> AlertMessage? {
        guard !items.isEmpty else { return nil }
        func rank(_ kind: NotificationKind) -> Int {
            switch kind {
            case .firing, .escalated: 0
            case .repeat, .flapping: 1
            case .resolved: 2
            }
        }
        let ordered = items.sorted {
            (rank($0.kind), -$0.severity.badness, $0.check, $0.resource)
                < (rank($1.kind), -$1.severity.badness, $1.check, $1.resource)
        }
        return AlertMessage(
            idempotencyKey: IdempotencyKey.group(ordered.map(\.idempotencyKey)), createdAt: time, items: ordered)
    }

    /// The message item for one alert and the decision about it.
    public static func item(_ r: AlertRecord, _ decision: DedupStage.Decision, rules: AlertRules) -> AlertItem {
        let flapping =
            r.heldFlapping
            ? "flapped \(r.flips.count) times in the last \(DurationText.format(rules.flap.window)) (limit \(rules.flap.maxFlips)) — held firing until it is stable"
            : nil
        return AlertItem(
            kind: decision.kind, check: r.check, resource: r.resource,
            severity: decision.kind == .resolved ? (r.notifiedSeverity ?? .ok) : r.severity, episode: r.episode,
            idempotencyKey: decision.idempotencyKey, message: r.message, expected: r.expected, found: r.found,
            guide: r.guide, runbook: decision.kind == .resolved ? nil : r.runbook,
            since: decision.kind == .resolved ? r.resolvedAt : r.badSince, firingSince: r.firingSince,
            resolves: decision.kind == .resolved ? r.firingKey : nil, repeatNumber: decision.number,
            flapping: flapping)
    }
}
