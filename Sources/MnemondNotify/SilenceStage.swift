import Foundation
import MnemondModel
import MnemondStore

/// Stage 1: planned maintenance (the guide's "schedule maintenance window"). A notification about
/// an alert covered by a silence in force is recorded — logged once, with the silence's id — but
/// goes no further: nothing is sent and the notification log is not advanced, so when the silence
/// ends and the alert still fires, the next cycle notifies.
public struct SilenceStage: Sendable {
    public var silences: [Silence]

    public init(silences: [Silence]) { self.silences = silences }

    public enum Verdict: Sendable, Equatable {
        case pass
        /// Held back; `log` is set the first time this silence holds back this notification.
        case silenced(Silence, log: AlertLogEntry?)
    }

    /// The silence in force over an alert at `now`, if any.
    public func silence(for check: CheckID, resource: String, at now: Date) -> Silence? {
        silences.first { $0.isActive(at: now) && $0.matches(check, resource: resource) }
    }

    /// Judges one alert's pending notification and records the outcome on the alert.
    public func apply(_ decision: DedupStage.Decision?, to record: inout AlertRecord, now: Date) -> Verdict {
        guard let silence = silence(for: record.check, resource: record.resource, at: now) else {
            record.silencedBy = nil
            record.silencedKey = nil
            return .pass
        }
        record.silencedBy = silence.id
        guard let decision else { return .silenced(silence, log: nil) }
        guard record.silencedKey != decision.idempotencyKey else { return .silenced(silence, log: nil) }
        record.silencedKey = decision.idempotencyKey
        let entry = AlertLogEntry(
            time: now, check: record.check, resource: record.resource, episode: record.episode,
            kind: decision.label, severity: record.severity, idempotencyKey: decision.idempotencyKey, groupKey: nil,
            silencedBy: silence.id,
            reason: "silenced by #\(silence.id) until \(AlertStateMachine.iso(silence.endsAt)): \(silence.reason)")
        return .silenced(silence, log: entry)
    }
}
