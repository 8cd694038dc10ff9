import Foundation
import MnemondModel

/// A delivery channel. Several real implementations exist (SNS, Slack; SMTP is next), each made
/// with a named factory: `.sns(topicArn:sns:)`, `.slack(webhook:http:)`.
public protocol Notifier: Sendable {
    /// The channel name stored in the outbox: `sns`, `slack`.
    var channel: String { get }
    /// Where it delivers, safe to print: the topic ARN, the webhook's host — never a secret.
    var target: String { get }
    /// Delivers one message, once; retrying is the dispatcher's job.
    func deliver(_ message: AlertMessage) async throws(DeliveryError)
}

/// A failed delivery: which channel, what happened (no secret in it), and when the receiver asked
/// us to come back (Slack's 429 `Retry-After`).
public struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var channel: String
    public var message: String
    public var retryAfter: Duration?

    public init(channel: String, message: String, retryAfter: Duration? = nil) {
        self.channel = channel
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(channel): \(message)" }
}
