import Foundation
import MnemondModel
import MnemondStore

/// Grouping: what one evaluation cycle has to say goes out as one message per channel, not one
/// per resource. Items are ordered so the message reads worst-first — what a renderer that must
/// cut a long message keeps is what matters most: alerts still failing before resolves; then
/// critical, warning, unknown; then by recovery impact (data that can no longer be recovered
/// before the plumbing that reports it); then by check, resource, and new before repeated.
public enum Grouping {
    public static func message(_ items: [AlertItem], at time: Date) -> AlertMessage? {
        guard !items.isEmpty else { return nil }
        return AlertMessage(
            idempotencyKey: IdempotencyKey.group(items.map(\.idempotencyKey)), createdAt: time,
            items: items.sorted(by: worstFirst))
    }

    /// The order of a grouped message (see the type's comment).
    public static func worstFirst(_ a: AlertItem, _ b: AlertItem) -> Bool {
        func key(_ i: AlertItem) -> (Int, Int, Int, String, String, Int) {
            (
                i.kind == .resolved ? 1 : 0, severityRank(i.severity), RecoveryImpact.rank(i.check), i.check.rawValue,
                i.resource, kindRank(i.kind)
            )
        }
        return key(a) < key(b)
    }

    /// Critical, then warning, then unknown (a blind spot is not known to be broken), then OK.
    static func severityRank(_ state: CheckState) -> Int {
        switch state {
        case .critical: 0
        case .warning: 1
        case .unknown: 2
        case .ok: 3
        }
    }

    static func kindRank(_ kind: NotificationKind) -> Int {
        switch kind {
        case .firing, .escalated: 0
        case .repeat, .flapping: 1
        case .resolved: 2
        }
    }

    /// `3 critical, 18 warning, 2 resolved`: what a grouped message's header says it holds.
    public static func counts(_ message: AlertMessage) -> String {
        let firing = message.firing
        var parts = [CheckState.critical, .warning, .unknown, .ok].compactMap { state -> String? in
            let n = firing.filter { $0.severity == state }.count
            return n == 0 ? nil : "\(n) \(state.description.lowercased())"
        }
        if !message.resolved.isEmpty { parts.append("\(message.resolved.count) resolved") }
        return parts.joined(separator: ", ")
    }

    /// The message item for one alert and the decision about it.
    public static func item(_ r: AlertRecord, _ decision: DedupStage.Decision, rules: AlertRules) -> AlertItem {
        let flapping =
            r.heldFlapping
            ? "flapped \(r.flips.count) times in the last \(DurationText.human(rules.flap.window)) (limit \(rules.flap.maxFlips)) — held firing until it is stable"
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
