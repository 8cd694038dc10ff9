import Foundation
import MnemondHTTP
import MnemondModel

extension SecretSource {
    /// Where the SMTP password comes from, for messages: `password_file /run/credentials/…`.
    public var passwordSource: String { describe(fileKey: "password_file", environmentKey: "password_env") }

    /// The password, or an error naming the source (never the value).
    public func resolvePassword(channel: String) throws(DeliveryError) -> Secret<String> {
        do {
            return try resolve(fileKey: "password_file", environmentKey: "password_env")
        } catch {
            throw DeliveryError(channel: channel, message: error.message)
        }
    }
}

/// Submits ready-made mail (the weekly report) over SMTP through libcurl: `smtp://` with
/// STARTTLS required unless told otherwise, or `smtps://`; AUTH when a username is set. One call
/// is one attempt; the dispatcher retries through the outbox. Neither the password nor a
/// credential file's contents ever appear in an error or a log.
public struct SMTPNotifier: Notifier {
    /// The outbox channel of the weekly report's e-mail.
    public static let reportChannel = ReportChannel.email

    public let channel: String
    public let url: URL
    public let requireTLS: Bool
    public let username: String?
    public let password: SecretSource?
    public let timeout: Duration
    let send: @Sendable (MailMessage, SMTPConfiguration) async throws -> Void

    public init(
        channel: String = SMTPNotifier.reportChannel, url: URL, requireTLS: Bool, username: String?,
        password: SecretSource?, timeout: Duration = .seconds(60),
        send: @escaping @Sendable (MailMessage, SMTPConfiguration) async throws -> Void
    ) {
        self.channel = channel
        self.url = url
        self.requireTLS = requireTLS
        self.username = username
        self.password = password
        self.timeout = timeout
        self.send = send
    }

    /// Where it delivers, safe to print: `SMTP smtp.example.org:587 (STARTTLS required, AUTH as mnemond)`.
    public var target: String {
        let host = url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } ?? "?"
        let tls =
            url.scheme == "smtps" ? "implicit TLS" : requireTLS ? "STARTTLS required" : "STARTTLS if offered"
        return "SMTP \(host) (\(tls)\(username.map { ", AUTH as \($0)" } ?? ""))"
    }

    /// Sends one outbox e-mail once: its envelope and its bytes as queued.
    public func deliver(_ payload: OutboxPayload) async throws(DeliveryError) {
        guard case .mail(let mail) = payload else { throw cannotCarry(payload) }
        try await deliver(MailMessage(from: mail.from, recipients: mail.recipients, rfc822: mail.rfc822))
    }

    /// Sends one message once.
    public func deliver(_ mail: MailMessage) async throws(DeliveryError) {
        let secret = try password?.resolvePassword(channel: channel)
        let configuration = SMTPConfiguration(
            url: url, requireTLS: requireTLS, username: username, password: secret?.revealed(), timeout: timeout)
        do {
            try await send(mail, configuration)
        } catch let error as HTTPError {
            // HTTPError names SMTP host:port and curl's text, never the password.
            var message = "\(error)"
            if error.curlCode == 64 {
                message +=
                    " — the server did not upgrade with STARTTLS; use smtps:// or, on a trusted network only, report.smtp.require_tls: false"
            } else if error.curlCode == 67 {
                message +=
                    " — the server refused the login (report.smtp.username and \(password?.passwordSource ?? "password"))"
            }
            throw DeliveryError(channel: channel, message: Self.redact(message, secret: secret))
        } catch {
            throw DeliveryError(channel: channel, message: "\(type(of: error))")
        }
    }

    static func redact(_ text: String, secret: Secret<String>?) -> String {
        guard let secret, !secret.revealed().isEmpty else { return text }
        return text.replacingOccurrences(of: secret.revealed(), with: "***")
    }
}

extension Notifier where Self == SMTPNotifier {
    /// The production notifier: libcurl through the shared HTTP client.
    public static func smtp(
        url: URL, requireTLS: Bool, username: String?, password: SecretSource?, http: HTTPClient
    ) -> SMTPNotifier {
        SMTPNotifier(url: url, requireTLS: requireTLS, username: username, password: password) { mail, smtp in
            try await http.sendMail(mail, via: smtp)
        }
    }
}
