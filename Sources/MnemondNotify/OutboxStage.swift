import Foundation
import MnemondModel
import MnemondStore

/// Stage 3: the durable outbox. The cycle's message becomes one row per configured channel, and
/// the rows are written in the same transaction as the alert states that caused them (see
/// `Store.commitAlerts`), so a crash between "decided" and "queued" cannot happen. The rows hold
/// the message, never a channel secret.
public struct OutboxStage: Sendable {
    /// Channel names (`sns`, `slack`, `alertmanager`) in delivery order.
    public var channels: [String]

    public init(channels: [String]) { self.channels = channels }

    public func rows(for message: AlertMessage?) -> [OutboxMessage] {
        guard let message else { return [] }
        let payload = message.json()
        return channels.map {
            OutboxMessage(
                channel: $0, idempotencyKey: message.idempotencyKey, payload: payload, createdAt: message.createdAt)
        }
    }
}
