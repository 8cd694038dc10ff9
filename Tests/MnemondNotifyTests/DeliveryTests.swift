import Foundation
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondStore
import MnemondTestSupport
import Testing

/// A clock the test moves by hand; the dispatcher's injected `sleep` advances it, so retries
/// happen in virtual time and no test sleeps.

/// A Slack webhook stand-in that answers from a script and records what it got.
final class ScriptedWebhook: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [HTTPResponse]
    private(set) var requests: [HTTPRequest] = []
    init(_ answers: [HTTPResponse]) { self.answers = answers }
    var post: @Sendable (HTTPRequest) async throws -> HTTPResponse {
        { [self] request in
            lock.withLock {
                requests.append(request)
                return answers.isEmpty ? HTTPResponse(status: 200, body: Data("ok".utf8)) : answers.removeFirst()
            }
        }
    }
    var count: Int { lock.withLock { requests.count } }
    var bodies: [String] { lock.withLock { requests.map { String(decoding: $0.body, as: UTF8.self) } } }
}

func temporaryStore() throws -> Store {
    try Store.open(
        path: FileManager.default.temporaryDirectory.appendingPathComponent(
            "mnemond-notify-\(UUID().uuidString)/m.sqlite"
        )
        .path)
}

let secretWebhook = "https://hooks.slack.example/services/T000/B000/XyZsecretTOKEN42"

/// Queues one firing message (two cycles of a critical finding) and returns its key.
func queueFiring(_ store: Store, clock: ManualClock, channels: [String] = ["slack"]) async throws -> String {
    let pipeline = AlertPipeline(rules: AlertRules(), channels: channels)
    _ = try await pipeline.run(findings: [finding("C")], store: store, now: clock.now)
    clock.advance(by: 300)
    let plan = try await pipeline.run(findings: [finding("C")], store: store, now: clock.now)
    return try #require(plan.message?.idempotencyKey)
}

@Suite struct DeliveryTests {
    func dispatcher(
        _ store: Store, _ webhook: ScriptedWebhook, _ clock: ManualClock, policy: DeliveryPolicy = DeliveryPolicy()
    )
        -> Dispatcher
    {
        Dispatcher(
            store: store, notifiers: [SlackNotifier(webhook: .url(Secret(secretWebhook)), post: webhook.post)],
            policy: policy, now: { clock.now }, sleep: clock.sleep, random: { 0.5 }, monotonic: { Self.frozen })
    }

    /// The manual clock is the only time these tests have: the drain's monotonic clock stands still.
    static let frozen = ContinuousClock.now

