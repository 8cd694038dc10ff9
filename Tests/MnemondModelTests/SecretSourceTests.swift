import Foundation
import MnemondModel
import Testing

@Suite struct SecretSourceTests {
    static let secret = "fake-slack-token-very-secret-123"

    @Test func aFileIsReadAtUseWithOneTrailingLineBreakDropped() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mnemond-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("smtp-password")
        try (Self.secret + "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let source = SecretSource.file(path: "${CREDENTIALS_DIRECTORY}/smtp-password")
            .reading(["CREDENTIALS_DIRECTORY": dir.path])
        #expect(source == .file(path: file.path))
        #expect(try source.resolve(fileKey: "password_file", environmentKey: "password_env").revealed() == Self.secret)
        // Rotated on disk: the next use reads the new value.
        try "rotated-secret-456\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(
            try source.resolve(fileKey: "password_file", environmentKey: "password_env").revealed()
                == "rotated-secret-456")
    }

    @Test func anEnvironmentVariableIsReadOnceAtStart() throws {
        let source = SecretSource.environment(name: "MNEMOND_SLACK_WEBHOOK").reading([
            "MNEMOND_SLACK_WEBHOOK": Self.secret
        ])
        #expect(
            try source.resolve(fileKey: "webhook_url_file", environmentKey: "webhook_url_env").revealed() == Self.secret
        )
        #expect(
            source.describe(fileKey: "webhook_url_file", environmentKey: "webhook_url_env")
                == "webhook_url_env MNEMOND_SLACK_WEBHOOK")
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        var source: SecretSource
        var message: String
        var testDescription: String { message }
    }

    static let failures: [Failure] = [
        Failure(
            source: .environment(name: "MNEMOND_SMTP_PASSWORD"),
            message: "environment variable MNEMOND_SMTP_PASSWORD is not set (password_env)"),
        Failure(
            source: .file(path: "/nonexistent/smtp-password"),
            message: "cannot read password_file /nonexistent/smtp-password"),
    ]

    /// The error names the source and the config key, never a value, and the description of a
    /// source that holds a value is `***`.
    @Test(arguments: failures)
    func aMissingSecretSaysWhereItLooked(_ failure: Failure) {
        #expect {
            try failure.source.reading([:]).resolve(fileKey: "password_file", environmentKey: "password_env")
        } throws: { error in
            (error as? SecretSourceError)?.message.hasPrefix(failure.message) == true
        }
        let held = SecretSource.value(Secret(Self.secret))
        #expect(!"\(held)".contains(Self.secret))
        #expect(!String(reflecting: held).contains(Self.secret))
    }
}
