import Foundation
import MnemondModel
import MnemondStore

/// Stage 2: whether an alert needs a notification now, judged against its notification log
/// (stored in the alert record, so a restart changes nothing): a new episode fires once, a worse
/// severity escalates, a held flap is announced once, a firing alert repeats on its interval, and
/// a notified episode that cleared is resolved once.
public struct DedupStage: Sendable {
    public var rules: AlertRules
    /// The installation's identity and expected account, part of every key (see `IdempotencyKey.alert`).
    public var installation: String

    public init(rules: AlertRules, installation: String = "") {
        self.rules = rules
        self.installation = installation
    }

    public struct Decision: Sendable, Equatable {
        public var kind: NotificationKind
        /// `firing`, `repeat-2`, `escalated-1`, `flapping-3`, `resolved`: the key's kind part.
        public var label: String
        public var idempotencyKey: String
        public var reason: String
        /// The follow-up number within the episode (repeat, escalation, flap notice).
        public var number: Int?
    }

    /// The notification this alert needs now, or nil with the reason it needs none.
    public func needsUpdate(_ r: AlertRecord, now: Date) -> (decision: Decision?, reason: String) {
        func decision(_ kind: NotificationKind, _ reason: String) -> Decision {
            let number = kind == .firing || kind == .resolved ? nil : r.repeats + 1
            let label = number.map { "\(kind.rawValue)-\($0)" } ?? kind.rawValue
            return Decision(
                kind: kind, label: label,
                idempotencyKey: IdempotencyKey.alert(
                    check: r.check, resource: r.resource, episode: r.episode, kind: label,
                    installation: installation),
                reason: reason, number: number)
        }
        switch r.phase {
        case .pending:
            return (nil, "pending: nothing to say yet")
        case .inactive:
            guard r.episode > 0, r.notifiedEpisode == r.episode, r.resolvedAt != nil else {
                return (
                    nil,
                    r.episode > 0 && r.notifiedEpisode != r.episode ? "episode \(r.episode) was never notified" : "OK"
                )
            }
            guard r.notifiedKind != NotificationKind.resolved.rawValue else { return (nil, "resolve already sent") }
            return (decision(.resolved, "episode \(r.episode) cleared"), "")
        case .firing:
            guard r.notifiedEpisode == r.episode, let notifiedAt = r.notifiedAt else {
                return (decision(.firing, "episode \(r.episode) started firing"), "")
            }
            if let said = r.notifiedSeverity, r.severity.badness > said.badness {
                return (decision(.escalated, "worse than last notified: \(said) → \(r.severity)"), "")
            }
            if r.heldFlapping && !r.flapAnnounced {
                return (decision(.flapping, "held firing by flap damping"), "")
            }
            let interval = rules.rule(r.severity, for: r.check).repeatInterval
            let elapsed = now.timeIntervalSince(notifiedAt)
            if elapsed >= interval.seconds {
                return (
                    decision(
                        .repeat,
                        "still firing \(DurationText.human(elapsed)) after the last notification (repeat every \(DurationText.human(interval)))"
                    ),
                    ""
                )
            }
            return (
                nil,
                "notified \(DurationText.human(elapsed)) ago; repeats every \(DurationText.human(interval))"
            )
        }
    }

    /// Advances the notification log once a decision has been queued for delivery.
    public func markNotified(_ r: inout AlertRecord, _ decision: Decision, now: Date) {
        r.notifiedEpisode = r.episode
        r.notifiedSeverity = r.severity
        r.notifiedKind = decision.kind.rawValue
        r.notifiedAt = now
        switch decision.kind {
        case .firing:
            r.firingKey = decision.idempotencyKey
            r.repeats = 0
        case .repeat, .escalated:
            r.repeats += 1
        case .flapping:
            r.repeats += 1
            r.flapAnnounced = true
        case .resolved:
            break
        }
    }
}
