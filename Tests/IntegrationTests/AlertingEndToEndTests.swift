import Foundation
import MnemondCommands
import MnemondDaemon
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 5's acceptance, against real peers on loopback: the simulator (SNS → SQS), a Slack
/// receiver, the real `mnemond` binary and its SQLite store.
@Suite(.serialized, .timeLimit(.minutes(15))) struct AlertingEndToEndTests {
    /// Target estate → fault → one SNS message and one Slack request with every field → repair →
    /// one resolve each. Secrets never reach the logs (trace level) or the store.
    @Test func aFaultPagesOnceOnEachChannelAndItsRepairResolvesOnce() async throws {
        let f = try await AlertingFixture.start()
        defer { Task { await f.stop() } }
        let config = try f.config()
        var logs = ""

        // A healthy estate pages no one (checks whose collectors fail are UNKNOWN, which pages
        // only after 30 min).
        var run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(run.status != 1 && run.status != 2, "\(run.stdout)\n\(run.stderr)")

        // t1: the fault appears; the first critical evaluation is only pending.
        try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")
        run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(run.status == 2)
        #expect(try await f.sqsMessages().isEmpty)
        #expect(try await f.slack.requests().isEmpty)

        // t2: the second consecutive critical evaluation fires: one message per channel.
        run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(run.status == 2)
        let fired = try await f.sqsMessages()
        try #require(fired.count == 1)
        let sns = fired[0]
        #expect(sns["TopicArn"] as? String == AlertingFixture.topicArn)
        #expect(sns["Subject"] as? String == "[CRITICAL] mne-media-replica: s3.lifecycle.noncurrent 15 d (want 180 d)")
        let attributes = try #require(sns["MessageAttributes"] as? [String: [String: String]])
        #expect(attributes["severity"]?["Value"] == "CRITICAL")
        #expect(attributes["check"]?["Value"] == "s3.lifecycle.noncurrent")
        #expect(attributes["resource"]?["Value"] == "mne-media-replica")
        let firingKey = try #require(attributes["idempotency_key"]?["Value"])
        // SQS subscribers get the JSON document (MessageStructure=json); its text is the e-mail body.
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data((sns["Message"] as! String).utf8)) as? [String: Any])
        let alert = try #require((document["alerts"] as? [[String: Any]])?.first)
        #expect(alert["found"] as? String == "15 d")
        #expect(alert["expected"] as? String == "180 d")
        #expect(alert["guide"] as? String == "Phase 2")
        #expect((alert["runbook"] as? String)?.contains("put-bucket-lifecycle-configuration") == true)
        #expect(alert["idempotency_key"] as? String == firingKey)
        let text = try #require(document["text"] as? String)
        #expect(text.contains("CRITICAL FIRING: s3.lifecycle.noncurrent on mne-media-replica"))
        #expect(text.contains("  found:     15 d\n  expected:  180 d\n"))
        #expect(text.contains("  since:     "))
        #expect(text.contains("Idempotency key: \(firingKey)"))

        var requests = try await f.slack.requests()
        try #require(requests.count == 1)
        #expect(requests[0].method == "POST")
        #expect(requests[0].path == "/services/T0MNEMOND/B0ALERTS/\(f.webhookToken)")
        #expect(requests[0].header("Content-Type")?.hasPrefix("application/json") == true)
        let slackText = requests[0].bodyText
        for needle in [
            ":red_circle: CRITICAL — s3.lifecycle.noncurrent on mne-media-replica", "*Expected*\\n180 d",
            "*Found*\\n15 d", "*Since*\\n", "*Guide*\\nPhase 2", "*Runbook*\\n", "key `\(firingKey)`",
            "\"color\":\"#D0021B\"",
        ] {
            #expect(slackText.contains(needle), "\(needle) not in \(slackText)")
        }

        // t3: still broken — no repeat before 4 h, no duplicate.
        run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(try await f.sqsMessages().isEmpty)
        #expect(try await f.slack.requests().count == 1)

        // t4: repaired — one resolve on each channel, referring to the firing notification.
        try await f.repairReplicaLifecycle()
        run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(run.stdout.contains("OK        s3.lifecycle.noncurrent  mne-media-replica: "), "\(run.stdout)")
        let resolved = try await f.sqsMessages()
        try #require(resolved.count == 1)
        #expect(
            resolved[0]["Subject"] as? String
                == "[RESOLVED] mne-media-replica: s3.lifecycle.noncurrent 180 d (want 180 d)")
        #expect((resolved[0]["Message"] as? String)?.contains("\"resolves\":\"\(firingKey)\"") == true)
        requests = try await f.slack.requests()
        try #require(requests.count == 2)
        #expect(
            requests[1].bodyText.contains(":white_check_mark: RESOLVED — s3.lifecycle.noncurrent on mne-media-replica"))
        #expect(requests[1].bodyText.contains("resolves `\(firingKey)`"))

        // Nothing is left queued, and status says so.
        let store = try Store.openReadOnly(path: f.db)
        #expect(try await store.outboxSummary().pending == 0)
        #expect(try await store.outboxRows().allSatisfy { $0.deliveredAt != nil && $0.attempts == 1 })

        // No secret in what the binary printed at trace level, nor in the store's files.
        #expect(logs.contains("alert delivered"), "trace logs lack delivery events")
        var stored = Data()
        for suffix in ["", "-wal", "-shm"] {
            stored += (try? Data(contentsOf: URL(fileURLWithPath: f.db + suffix))) ?? Data()
        }
        for secret in [f.webhookToken, f.webhookURL, f.simulator.secretAccessKey] {
            #expect(!logs.contains(secret), "a secret appears in the logs")
            #expect(stored.range(of: Data(secret.utf8)) == nil, "a secret appears in the store")
        }
    }

    /// kill -9 after the state change (and its outbox row) committed but before any delivery
    /// succeeded; the restarted process delivers exactly once, with the same idempotency key.
    @Test func aKilledProcessDeliversExactlyOnceAfterRestart() async throws {
        let f = try await AlertingFixture.start()
        defer { Task { await f.stop() } }
        let config = try f.config(
            channels: """
                    slack:
                      webhook_url_file: \(f.webhookFile)
                """,
            extra: "  delivery:\n    initial_backoff: 5s\n    once_timeout: 120s\n")
        try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")
        #expect(try await f.check(config).status == 2)  // pending

        // The receiver is down (500s): the second run fires, queues, fails to deliver, retries...
        try await f.slack.enqueue(responses: Array(repeating: ScriptedResponse(status: 500, text: "down"), count: 50))
        let doomed = try RunningCLI(
            ["check", "--once", "--config", config, "--db", f.db], environment: f.simulator.environment,
            directory: f.directory)
        let failedOnce = try await eventually {
            guard FileManager.default.fileExists(atPath: f.db) else { return false }
            let rows = try await Store.openReadOnly(path: f.db).outboxRows()
            return rows.first.map { $0.attempts >= 1 && $0.deliveredAt == nil } ?? false
        }
        try #require(failedOnce, "no failed attempt recorded; stderr: \(doomed.stderr)")
        // ...and is killed between attempts, its claim released, the row committed and pending.
        await doomed.killHard()
        let before = try await Store.openReadOnly(path: f.db).outboxRows()
        try #require(before.count == 1)
        #expect(before[0].deliveredAt == nil)
        #expect(before[0].lastError == "HTTP 500: down")
        // `status` shows the undelivered message and why.
        let status = await AlertingStatus.text(store: try Store.openReadOnly(path: f.db), now: Date())
        #expect(status.contains("outbox: 1 pending, 0 dead-lettered"), "\(status)")
        #expect(status.contains("  FIRING   CRITICAL  s3.lifecycle.noncurrent mne-media-replica since "), "\(status)")
        #expect(status.contains("last delivery error (slack): HTTP 500: down"), "\(status)")
        let attempted = try await f.slack.requests()
        #expect(!attempted.isEmpty)
        let keys = Set(attempted.flatMap { idempotencyKeys(in: $0.bodyText) })

        // Restart with the receiver back: delivered once, same key, nothing re-decided.
        try await f.slack.reset()
        let restart = try await f.check(config)
        #expect(restart.status == 2, "\(restart.stderr)")
        let delivered = try await f.slack.requests()
        try #require(delivered.count == 1, "\(delivered.count) deliveries")
        #expect(Set(idempotencyKeys(in: delivered[0].bodyText)) == keys)
        #expect(delivered[0].bodyText == attempted[0].bodyText)
        let after = try await Store.openReadOnly(path: f.db).outboxRows()
        #expect(after.count == 1)
        #expect(after[0].deliveredAt != nil)
        #expect(after[0].attempts == before[0].attempts + 1)
        // A further run sends nothing: the alert's notification log says it was told.
        _ = try await f.check(config)
        #expect(try await f.slack.requests().count == 1)
    }

    /// Slack answering 500 then 200, and 429 with Retry-After: delivered after the retries, once.
    @Test func slackFailuresAndRateLimitsAreRetriedWithoutDuplicates() async throws {
        let f = try await AlertingFixture.start()
        defer { Task { await f.stop() } }
        let config = try f.config(
            channels: """
                    slack:
                      webhook_url_file: \(f.webhookFile)
                """,
            extra: "  delivery:\n    initial_backoff: 1s\n")
        try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")
        _ = try await f.check(config)

        try await f.slack.enqueue(responses: [ScriptedResponse(status: 500, text: "internal_error")])
        var run = try await f.check(config)
        var requests = try await f.slack.requests()
        #expect(requests.count == 2, "\(run.stderr)")
        #expect(requests.map(\.bodyText).allSatisfy { $0 == requests[0].bodyText })
        #expect(run.stderr.contains("msg=\"alert delivery failed\""), "\(run.stderr)")
        #expect(run.stderr.contains("error=\"HTTP 500: internal_error\""), "\(run.stderr)")

        // Repair and a rate limit: the resolve waits out Retry-After, then goes once.
        try await f.repairReplicaLifecycle()
        try await f.slack.reset()
        try await f.slack.enqueue(responses: [
            ScriptedResponse(status: 429, headers: [(name: "Retry-After", value: "2")], text: "rate_limited")
        ])
        let started = ContinuousClock.now
        run = try await f.check(config)
        let took = ContinuousClock.now - started
        requests = try await f.slack.requests()
        #expect(requests.count == 2, "\(run.stderr)")
        #expect(requests.allSatisfy { $0.bodyText.contains("RESOLVED") })
        #expect(run.stderr.contains("retry_in_ms=2000"), "\(run.stderr)")
        #expect(took >= .seconds(2))
        let rows = try await Store.openReadOnly(path: f.db).outboxRows()
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.deliveredAt != nil && $0.attempts == 2 })

        // Nothing more on later runs.
        _ = try await f.check(config)
        #expect(try await f.slack.requests().count == 2)
    }

    /// `mnemond test-alert`: per channel success or the exact error; non-zero when one failed.
    @Test func testAlertReportsEachChannel() async throws {
        let f = try await AlertingFixture.start()
        defer { Task { await f.stop() } }
        let config = try f.config()
        var run = try await CLI.run(
            ["test-alert", "--config", config, "--db", f.db, "--log-level", "trace"],
            environment: f.simulator.environment)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("OK      sns  SNS topic \(AlertingFixture.topicArn): test message delivered"))
        #expect(
            run.stdout.contains(
                "OK      slack  Slack webhook on 127.0.0.1 (webhook_url_file \(f.webhookFile)): test message delivered")
        )
        let sns = try await f.sqsMessages()
        try #require(sns.count == 1)
        #expect((sns[0]["Subject"] as? String)?.hasPrefix("[TEST] mnemond test alert from ") == true)
        #expect(try await f.slack.requests().first?.bodyText.contains("TEST — mnemond alert delivery") == true)

        try await f.slack.enqueue(responses: [ScriptedResponse(status: 404, text: "no_service")])
        run = try await CLI.run(
            ["test-alert", "--config", config, "--db", f.db, "--log-level", "trace"],
            environment: f.simulator.environment)
        #expect(run.status == 1)
        #expect(
            run.stdout.contains(
                "FAILED  slack  Slack webhook on 127.0.0.1 (webhook_url_file \(f.webhookFile)): HTTP 404: no_service"))
        #expect(run.stdout.contains("OK      sns"))
        for secret in [f.webhookToken, f.simulator.secretAccessKey] {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
        }

        // Without channels nothing is verified: say so and fail.
        run = try await CLI.run(
            ["test-alert", "--config", repoConfig, "--db", f.db], environment: f.simulator.environment)
        #expect(run.status == 1)
        #expect(run.stdout == "no alerting channel is configured (alerting.channels in the config): nothing was sent\n")
    }

    /// Silences from the CLI: recorded, listed, not sent; after removal the alert goes out.
    @Test func aSilenceHoldsBackTheAlertUntilRemoved() async throws {
        let f = try await AlertingFixture.start()
        defer { Task { await f.stop() } }
        let config = try f.config()
        let add = try await CLI.run([
            "silence", "add", "--db", f.db, "--check", "s3.lifecycle.noncurrent", "--resource", "mne-media-replica",
            "--for", "2h", "--reason", "planned lifecycle migration",
        ])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.hasPrefix("silence #1 added: s3.lifecycle.noncurrent on mne-media-replica until "))
        try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")
        for _ in 0..<3 { _ = try await f.check(config) }
        #expect(try await f.sqsMessages().isEmpty)
        #expect(try await f.slack.requests().isEmpty)
        let list = try await CLI.run(["silence", "list", "--db", f.db])
        #expect(list.stdout.contains("#1  ACTIVE   s3.lifecycle.noncurrent on mne-media-replica until "))
        #expect(list.stdout.contains("      holding back: CRITICAL s3.lifecycle.noncurrent mne-media-replica (firing)"))
        let log = try await Store.openReadOnly(path: f.db).alertLog(
            check: "s3.lifecycle.noncurrent", resource: "mne-media-replica")
        #expect(log.map(\.kind) == ["firing"])
        #expect(log.first?.silencedBy == 1)

        let bad = try await CLI.run([
            "silence", "add", "--db", f.db, "--check", "s3.lifecycle.noncurent", "--for", "2h", "--reason", "x",
        ])
        #expect(bad.status == 64)
        #expect(
            bad.stderr.contains(#"unknown check "s3.lifecycle.noncurent" (did you mean "s3.lifecycle.noncurrent"?)"#))

        #expect(try await CLI.run(["silence", "remove", "--db", f.db, "1"]).status == 0)
        _ = try await f.check(config)
        #expect(try await f.sqsMessages().count == 1)
        #expect(try await f.slack.requests().count == 1)
    }
}
