import Foundation
import MnemondHTTP
import MnemondTestSupport
import Testing

/// Mail submission against Tests/Peers/smtp_sink.py (aiosmtpd).
@Suite struct SMTPTests {
    static let password = "s3cr3t-Pässword!"

    static func weeklyReport(to recipients: [String]) -> MailMessage {
        let lines = [
            "From: mnemond <mnemond@example.org>",
            "To: \(recipients.joined(separator: ", "))",
            "Subject: =?UTF-8?B?\(Data("Wöchentlicher Bericht ✓".utf8).base64EncodedString())?=",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Sauvegardes : tout est vert ✓ — Größe 12 GiB",
            ".a line starting with a dot",
            "",
        ]
        return MailMessage(
            from: "mnemond@example.org", recipients: recipients, rfc822: Data(lines.joined(separator: "\r\n").utf8))
    }

    @Test func aUTF8MessageReachesEveryRecipientByteForByte() async throws {
        try await SMTPSink.with { sink in
            let recipients = ["ops@example.org", "oncall@example.net", "backup-owner@example.com"]
            let message = Self.weeklyReport(to: recipients)
            let client = HTTPClient()
            try await client.sendMail(message, via: SMTPConfiguration(url: sink.smtpURL, requireTLS: false))
            await client.shutdown()

            let received = try await sink.messages()
            try #require(received.count == 1)
            #expect(received[0].mailFrom == "mnemond@example.org")
            #expect(received[0].recipients == recipients)
            #expect(received[0].data == message.rfc822)  // dot-stuffing undone, CRLF kept
            #expect(received[0].text.contains("Größe 12 GiB"))
            #expect(!received[0].tls)
        }
    }

    @Test func authenticatedSubmission() async throws {
        try await SMTPSink.with(auth: (user: "mnemond", password: Self.password)) { sink in
            let client = HTTPClient()
            let smtp = SMTPConfiguration(
                url: sink.smtpURL, requireTLS: false, username: "mnemond", password: Self.password)
            try await client.sendMail(Self.weeklyReport(to: ["ops@example.org"]), via: smtp)
            // A second message goes over the same handle (connection reuse for SMTP).
            try await client.sendMail(Self.weeklyReport(to: ["oncall@example.net"]), via: smtp)
            await client.shutdown()
            let received = try await sink.messages()
            #expect(received.map(\.recipients) == [["ops@example.org"], ["oncall@example.net"]])
            #expect(received.allSatisfy { $0.authenticated && $0.login == "mnemond" })
        }
    }

    @Test func aRejectedPasswordNeverAppearsInTheError() async throws {
        try await SMTPSink.with(auth: (user: "mnemond", password: "the-right-one")) { sink in
            let client = HTTPClient()
            let smtp = SMTPConfiguration(
                url: sink.smtpURL, requireTLS: false, username: "mnemond", password: Self.password)
            let error = try #require(
                await #expect(throws: HTTPError.self) {
                    try await client.sendMail(Self.weeklyReport(to: ["ops@example.org"]), via: smtp)
                })
            await client.shutdown()
            #expect(error.curlCode == 67)  // CURLE_LOGIN_DENIED
            #expect(!error.isTransient)
            #expect(error.description.hasPrefix("SMTP 127.0.0.1:\(sink.smtpURL.port!): "))
            var dumped = ""
            dump(error, to: &dumped)
            for text in [error.description, String(reflecting: error), "\(error)", dumped, "\(smtp)"] {
                #expect(!text.contains(Self.password), "\(text)")
            }
            let received = try await sink.messages()
            #expect(received.isEmpty)
        }
    }

    @Test func requiredSTARTTLSAgainstAPlainServerFailsBeforeSending() async throws {
        try await SMTPSink.with(auth: (user: "mnemond", password: Self.password)) { sink in
            let client = HTTPClient()
            let smtp = SMTPConfiguration(
                url: sink.smtpURL, requireTLS: true, username: "mnemond", password: Self.password)
            let error = try #require(
                await #expect(throws: HTTPError.self) {
                    try await client.sendMail(Self.weeklyReport(to: ["ops@example.org"]), via: smtp)
                })
            await client.shutdown()
            #expect(error.kind == .tls)
            #expect(error.curlCode == 64)  // CURLE_USE_SSL_FAILED
            #expect(!error.isTransient)
            #expect(error.description.contains("STARTTLS"), "\(error)")
            #expect(!error.description.contains(Self.password))
            let received = try await sink.messages()
            #expect(received.isEmpty)
        }
    }

    @Test func requiredSTARTTLSWithTheServersCAUpgradesTheSession() async throws {
        try await SMTPSink.with(auth: (user: "mnemond", password: Self.password), starttls: true) { sink in
            let client = HTTPClient(configuration: HTTPClientConfiguration(caBundlePath: sink.caFile))
            let smtp = SMTPConfiguration(
                url: sink.smtpURL, requireTLS: true, username: "mnemond", password: Self.password)
            try await client.sendMail(Self.weeklyReport(to: ["ops@example.org", "oncall@example.net"]), via: smtp)
            await client.shutdown()
            let received = try await sink.messages()
            try #require(received.count == 1)
            #expect(received[0].tls)
            #expect(received[0].authenticated)
            #expect(received[0].recipients == ["ops@example.org", "oncall@example.net"])
        }
    }

    @Test func aSTARTTLSServerWithAnUntrustedCertificateIsRefused() async throws {
        try await SMTPSink.with(starttls: true) { sink in
            let client = HTTPClient()
            let error = try #require(
                await #expect(throws: HTTPError.self) {
                    try await client.sendMail(
                        Self.weeklyReport(to: ["ops@example.org"]),
                        via: SMTPConfiguration(url: sink.smtpURL, requireTLS: true))
                })
            await client.shutdown()
            #expect(error.kind == .tls)
            #expect(error.curlCode == 60)
            let received = try await sink.messages()
            #expect(received.isEmpty)
        }
    }

    @Test func aMessageWithoutRecipientsIsRefusedBeforeConnecting() async throws {
        let client = HTTPClient()
        let error = try #require(
            await #expect(throws: HTTPError.self) {
                try await client.sendMail(
                    MailMessage(from: "a@example.org", recipients: [], rfc822: Data()),
                    via: SMTPConfiguration(url: URL(string: "smtp://127.0.0.1:1")!))
            })
        await client.shutdown()
        #expect(error.description == "SMTP 127.0.0.1:1: other: no recipients")
    }
}
