import Foundation
import MnemondTestSupport
import Testing

/// No credential, secret key or session token may appear in any log line or stored row.
@Suite struct SecretLeakTests {
    @Test func noCredentialReachesLogsOutputOrTheStore() async throws {
        let simulator = try await AWSSimulator.shared(.current)
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        let sessionToken = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789"
        var environment = simulator.environment
        environment["AWS_SESSION_TOKEN"] = sessionToken
        let check = try CLI.run(
            ["check", "--once", "--log-level", "trace", "--config", repoConfig, "--db", db], environment: environment)
        #expect([0, 1, 2, 3].contains(check.status), "stderr: \(check.stderr)")
        #expect(!check.stderr.isEmpty, "trace logging produced no lines to inspect")
        let status = try CLI.run(["status", "--json", "--db", db])
        var stored = Data()
        for suffix in ["", "-wal", "-shm"] {
            stored += (try? Data(contentsOf: URL(fileURLWithPath: db + suffix))) ?? Data()
        }
        let haystacks = [
            ("check stdout", Data(check.stdout.utf8)), ("check stderr", Data(check.stderr.utf8)),
            ("status stdout", Data(status.stdout.utf8)), ("store file", stored),
        ]
        for secret in [simulator.secretAccessKey, sessionToken] {
            for (name, data) in haystacks {
                #expect(data.range(of: Data(secret.utf8)) == nil, "a secret appears in \(name)")
            }
        }
    }

    @Test func theStoreIsCreatedReadableByTheOwnerOnly() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        _ = try CLI.run(["check", "--once", "--config", repoConfig, "--db", db], environment: simulator.environment)
        let attributes = try FileManager.default.attributesOfItem(atPath: db)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}
