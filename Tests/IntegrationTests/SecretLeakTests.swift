import Foundation
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// No credential, secret key or session token may appear in any log line or stored row.
@Suite(.timeLimit(.minutes(15))) struct SecretLeakTests {
    @Test func noCredentialReachesLogsOutputOrTheStore() async throws {
        let simulator = try await AWSSimulator.shared(.current)
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        let sessionToken = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789"
        var environment = simulator.environment
        environment["AWS_SESSION_TOKEN"] = sessionToken
        let check = try await CLI.run(
            ["check", "--once", "--log-level", "trace", "--config", repoConfig, "--db", db], environment: environment)
        #expect([0, 1, 2, 3].contains(check.status), "stderr: \(check.stderr)")
        #expect(!check.stderr.isEmpty, "trace logging produced no lines to inspect")
        let status = try await CLI.run(["status", "--json", "--db", db])
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

    /// Under the unit's UMask=0077 the store is the owner's alone; under a umask that lets the
    /// group read (the monitoring opt-in, or a shell's 0022) the group may read it, never others.
    @Test func theStoreIsCreatedReadableByTheOwnerOnly() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        for (umask, mode) in [("077", 0o600), ("022", 0o640)] {
            let dir = temporaryDirectory()
            let db = dir.appendingPathComponent("mnemond.sqlite").path
            _ = try await CLI.run(
                ["check", "--once", "--config", repoConfig, "--db", db], environment: simulator.environment,
                launcher: ["/bin/sh", "-c", "umask \(umask); exec \"$0\" \"$@\""])
            let attributes = try FileManager.default.attributesOfItem(atPath: db)
            #expect((attributes[.posixPermissions] as? Int) == mode, "umask \(umask)")
        }
    }

    /// Every other path a secret could take: the daemon at trace level paging through SNS and
    /// a Slack receiver that fails with the webhook URL echoed in its error body, the weekly
    /// report (text, HTML, JSON) and its SMTP login refused, `test-alert` failing, `status`, the
    /// Prometheus textfile and the store. None of the AWS secret key, the session token, the
    /// webhook's token and the SMTP password appears in any of them.
    @Test func noSecretOnTheDaemonReportSMTPAndAlertErrorPaths() async throws {
        let f = try await AlertingFixture.start()
        defer { Task { await f.stop() } }
        let smtpPassword = "sm7p-Secret-\(UInt32.random(in: 100_000...999_999))"
        let sessionToken = "FQoGZXIvYXdzDAEMONSESSIONTOKEN\(UInt32.random(in: 100_000...999_999))"
        let secrets = [f.simulator.secretAccessKey, sessionToken, f.webhookToken, smtpPassword]
        try await SMTPSink.with(auth: (user: "mnemond", password: "the-right-one")) { sink in
            let prom = f.directory.appendingPathComponent("mnemond.prom").path
            // Seconds-long intervals, so an alert fires (two critical evaluations) within the test.
            let config = try writeConfig(
                try daemonConfig(
                    extra: """
                        prometheus_textfile: \(prom)
                        report:
                          from: "mnemond <mnemond@example.org>"
                          to: [ops@example.org]
                          smtp:
                            url: \(sink.smtpURL.absoluteString)
                            require_tls: false
                            username: mnemond
                            password_env: MNEMOND_SMTP_PASSWORD
                        alerting:
                          channels:
                            sns:
                              topic_arn: \(AlertingFixture.topicArn)
                            slack:
                              webhook_url_file: \(f.webhookFile)
                        """), in: f.directory)
            var environment = f.simulator.environment
            environment["AWS_SESSION_TOKEN"] = sessionToken
            environment["MNEMOND_SMTP_PASSWORD"] = smtpPassword
            // Slack refuses everything, quoting the URL it was called on, as a proxy or a
            // misconfigured relay might.
            try await f.slack.enqueue(
                responses: Array(
                    repeating: ScriptedResponse(status: 500, text: "no_service for \(f.webhookURL)"), count: 40))
            try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")

            let daemon = try DaemonProcess(
                arguments: ["--config", config, "--db", f.db, "--log-level", "trace"], environment: environment)
            defer { Task { await daemon.kill() } }
            let deadline = Date().addingTimeInterval(120)
            while try await f.slack.requests().isEmpty, Date() < deadline {
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(
                try await !f.slack.requests().isEmpty, "the daemon never tried Slack: \(daemon.stderr.suffix(3000))")
            #expect(
                await daemon.waitForLog("HTTP 500", timeout: .seconds(60)),
                "the Slack failure was not logged: \(daemon.stderr.suffix(3000))")
            daemon.signal(SIGTERM)
            _ = await daemon.waitForExit(timeout: .seconds(60))

            let send = try await CLI.run(
                ["report", "--send", "--log-level", "trace", "--config", config, "--db", f.db], environment: environment
            )
            #expect(send.stderr.contains("the server refused the login"), "\(send.stderr.suffix(2000))")
            let testAlert = try await CLI.run(
                ["test-alert", "--log-level", "trace", "--config", config, "--db", f.db], environment: environment)
            #expect(testAlert.status == 1, "\(testAlert.stdout)")
            var outputs: [(String, String)] = [
                ("daemon stderr", daemon.stderr), ("report --send stdout", send.stdout),
                ("report --send stderr", send.stderr), ("test-alert stdout", testAlert.stdout),
                ("test-alert stderr", testAlert.stderr),
                ("textfile", (try? String(contentsOfFile: prom, encoding: .utf8)) ?? ""),
            ]
            for format in ["text", "html", "json"] {
                let report = try await CLI.run(["report", "--format", format, "--config", config, "--db", f.db])
                outputs.append(("report \(format)", report.stdout + report.stderr))
            }
            let status = try await CLI.run(["status", "--json", "--config", config, "--db", f.db])
            outputs.append(("status", status.stdout + status.stderr))
            var stored = Data()
            for suffix in ["", "-wal", "-shm"] {
                stored += (try? Data(contentsOf: URL(fileURLWithPath: f.db + suffix))) ?? Data()
            }
            outputs.append(("store file", String(decoding: stored, as: UTF8.self)))
            #expect(daemon.stderr.count > 10_000, "trace logging produced little to inspect")
            for (name, text) in outputs {
                #expect(leakedSecrets(in: text, secrets: secrets).isEmpty, "a secret appears in \(name)")
            }
        }
    }
}
