import Foundation
import MnemondHTTP
import MnemondModel

/// A delivery channel. Several real implementations exist — SNS (alerts, and the weekly report's
/// summary), Slack (alerts), Alertmanager (alerts), SMTP (the weekly report's e-mail) — each made
/// with a named factory: `.sns(topicArn:sns:)`, `.slack(webhook:http:)`,
/// `.alertmanager(url:estate:auth:resendInterval:http:)`, `.smtp(url:requireTLS:username:password:http:)`.
public protocol Notifier: Sendable {
    /// The channel name stored in the outbox: `sns`, `slack`, `alertmanager`, `report-email`, `report-sns`.
    var channel: String { get }
    /// Where it delivers, safe to print: the topic ARN, the webhook's host — never a secret.
    var target: String { get }
    /// Delivers one payload, once; retrying is the dispatcher's job. A payload of a kind the
    /// channel cannot carry is a delivery error.
    func deliver(_ payload: OutboxPayload) async throws(DeliveryError)
}

extension Notifier {
    /// Delivers one alert message, once (`mnemond test-alert` sends this way, bypassing the outbox).
    public func deliver(_ message: AlertMessage) async throws(DeliveryError) {
        try await deliver(.alert(message))
    }

    /// Sends `request` with `post`; a failure to get any answer becomes this channel's
    /// `DeliveryError`. `HTTPError` names host:port and curl's text only, never the path or a
    /// header (where webhook secrets and tokens live); any other error is named by its type.
    func send(
        _ request: HTTPRequest, with post: @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) async throws(DeliveryError) -> HTTPResponse {
        do {
            return try await post(request)
        } catch let error as HTTPError {
            throw DeliveryError(channel: channel, message: "\(error)")
        } catch {
            throw DeliveryError(channel: channel, message: "\(type(of: error))")
        }
    }

    /// The error for a payload this channel does not carry.
    func cannotCarry(_ payload: OutboxPayload) -> DeliveryError {
        DeliveryError(
            channel: channel, message: "the \(channel) channel does not deliver \(payload.kind.rawValue) payloads")
    }
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