    @Test func a500ThenA200IsDeliveredOnceAfterTheRetry() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        let key = try await queueFiring(store, clock: clock)
        let webhook = ScriptedWebhook([HTTPResponse(status: 500, body: Data("internal_error".utf8))])
        let report = await dispatcher(store, webhook, clock).drain(timeout: .seconds(600))
        #expect(report.delivered == 1)
        #expect(report.failed == 1)
        #expect(report.pending == 0)
        #expect(webhook.count == 2)
        #expect(webhook.bodies[0] == webhook.bodies[1])
        #expect(webhook.bodies[0].contains(key))
        let row = try #require(try await store.outboxRows().first)
        #expect(row.attempts == 2)
        #expect(row.deliveredAt != nil)
        #expect(row.lastError == "HTTP 500: internal_error")
        // Delivered rows are never sent again.
        #expect(await dispatcher(store, webhook, clock).drain(timeout: .seconds(600)).delivered == 0)
        #expect(webhook.count == 2)
    }

    @Test func a429WaitsExactlyTheRetryAfterSeconds() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock)
        let webhook = ScriptedWebhook([
            HTTPResponse(status: 429, headers: [(name: "Retry-After", value: "17")], body: Data("rate_limited".utf8))
        ])
        let d = dispatcher(store, webhook, clock)
        let first = await d.deliverDue()
        #expect(first.failed == 1)
        let row = try #require(try await store.outboxRows().first)
        #expect(row.nextAttemptAt == clock.now.addingTimeInterval(17))
        #expect(row.lastError == "HTTP 429 rate limited, Retry-After 17 s: rate_limited")
        clock.advance(by: 16)
        #expect(await d.deliverDue().delivered == 0)
        clock.advance(by: 1)
        #expect(await d.deliverDue().delivered == 1)
        #expect(webhook.count == 2)
    }

    @Test func aMessageFailingFor24HoursIsDeadLetteredAndVisible() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock)
        let webhook = ScriptedWebhook(
            Array(repeating: HTTPResponse(status: 404, body: Data("no_service".utf8)), count: 1000))
        let report = await dispatcher(store, webhook, clock).drain(timeout: .seconds(3 * 86400))
        #expect(report.deadLettered == 1)
        #expect(report.pending == 0)
        let summary = try await store.outboxSummary()
        #expect(summary.deadLettered == 1)
        #expect(summary.pending == 0)
        #expect(summary.lastError == "HTTP 404: no_service")
        #expect(summary.lastErrorChannel == "slack")
        // Backoff is capped (at most 10 min): about 200 attempts in 24 h, not thousands.
        #expect((190...205).contains(webhook.count), "\(webhook.count) attempts")
    }

    @Test func aDrainGivesUpAtItsTimeoutAndLeavesTheRowQueued() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock)
        let webhook = ScriptedWebhook(Array(repeating: HTTPResponse(status: 503), count: 100))
        let report = await dispatcher(store, webhook, clock).drain(timeout: .seconds(30))
        #expect(report.pending == 1)
        #expect(report.delivered == 0)
        // Attempts at 0, 3.75, 11.25 and 26.25 s; the next (56.25 s) is past the 30 s deadline.
        #expect(webhook.count == 4)
        let summary = try await store.outboxSummary()
        #expect(summary.pending == 1)
        #expect(summary.oldestPending == t0 + 300)
    }

    @Test func aClaimedRowIsNotSentByASecondDispatcherUntilItsLeaseEnds() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock)
        // A sender that was killed after claiming: its lease holds the row.
        let claimed = try await store.claimDueOutbox(now: clock.now, lease: .seconds(90))
        #expect(claimed.count == 1)
        let webhook = ScriptedWebhook([])
        #expect(await dispatcher(store, webhook, clock).deliverDue().delivered == 0)
        clock.advance(by: 90)
        #expect(await dispatcher(store, webhook, clock).deliverDue().delivered == 1)
        #expect(webhook.count == 1)
    }

    @Test func theWakeSignalEndsTheDispatchersIdleWait() async throws {
        let store = try temporaryStore()
        let webhook = ScriptedWebhook([])
        let d = Dispatcher(
            store: store, notifiers: [SlackNotifier(webhook: .url(Secret(secretWebhook)), post: webhook.post)])
        let loop = Task { await d.run(idle: .seconds(3600)) }
        let clock = ManualClock(Date().addingTimeInterval(-600))
        _ = try await queueFiring(store, clock: clock)
        d.wake()
        for _ in 0..<500 where webhook.count == 0 { try await Task.sleep(for: .milliseconds(10)) }
        loop.cancel()
        await loop.value
        #expect(webhook.count == 1)
    }

    struct BackoffCase: Sendable, CustomTestStringConvertible {
        var attempt: Int
        var random: Double
        var milliseconds: Int64
        var testDescription: String { "attempt \(attempt), random \(random) → \(milliseconds) ms" }
    }

    @Test(arguments: [
        BackoffCase(attempt: 1, random: 0, milliseconds: 2500),
        BackoffCase(attempt: 1, random: 0.998, milliseconds: 4995),
        BackoffCase(attempt: 2, random: 0.5, milliseconds: 7500),
        BackoffCase(attempt: 3, random: 0, milliseconds: 10000),
        BackoffCase(attempt: 8, random: 0, milliseconds: 300_000),
        BackoffCase(attempt: 8, random: 0.999, milliseconds: 599_700),
        BackoffCase(attempt: 500, random: 0.5, milliseconds: 450_000),
    ])
    func backoffIsExponentialWithEqualJitterAndCapped(_ c: BackoffCase) {
        #expect(DeliveryPolicy().backoff(afterAttempt: c.attempt, random: c.random) == .milliseconds(c.milliseconds))
    }

    @Test func retryAfterBeatsBackoffButIsCapped() {
        let policy = DeliveryPolicy()
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(30), random: 0) == .seconds(30))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(86400), random: 0) == .seconds(3600))
    }
}

/// No channel error, log line or stored row may carry the webhook URL.
@Suite struct SecretHandlingTests {
    @Test func slackErrorsNeverContainTheWebhookURL() async throws {
        let echo = ScriptedWebhook([
            HTTPResponse(status: 400, body: Data("invalid_payload for \(secretWebhook)".utf8)),
            HTTPResponse(status: 404, body: Data("no_service /services/T000/B000/XyZsecretTOKEN42".utf8)),
        ])
        let notifier = SlackNotifier(webhook: .url(Secret(secretWebhook)), post: echo.post)
        let message = AlertMessage.test(at: t0, host: "backup-monitor")
        for _ in 0..<2 {
            do {
                try await notifier.deliver(message)
                Issue.record("delivery should fail")
            } catch {
                #expect(!error.description.contains("XyZsecretTOKEN42"), "\(error)")
                #expect(error.description.contains("***"))
            }
        }
        #expect(!notifier.target.contains("XyZsecretTOKEN42"))
        #expect(notifier.target == "Slack webhook on hooks.slack.example (webhook URL)")
        #expect("\(Secret(secretWebhook))" == "***")
    }

