import Foundation
import MnemondAWS
import MnemondCommands
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondNotify
import MnemondStore
import MnemondTestSupport
import Testing

/// Issue 10's paging semantics against the real peers: the cycle's families decide what counts
/// towards `for: N`, the simulator's SNS accepts the largest message mnemond can produce, and
/// `mnemond status` shows where every alert and its notifications are.
@Suite(.serialized, .timeLimit(.minutes(15))) struct PagingIntegrationTests {
    @Test func oneBadPITRSampleFiresOnlyAtTheSecondPITRCollection() async throws {
        let f = try await AlertingFixture.start()
        defer { Task { await f.stop() } }
        let config = try Config.load(path: try f.config())
        let clock = ManualClock(Date())
        let runtime = try Runtime.build(
            config: config,
            options: RuntimeOptions(dbPath: f.db, environment: f.simulator.environment, now: { clock.now }))
        defer { Task { await runtime.shutdown() } }
        func pitrPhase() async throws -> AlertPhase? {
            try await runtime.store.alertRecords().first { $0.check == "rds.pitr_lag" }?.phase
        }

        // One bad sample: LatestRestorableTime 40 min old (critical, `for: 2`).
        try await f.simulator.apply(fault: "pitr-stale-40m")
        _ = try await runtime.runCycle()
        #expect(try await pitrPhase() == .pending)
        // Five cycles of other families re-evaluate that same sample: no new evidence, no page.
        for families: Set<CheckFamily> in [[.backupJobs], [.metrics], [.configuration], [.backupJobs], [.metrics]] {
            clock.advance(by: 60)
            _ = try await runtime.runCycle(families: families)
            #expect(try await pitrPhase() == .pending, "a \(families) cycle counted the old PITR sample")
        }
        // The second PITR collection is the second piece of evidence.
        clock.advance(by: 60)
        _ = try await runtime.runCycle(families: [.pitr])
        #expect(try await pitrPhase() == .firing)
    }

    @Test func theSimulatorAcceptsTheSNSPublishOfThreeHundredLongAlerts() async throws {
        let f = try await AlertingFixture.start()
        defer { Task { await f.stop() } }
        let config = try Config.load(path: try f.config())
        let runtime = try Runtime.build(
            config: config, options: RuntimeOptions(dbPath: f.db, environment: f.simulator.environment))
        defer { Task { await runtime.shutdown() } }
        let error = String(
            repeating: "AccessDenied: User: arn:aws:sts::828879644785:assumed-role/mnemond/i-0abc is not authorized ",
            count: 22
        ).prefix(2048)
        let items = (0..<300).map { i in
            AlertItem(
                kind: .firing, check: CheckID("s3.check_\(i % 30)"), resource: "mne-bucket-\(i)",
                severity: i < 3 ? .critical : .unknown, episode: 1, idempotencyKey: "mn-\(i)",
                message: "mne-bucket-\(i): cannot evaluate — \(error)")
        }
        let message = try #require(Grouping.message(items, at: Date()))
        let notifier = SNSNotifier.sns(topicArn: AlertingFixture.topicArn, sns: SNS(client: runtime.aws))
        try await notifier.deliver(message)
        let received = try await f.sqsMessages()
        #expect(received.count == 1)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data((received.first?["Message"] as? String ?? "").utf8))
                as? [String: Any])
        let omitted = try #require(document["omitted"] as? Int)
        #expect((document["alerts"] as? [Any])?.count == 300 - omitted)
        #expect((document["text"] as? String)?.contains("…and \(omitted) more — `mnemond status`") == true)
    }

    @Test func statusListsFiringAndPendingAlertsWithTheirDelivery() async throws {
        let store = try Store.open(path: temporaryDirectory().appendingPathComponent("m.sqlite").path)
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["sns", "slack"])
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        let critical = Finding(
            check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", state: .critical,
            message: "mne-media-replica: noncurrent versions expire after 15 d; guide requires 180 d (Phase 2)",
            expected: "180 d", found: "15 d")
        let warning = Finding(
            check: "rds.pitr_lag", resource: "eks-mnemonica-prod", state: .warning,
            message: "eks-mnemonica-prod: LatestRestorableTime is 12 min old")
        let ok = Finding(check: "s3.versioning", resource: "mne-vault-prod", state: .ok, message: "ok")
        _ = try await pipeline.run(findings: [critical, ok], store: store, now: t0)
        let fired = try await pipeline.run(findings: [critical, warning, ok], store: store, now: t0 + 300)
        let key = try #require(fired.message?.idempotencyKey)
        // SNS delivered the firing message; Slack failed once and is still being retried.
        let rows = try await store.outboxRows()
        let sns = try #require(rows.first { $0.channel == "sns" })
        let slack = try #require(rows.first { $0.channel == "slack" })
        try await store.markDelivered(sns.id, at: t0 + 301)
        try await store.markFailed(
            slack.id, at: t0 + 301, error: "HTTP 500 from hooks.slack.com", nextAttemptAt: t0 + 330, deadLetter: false)

        let report = try await StatusReport.load(store: store, policy: nil, now: t0 + 600)
        let alerts = try #require(report.alerts)
        #expect(alerts.map(\.record.check.rawValue) == ["s3.lifecycle.noncurrent", "rds.pitr_lag"])
        let text = Render.statusText(report, color: false)
        #expect(text.contains("Alerts (firing and pending):"), "\(text)")
        #expect(text.contains("  FIRING   CRITICAL s3.lifecycle.noncurrent mne-media-replica since "))
        #expect(text.contains("  PENDING  WARNING  rds.pitr_lag eks-mnemonica-prod since "))
        #expect(
            text.contains("as firing: slack pending (1 attempt: HTTP 500 from hooks.slack.com), sns delivered"),
            "\(text)")
        #expect(!text.contains("s3.versioning mne-vault-prod since"))

        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(Render.statusJSON(report).utf8)) as? [String: Any])
        #expect(json["schema"] as? Int == 1)
        let listed = try #require(json["alerts"] as? [[String: Any]])
        #expect(listed.map { $0["phase"] as? String } == ["firing", "pending"])
        let first = listed[0]
        #expect(first["check"] as? String == "s3.lifecycle.noncurrent")
        #expect(first["severity"] as? String == "CRITICAL")
        #expect(first["last_notified_kind"] as? String == "firing")
        #expect(first["last_notified_key"] as? String == key)
        #expect(first["firing_since"] != nil && first["since"] != nil && first["last_notified"] != nil)
        let deliveries = try #require(first["deliveries"] as? [[String: Any]])
        #expect(deliveries.map { $0["channel"] as? String } == ["slack", "sns"])
        #expect(deliveries.map { $0["state"] as? String } == ["pending", "delivered"])
        #expect(deliveries[0]["last_error"] as? String == "HTTP 500 from hooks.slack.com")
        #expect(listed[1]["deliveries"] as? [Any] != nil)
    }
}
