import Foundation
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondTestSupport
import Testing

/// The report's SMTP channel against Tests/Peers/smtp_sink.py on loopback.
@Suite struct SMTPNotifierTests {
    static let password = "pä$$-w0rd-\(UInt32.random(in: 1000...9999))"

    static func mail(_ recipients: [String]) -> MailMessage {
        MailMessage(
            from: "mnemond@example.org", recipients: recipients,
            rfc822: Data("From: mnemond@example.org\r\nSubject: t\r\n\r\nbody\r\n".utf8))
    }

    @Test func authenticatedDeliveryReadsThePasswordFileAtSendTime() async throws {
        try await SMTPSink.with(auth: (user: "mnemond", password: Self.password)) { sink in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)").path
            try (Self.password + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let http = HTTPClient()
            let notifier = SMTPNotifier.smtp(
                url: sink.smtpURL, requireTLS: false, username: "mnemond", password: .file(path: file), http: http)
            #expect(notifier.target == "SMTP 127.0.0.1:\(sink.smtpURL.port!) (STARTTLS if offered, AUTH as mnemond)")
            try await notifier.deliver(Self.mail(["ops@example.org", "dr@example.net"]))
            await http.shutdown()
            let received = try await sink.messages()
            #expect(received.count == 1)
            #expect(received.first?.recipients == ["ops@example.org", "dr@example.net"])
            #expect(received.first?.authenticated == true)
        }
    }

    @Test func aRefusedLoginNamesTheSourceNeverThePassword() async throws {
        try await SMTPSink.with(auth: (user: "mnemond", password: "the-right-one")) { sink in
            let http = HTTPClient()
            let notifier = SMTPNotifier.smtp(
                url: sink.smtpURL, requireTLS: false, username: "mnemond",
                password: .environment(name: "MNEMOND_SMTP_PASSWORD", value: Secret(Self.password)), http: http)
            let error = try #require(
                await #expect(throws: DeliveryError.self) { try await notifier.deliver(Self.mail(["ops@example.org"])) }
            )
            await http.shutdown()
            #expect(error.channel == "report-email")
            #expect(
                error.message.contains(
                    "the server refused the login (report.smtp.username and password_env MNEMOND_SMTP_PASSWORD)"),
                "\(error.message)")
            var dumped = ""
            dump(notifier, to: &dumped)
            for text in [error.description, error.message, String(reflecting: error), dumped, notifier.target] {
                #expect(!text.contains(Self.password), "\(text)")
            }
        }
    }

    @Test func starttlsIsRequiredByDefault() async throws {
        try await SMTPSink.with { sink in
            let http = HTTPClient()
            let notifier = SMTPNotifier.smtp(
                url: sink.smtpURL, requireTLS: true, username: nil, password: nil, http: http)
            #expect(notifier.target.contains("STARTTLS required"))
            let error = try #require(
                await #expect(throws: DeliveryError.self) { try await notifier.deliver(Self.mail(["ops@example.org"])) }
            )
            await http.shutdown()
            #expect(error.message.contains("the server did not upgrade with STARTTLS"), "\(error.message)")
            #expect(try await sink.messages().isEmpty)
        }
    }

    @Test func aMissingPasswordSourceIsADeliveryErrorNotACrash() async throws {
        let notifier = SMTPNotifier(
            url: URL(string: "smtp://127.0.0.1:1")!, requireTLS: true, username: "u",
            password: .environment(name: "MNEMOND_SMTP_PASSWORD", value: nil)
        ) { _, _ in Issue.record("must not send") }
        let error = try #require(
            await #expect(throws: DeliveryError.self) { try await notifier.deliver(Self.mail(["a@b.org"])) })
        #expect(error.message == "environment variable MNEMOND_SMTP_PASSWORD is not set (password_env)")
    }
}