    @Test func transportErrorsNameOnlyTheHost() async throws {
        let notifier = SlackNotifier(webhook: .url(Secret(secretWebhook))) { request in
            throw HTTPError(
                kind: .connect, method: request.method, host: request.url.host ?? "?", curlCode: 7,
                message: "Couldn't connect to server", isTransient: true)
        }
        await #expect(
            throws: DeliveryError(
                channel: "slack", message: "POST hooks.slack.example: connect: Couldn't connect to server (curl 7)")
        ) {
            try await notifier.deliver(AlertMessage.test(at: t0, host: "h"))
        }
    }

    @Test func anUnreadableWebhookFileIsAnExactErrorWithoutAValue() async throws {
        let missing = SlackNotifier(webhook: .file(path: "/nonexistent/slack-webhook"), post: ScriptedWebhook([]).post)
        do {
            try await missing.deliver(AlertMessage.test(at: t0, host: "h"))
            Issue.record("delivery should fail")
        } catch {
            #expect(error.message.hasPrefix("cannot read webhook_url_file /nonexistent/slack-webhook: "), "\(error)")
        }
        let unset = SlackNotifier(
            webhook: .environment(name: "MNEMOND_SLACK_WEBHOOK", value: nil), post: ScriptedWebhook([]).post)
        await #expect(
            throws: DeliveryError(
                channel: "slack", message: "environment variable MNEMOND_SLACK_WEBHOOK is not set (webhook_url_env)")
        ) {
            try await unset.deliver(AlertMessage.test(at: t0, host: "h"))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mnemond-hook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("hook").path
        try "not a url\n".write(toFile: file, atomically: true, encoding: .utf8)
        await #expect(
            throws: DeliveryError(channel: "slack", message: "webhook_url_file \(file) does not hold an http(s) URL")
        ) {
            try await SlackNotifier(webhook: .file(path: file), post: ScriptedWebhook([]).post)
                .deliver(AlertMessage.test(at: t0, host: "h"))
        }
    }

    /// The webhook URL is the credential: over plain http it would cross the network readable by
    /// anyone on the path. Only a loopback relay may be plain http.
    @Test func aPlainHTTPWebhookIsRefusedUnlessItIsLoopback() async throws {
        for url in [
            "http://hooks.slack.example/services/T000/B000/XyZsecretTOKEN42",
            "http://10.0.0.7:8080/services/T000/B000/XyZsecretTOKEN42",
            "HTTP://hooks.slack.example/services/T000/B000/XyZsecretTOKEN42",
            "http://127.0.0.1.example.com/services/T000/B000/XyZsecretTOKEN42",
        ] {
            let webhook = ScriptedWebhook([])
            let notifier = SlackNotifier(
                webhook: .environment(name: "MNEMOND_SLACK_WEBHOOK", value: Secret(url)), post: webhook.post)
            let host = URL(string: url)!.host!
            await #expect(
                throws: DeliveryError(
                    channel: "slack",
                    message:
                        "webhook_url_env MNEMOND_SLACK_WEBHOOK holds a plain http:// URL for "
                        + "\(host): the webhook URL is a secret and would cross the network unencrypted — use "
                        + "https:// (plain http is accepted only on loopback)")
            ) {
                try await notifier.deliver(AlertMessage.test(at: t0, host: "h"))
            }
            #expect(webhook.count == 0, "nothing may be sent to \(host)")
        }
        for url in [
            "http://127.0.0.1:8080/services/T000/B000/XyZsecretTOKEN42", "http://localhost/hook",
            "http://[::1]:9000/hook", "http://127.8.9.10/hook", secretWebhook,
        ] {
            let webhook = ScriptedWebhook([])
            let notifier = SlackNotifier(webhook: .url(Secret(url)), post: webhook.post)
            try await notifier.deliver(AlertMessage.test(at: t0, host: "h"))
            #expect(webhook.count == 1, "\(url) is loopback or https and must be used")
        }
    }

    @Test func theStoreNeverHoldsTheWebhookURL() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock)
        let webhook = ScriptedWebhook([HTTPResponse(status: 500, body: Data(secretWebhook.utf8))])
        _ = await Dispatcher(
            store: store, notifiers: [SlackNotifier(webhook: .url(Secret(secretWebhook)), post: webhook.post)],
            now: { clock.now }, sleep: clock.sleep
        ).drain(timeout: .seconds(60))
        var bytes = Data()
        for suffix in ["", "-wal", "-shm"] {
            bytes += (try? Data(contentsOf: URL(fileURLWithPath: store.path + suffix))) ?? Data()
        }
        #expect(bytes.range(of: Data("XyZsecretTOKEN42".utf8)) == nil)
        #expect(webhook.count == 2)
    }
}
