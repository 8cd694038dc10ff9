import Foundation
import MnemondCommands
import MnemondStore
import MnemondTestSupport
import Testing

/// The Alertmanager channel against a real Alertmanager started by the test, with the real
/// `mnemond` binary, its store and the simulator: what `amtool alert query` shows.
@Suite(.serialized, .timeLimit(.minutes(15))) struct AlertmanagerEndToEndTests {
    /// The alerting peers and a running Alertmanager beside them.
    static func peers() async throws -> (AlertingFixture, AlertmanagerPeer) {
        let f = try await AlertingFixture.start()
        let am = try AlertmanagerPeer(directory: f.directory)
        do {
            try await am.start()
        } catch {
            await stop(f, am)
            throw error
        }
        return (f, am)
    }

    static func stop(_ f: AlertingFixture, _ am: AlertmanagerPeer) async {
        await am.shutdown()
        await f.stop()
    }

    static let labels = [
        "alertname": "MnemondFinding", "check": "s3.lifecycle.noncurrent", "resource": "mne-media-replica",
        "severity": "critical", "area": "s3",
    ]

    /// Fault → exactly one alert with the finding's labels and annotations; still broken → still
    /// one; repaired → no longer active. The credential never reaches the logs or the store.
    @Test func aFaultIsOneAlertAndItsRepairResolvesIt() async throws {
        let (f, am) = try await Self.peers()
        defer { Task { await Self.stop(f, am) } }
        let password = "AMpassWORD\(UInt32.random(in: 1000...9999))"
        let passwordFile = f.directory.appendingPathComponent("alertmanager-password").path
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        // A long resend interval: what Alertmanager shows is what the outbox delivered, and no
        // alert can end by itself while the test runs (its endsAt is 40 min ahead).
        let config = try f.config(
            channels: """
                    alertmanager:
                      url: \(am.url)
                      estate: mnemonica-prod
                      resend_interval: 10m
                      username: mnemond
                      password_file: \(passwordFile)
                """)
        var logs = ""

        var run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(run.status != 1 && run.status != 2, "\(run.stdout)\n\(run.stderr)")
        #expect(try await am.activeAlerts().isEmpty)

        // The first critical evaluation is only pending; the second fires.
        try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")
        run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(run.status == 2)
        #expect(try await am.activeAlerts().isEmpty)
        run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(run.status == 2)
        var alerts = try await am.activeAlerts()
        try #require(alerts.count == 1, "\(alerts)\n\(run.stderr)")
        #expect(alerts[0].labels == Self.labels.merging(["estate": "mnemonica-prod"]) { $1 })
        #expect(alerts[0].annotations["expected"] == "180 d")
        #expect(alerts[0].annotations["found"] == "15 d")
        #expect(alerts[0].annotations["guide"] == "Phase 2")
        #expect(alerts[0].annotations["runbook"]?.contains("put-bucket-lifecycle-configuration") == true)
        #expect(alerts[0].annotations["summary"]?.contains("mne-media-replica") == true)
        #expect((alerts[0]["status"] as? [String: Any])?["state"] as? String == "active")

        // Still broken: still exactly one alert (Alertmanager merges by label set).
        run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        alerts = try await am.activeAlerts()
        #expect(alerts.count == 1)

        // Repaired: the resolve ends it.
        try await f.repairReplicaLifecycle()
        run = try await f.check(config, extra: ["--log-level", "trace"])
        logs += run.stderr
        #expect(run.stdout.contains("OK        s3.lifecycle.noncurrent  mne-media-replica: "), "\(run.stdout)")
        alerts = try await am.activeAlerts()
        #expect(alerts.isEmpty, "\(alerts)")

        let store = try Store.openReadOnly(path: f.db)
        let rows = try await store.outboxRows()
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.channel == "alertmanager" && $0.deliveredAt != nil && $0.attempts == 1 })
        #expect(logs.contains("alert delivered"), "trace logs lack delivery events")
        var stored = Data()
        for suffix in ["", "-wal", "-shm"] {
            stored += (try? Data(contentsOf: URL(fileURLWithPath: f.db + suffix))) ?? Data()
        }
        let basic = Data("mnemond:\(password)".utf8).base64EncodedString()
        for secret in [password, basic] {
            #expect(!logs.contains(secret), "the credential appears in the logs")
            #expect(stored.range(of: Data(secret.utf8)) == nil, "the credential appears in the store")
        }
    }

    /// Alertmanager is down when the alert fires; mnemond is killed (-9) while it retries. After
    /// both come back, the queued alert is delivered: one alert, nothing lost.
    @Test func anAlertQueuedWhileAlertmanagerIsDownSurvivesKillNine() async throws {
        let (f, am) = try await Self.peers()
        defer { Task { await Self.stop(f, am) } }
        let config = try f.config(
            channels: """
                    alertmanager:
                      url: \(am.url)
                      resend_interval: 10m
                """,
            extra: "  delivery:\n    initial_backoff: 5s\n    once_timeout: 120s\n")
        try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")
        #expect(try await f.check(config).status == 2)  // pending

        await am.stop()
        let doomed = try RunningCLI(
            ["check", "--once", "--config", config, "--db", f.db], environment: f.simulator.environment,
            directory: f.directory)
        let failedOnce = try await eventually(.seconds(300)) {
            guard FileManager.default.fileExists(atPath: f.db) else { return false }
            let rows = try await Store.openReadOnly(path: f.db).outboxRows()
            return rows.first.map { $0.attempts >= 1 && $0.deliveredAt == nil } ?? false
        }
        try #require(failedOnce, "no failed attempt recorded; stderr: \(doomed.stderr)")
        await doomed.killHard()
        let before = try await Store.openReadOnly(path: f.db).outboxRows()
        try #require(before.count == 1)
        #expect(before[0].channel == "alertmanager")
        #expect(before[0].deliveredAt == nil)
        #expect(before[0].lastError?.contains("127.0.0.1:\(am.port)") == true, "\(before[0].lastError ?? "")")
        let status = await AlertingStatus.text(store: try Store.openReadOnly(path: f.db), now: Date())
        #expect(status.contains("outbox: 1 pending, 0 dead-lettered"), "\(status)")
        #expect(status.contains("last delivery error (alertmanager): "), "\(status)")

        // Alertmanager back (empty: it keeps alerts in memory), then mnemond: the row is delivered.
        try await am.start()
        #expect(try await am.activeAlerts().isEmpty)
        let restart = try await f.check(config)
        #expect(restart.status == 2, "\(restart.stderr)")
        let alerts = try await am.activeAlerts()
        try #require(alerts.count == 1, "\(alerts)\n\(restart.stderr)")
        // Without `estate:` the label is the config's account_id.
        #expect(alerts[0].labels == Self.labels.merging(["estate": "828879644785"]) { $1 })
        let after = try await Store.openReadOnly(path: f.db).outboxRows()
        #expect(after.count == 1)
        #expect(after[0].deliveredAt != nil)
        #expect(after[0].attempts == before[0].attempts + 1)
    }

    /// Alertmanager forgets alerts on restart (and ends any not re-posted within its endsAt): the
    /// daemon re-posts what is firing every `resend_interval`, without a new outbox row.
    @Test func theDaemonRepostsFiringAlertsAlertmanagerLost() async throws {
        let (f, am) = try await Self.peers()
        defer { Task { await Self.stop(f, am) } }
        func amConfig(resend: String) throws -> String {
            try f.config(
                channels: """
                        alertmanager:
                          url: \(am.url)
                          resend_interval: \(resend)
                    """)
        }
        // Fired by `check --once` with a long interval: the alert cannot end while it is checked.
        var config = try amConfig(resend: "10m")
        try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")
        _ = try await f.check(config)
        #expect(try await f.check(config).status == 2)
        try #require(try await am.activeAlerts().count == 1)

        await am.stop()
        try await am.start()
        #expect(try await am.activeAlerts().isEmpty)
        config = try amConfig(resend: "10s")
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--db", f.db, "--log-level", "info"], environment: f.simulator.environment)
        // A 10 s interval; generous room for a loaded machine's start-up and first cycle.
        let alerts: [[String: Any]]
        do {
            alerts = try await am.waitForAlerts(count: 1, timeout: .seconds(240))
        } catch {
            await daemon.kill()
            throw error
        }
        let log = daemon.stderr
        await daemon.kill()
        try #require(alerts.count == 1, "\(alerts)\n\(log.suffix(3000))")
        #expect(alerts[0].labels == Self.labels.merging(["estate": "828879644785"]) { $1 })
        #expect(alerts[0].annotations["found"] == "15 d")
        // The re-post is not a notification: the outbox still holds the one firing row.
        let rows = try await Store.openReadOnly(path: f.db).outboxRows()
        #expect(rows.count == 1)
        #expect(rows.allSatisfy { $0.deliveredAt != nil })
    }
}
