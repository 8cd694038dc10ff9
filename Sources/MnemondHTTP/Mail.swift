import Foundation

/// One e-mail ready to send: envelope plus the complete RFC 5322 message.
public struct MailMessage: Sendable {
    /// Envelope sender (MAIL FROM), a bare address: `mnemond@example.org`.
    public var from: String
    /// Envelope recipients (RCPT TO), bare addresses.
    public var recipients: [String]
    /// The full message, headers included, lines ending in CRLF.
    public var rfc822: Data

    public init(from: String, recipients: [String], rfc822: Data) {
        self.from = from
        self.recipients = recipients
        self.rfc822 = rfc822
    }
}

/// Where and how to submit mail. Printing or dumping it never shows the password.
public struct SMTPConfiguration: Sendable {
    /// `smtp://host:port` (STARTTLS) or `smtps://host:port` (implicit TLS).
    public var url: URL
    /// For `smtp://`: refuse to send unless the server upgrades with STARTTLS
    /// (CURLUSESSL_ALL). When false, STARTTLS is still used if offered (CURLUSESSL_TRY), and
    /// then the certificate is verified like any other; only a server without STARTTLS gets
    /// the message (and any password) in clear text.
    public var requireTLS: Bool
    public var username: String?
    public var password: String?
    /// Total time allowed for one message.
    public var timeout: Duration

    public init(
        url: URL,
        requireTLS: Bool = true,
        username: String? = nil,
        password: String? = nil,
        timeout: Duration = .seconds(30)
    ) {
        self.url = url
        self.requireTLS = requireTLS
        self.username = username
        self.password = password
        self.timeout = timeout
    }
}

extension SMTPConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let user = username.map { " user=\($0)" } ?? ""
        let password = password == nil ? "" : " password=***"
        return "SMTPConfiguration(\(HTTPError.hostLabel(url)) requireTLS=\(requireTLS)\(user)\(password))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "url": HTTPError.hostLabel(url) as Any, "requireTLS": requireTLS as Any, "username": username as Any,
                "password": (password == nil ? nil : "***") as Any, "timeout": timeout as Any,
            ])
    }
}
