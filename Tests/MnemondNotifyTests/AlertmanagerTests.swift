import Foundation
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondStore
import MnemondTestSupport
import Testing

/// The Alertmanager channel without Alertmanager: the labels, annotations and times of the
/// `postableAlert`s, the re-post of what is still firing, and how a refusal becomes a delivery
/// error. (The real Alertmanager is in the integration tests.)
@Suite struct AlertmanagerTests {
    static let now = t0 + 900
    static let hold: Duration = .seconds(240)

    static func json(_ alerts: [AlertmanagerRenderer.Alert]) throws -> [[String: Any]] {
        try #require(
            try JSONSerialization.jsonObject(with: AlertmanagerRenderer.body(alerts)) as? [[String: Any]])
    }

    @Test func aFiringFindingIsOneAlertWithTheLabelsARouteMatchesOn() throws {
        let message = RenderTests.message([RenderTests.firing])
        let alerts = AlertmanagerRenderer.alerts(message, estate: "prod-eu", now: Self.now, hold: Self.hold)
        try #require(alerts.count == 1)
        #expect(
            alerts[0].labels == [
                "alertname": "MnemondFinding", "estate": "prod-eu", "check": "s3.lifecycle.noncurrent",
                "resource": "mne-vault-replica", "severity": "critical", "area": "s3",
            ])
        #expect(alerts[0].annotations["summary"] == RenderTests.firing.message)
        #expect(alerts[0].annotations["expected"] == "180 d")
        #expect(alerts[0].annotations["found"] == "15 d")
        #expect(alerts[0].annotations["guide"] == "Phase 2B")
        #expect(alerts[0].annotations["runbook"]?.contains("put-bucket-lifecycle-configuration") == true)
        #expect(alerts[0].annotations["idempotency_key"] == "mn-0123456789abcdef")
        // Began when the alert began firing; ends four resend intervals after this post.
        #expect(alerts[0].startsAt == t0 + 300)
        #expect(alerts[0].endsAt == Self.now + 240)

        let body = try Self.json(alerts)
        #expect(body.count == 1)
        #expect(Set(body[0].keys) == ["labels", "annotations", "startsAt", "endsAt"])
        #expect(body[0]["startsAt"] as? String == "2026-09-21T14:18:20Z")
        #expect(body[0]["endsAt"] as? String == "2026-09-21T14:32:20Z")
        #expect((body[0]["labels"] as? [String: String])?["severity"] == "critical")
    }

    @Test func aResolveHasTheFiringLabelsAndEndsWhenTheFindingCleared() throws {
        let firing = AlertmanagerRenderer.alerts(
            RenderTests.message([RenderTests.firing]), estate: "prod-eu", now: Self.now, hold: Self.hold)
        let message = RenderTests.message([RenderTests.resolved, RenderTests.firing])
        let alerts = AlertmanagerRenderer.alerts(message, estate: "prod-eu", now: t0 + 9000, hold: Self.hold)
        try #require(alerts.count == 2)
        let resolve = try #require(alerts.first { $0.annotations["idempotency_key"] == "mn-fedcba9876543210" })
        // Same label set as the firing post: Alertmanager resolves that alert, not a new one.
        #expect(resolve.labels == firing[0].labels)
        #expect(resolve.startsAt == t0 + 300)
        #expect(resolve.endsAt == t0 + 7200)
        #expect(resolve.annotations["found"] == "180 d")
    }

    @Test func theTestMessageIsLabelledAsATest() {
        let alerts = AlertmanagerRenderer.alerts(
            AlertMessage.test(at: t0, host: "backup-monitor"), estate: "828879644785", now: t0, hold: Self.hold)
        #expect(alerts.map(\.labels["alertname"]) == ["MnemondTestAlert"])
        #expect(alerts.map(\.labels["severity"]) == ["none"])
        #expect(alerts.map(\.endsAt) == [t0 + 240])
    }

    static func record(_ resource: String, phase: AlertPhase, notified: Bool = true) -> AlertRecord {
        var r = AlertRecord(check: "s3.lifecycle.noncurrent", resource: resource, at: t0)
        r.phase = phase
        r.severity = phase == .inactive ? .ok : .critical
        r.episode = 1
        r.firingSince = t0 + 60
        r.message = "\(resource): noncurrent versions expire after 15 d"
        r.expected = "180 d"
        r.found = "15 d"
        r.firingKey = "mn-00000000000000aa"
        if notified {
            r.notifiedEpisode = 1
            r.notifiedSeverity = .critical
            r.notifiedKind = phase == .inactive ? "resolved" : "firing"
            r.notifiedAt = t0 + 60
        }
        if phase == .inactive { r.resolvedAt = t0 + 600 }
        return r
    }

    @Test func theRepostCarriesWhatWasToldFiringAndRecentResolvesOnly() {
        var silenced = Self.record("silenced", phase: .firing)
        silenced.silencedBy = 3
        let records = [
            Self.record("firing", phase: .firing), Self.record("never-told", phase: .firing, notified: false),
            Self.record("pending", phase: .pending, notified: false), silenced,
            Self.record("resolved", phase: .inactive),
        ]
        let alerts = AlertmanagerRenderer.alerts(
            records: records, estate: "e", now: Self.now, hold: Self.hold, resolvedWithin: .seconds(3600))
        #expect(alerts.map { $0.labels["resource"] } == ["firing", "resolved"])
        #expect(alerts.map(\.endsAt) == [Self.now + 240, t0 + 600])
        #expect(alerts.allSatisfy { $0.startsAt == t0 + 60 && $0.labels["severity"] == "critical" })
        // An hour after the resolve it is no longer re-posted.
        let later = AlertmanagerRenderer.alerts(
            records: records, estate: "e", now: t0 + 600 + 3601, hold: Self.hold, resolvedWithin: .seconds(3600))
        #expect(later.map { $0.labels["resource"] } == ["firing"])
    }

    @Test func aPostGoesToTheV2APIWithTheCredentialFromItsSource() async throws {
        let receiver = ScriptedWebhook([HTTPResponse(status: 200)])
        let notifier = AlertmanagerNotifier(
            url: URL(string: "http://127.0.0.1:9093/am")!, estate: "prod-eu",
            auth: .bearer(.environment(name: "AM_TOKEN", value: Secret("s3cr3t-token"))), now: { Self.now },
            post: receiver.post)
        try await notifier.deliver(RenderTests.message([RenderTests.firing]))
        try #require(receiver.count == 1)
        let request = receiver.requests[0]
        #expect(request.method == "POST")
        #expect(request.url.absoluteString == "http://127.0.0.1:9093/am/api/v2/alerts")
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "Bearer s3cr3t-token" })
        #expect(request.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
        #expect(receiver.bodies[0].contains(#""alertname":"MnemondFinding""#))
        #expect(notifier.target == "Alertmanager at 127.0.0.1:9093 (estate prod-eu)")

        let basic = AlertmanagerNotifier(
            url: URL(string: "http://127.0.0.1:9093")!, estate: "e",
            auth: .basic(username: "mnemond", password: .value(Secret("pw"))), post: receiver.post)
        try await basic.deliver(RenderTests.message([RenderTests.firing]))
        #expect(
            receiver.requests[1].headers.contains { $0.name == "Authorization" && $0.value == "Basic bW5lbW9uZDpwdw==" }
        )
    }

    @Test func refusalsAndMissingCredentialsAreDeliveryErrorsWithoutTheSecret() async throws {
        let receiver = ScriptedWebhook([
            HTTPResponse(status: 400, body: Data("bad token s3cr3t-token: start time must be before end time".utf8))
        ])
        let notifier = AlertmanagerNotifier(
            url: URL(string: "http://127.0.0.1:9093")!, estate: "e",
            auth: .bearer(.value(Secret("s3cr3t-token"))), post: receiver.post)
        let error = await #expect(throws: DeliveryError.self) {
            try await notifier.deliver(RenderTests.message([RenderTests.firing]))
        }
        #expect(error?.channel == "alertmanager")
        #expect(
            error?.message == "HTTP 400 from 127.0.0.1:9093: bad token ***: start time must be before end time")

        let unset = AlertmanagerNotifier(
            url: URL(string: "http://127.0.0.1:9093")!, estate: "e",
            auth: .bearer(.environment(name: "MNEMOND_AM_TOKEN", value: nil)), post: receiver.post)
        let missing = await #expect(throws: DeliveryError.self) {
            try await unset.deliver(RenderTests.message([RenderTests.firing]))
        }
        #expect(missing?.message == "environment variable MNEMOND_AM_TOKEN is not set (bearer_token_env)")
        #expect(receiver.count == 1, "nothing is posted without the credential")

        let down = AlertmanagerNotifier(
            url: URL(string: "http://127.0.0.1:9093")!, estate: "e",
            post: { _ in throw URLError(.cannotConnectToHost) })
        let refused = await #expect(throws: DeliveryError.self) {
            try await down.deliver(RenderTests.message([RenderTests.firing]))
        }
        #expect(refused?.channel == "alertmanager")
        #expect(refused?.message.isEmpty == false)
    }

    /// The daemon's re-post loop, on a manual clock: every resend interval the store's firing
    /// alert is posted again, ending four intervals after that post; a refusal does not end it.
    @Test func theRepostLoopPostsWhatFiresEveryIntervalAndOutlivesARefusal() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock, channels: ["alertmanager"])
        let start = clock.now
        let receiver = ScriptedWebhook([HTTPResponse(status: 503, body: Data("unavailable".utf8))])
        let notifier = AlertmanagerNotifier(
            url: URL(string: "http://127.0.0.1:9093")!, estate: "e", resendInterval: .seconds(60),
            now: clock.nowFunction, post: receiver.post)
        await notifier.runRefresh(store: store) { interval in
            clock.advance(by: interval.seconds)
            if clock.now >= start + 180 { throw CancellationError() }
        }
        // t+0 refused, t+60 and t+120 posted; the loop ended when its sleep was cancelled.
        #expect(receiver.count == 3)
        let ends = try receiver.bodies.map { body in
            let alerts = try #require(
                try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
            try #require(alerts.count == 1)
            return try #require(alerts[0]["endsAt"] as? String)
        }
        #expect(ends == [start + 240, start + 300, start + 360].map(Self.rfc3339))
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }
}
