import Foundation
import MnemondHTTP
import MnemondModel

extension SecretSource {
    /// Where the webhook URL comes from, for messages: `webhook_url_file /run/credentials/…`.
    public var webhookSource: String {
        if case .value = self { return "webhook URL" }
        return describe(fileKey: "webhook_url_file", environmentKey: "webhook_url_env")
    }

    /// The webhook URL, or an error naming the source (never the value). A plain `http://` URL
    /// is refused unless it points at this host (a local relay): the URL is the credential, and
    /// it would cross the network in clear text.
    public func resolveWebhook() throws(DeliveryError) -> Secret<String> {
        let text: String
        do {
            text = try resolve(fileKey: "webhook_url_file", environmentKey: "webhook_url_env").revealed()
        } catch {
            throw DeliveryError(channel: "slack", message: error.message)
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
            ["https", "http"].contains(scheme),
            url.host != nil
        else {
            throw DeliveryError(channel: "slack", message: "\(webhookSource) does not hold an http(s) URL")
        }
        if scheme == "http", let host = url.host, !Self.isLoopback(host) {
            throw DeliveryError(
                channel: "slack",
                message:
                    "\(webhookSource) holds a plain http:// URL for \(host): the webhook URL is a secret and would "
                    + "cross the network unencrypted — use https:// (plain http is accepted only on loopback)")
        }
        return Secret(trimmed)
    }

    /// `localhost`, `127.0.0.0/8` and `::1`: a host name that never leaves this machine.
    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// Posts Block Kit messages to a Slack incoming webhook. 200 is delivered; 429 carries Slack's
/// `Retry-After` (seconds) back to the dispatcher; anything else is an error with Slack's answer
/// (`HTTP 404: no_service`). Neither the URL nor its path ever appears in an error or a log.
public struct SlackNotifier: Notifier {
    public let channel = "slack"
    public let webhook: SecretSource
    let post: @Sendable (HTTPRequest) async throws -> HTTPResponse

    public init(webhook: SecretSource, post: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        self.webhook = webhook
        self.post = post
    }

    public var target: String {
        if let secret = try? webhook.resolveWebhook(), let host = URL(string: secret.revealed())?.host {
            return "Slack webhook on \(host) (\(webhook.webhookSource))"
        }
        return "Slack webhook (\(webhook.webhookSource))"
    }

    public func deliver(_ payload: OutboxPayload) async throws(DeliveryError) {
        guard case .alert(let message) = payload else { throw cannotCarry(payload) }
        let secret = try webhook.resolveWebhook()
        guard let url = URL(string: secret.revealed()) else {
            throw DeliveryError(channel: channel, message: "\(webhook.webhookSource) does not hold a URL")
        }
        let request = HTTPRequest(
            method: "POST", url: url, headers: [(name: "Content-Type", value: "application/json; charset=utf-8")],
            body: SlackRenderer.payload(message))
        let response = try await send(request, with: post)
        if (200..<300).contains(response.status) { return }
        let answer = Self.redact(
            String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            secret: secret)
        if response.status == 429 {
            let retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            throw DeliveryError(
                channel: channel,
                message: "HTTP 429 rate limited" + (retryAfter.map { ", Retry-After \($0) s" } ?? "")
                    + (answer.isEmpty ? "" : ": \(answer)"),
                retryAfter: retryAfter.map { .seconds(max(0, $0)) })
        }
        throw DeliveryError(
            channel: channel, message: "HTTP \(response.status)" + (answer.isEmpty ? "" : ": \(answer)"))
    }

    static func redact(_ text: String, secret: Secret<String>) -> String {
        var text = text.replacingOccurrences(of: secret.revealed(), with: "***")
        if let path = URL(string: secret.revealed())?.path, path.count > 1 {
            text = text.replacingOccurrences(of: path, with: "***")
        }
        return text
    }
}

extension Notifier where Self == SlackNotifier {
    public static func slack(webhook: SecretSource, http: HTTPClient) -> SlackNotifier {
        SlackNotifier(webhook: webhook, post: { try await http.send($0) })
    }
}
