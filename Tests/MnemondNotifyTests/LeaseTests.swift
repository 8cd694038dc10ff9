import Foundation
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondStore
import MnemondTestSupport
import Testing

/// The outbox lease is derived from the longest delivery attempt, and the dispatcher keeps every
/// attempt within it: a lease that ends while a sender is still sending would let a second sender
/// send the same row.
@Suite struct LeaseTests {
    struct Case: Sendable, CustomStringConvertible {
        var request: Int
        var connect: Int
        var attempt: Int
        var lease: Int
        var description: String { "request \(request) s, connect \(connect) s" }
    }

    @Test(arguments: [
        // The shipped defaults: 30 s request + 5 s connect, + 5 s to commit the outcome.
        Case(request: 30, connect: 5, attempt: 35, lease: 40),
        Case(request: 8, connect: 5, attempt: 13, lease: 18),
        Case(request: 3, connect: 1, attempt: 4, lease: 9),
        Case(request: 600, connect: 120, attempt: 720, lease: 725),
    ])
    func theLeaseIsTheLongestAttemptPlusTheCommit(_ c: Case) {
        let attempt = DeliveryPolicy.attemptTimeout(
            requestTimeout: .seconds(c.request), connectTimeout: .seconds(c.connect))
        #expect(attempt == .seconds(c.attempt))
        #expect(DeliveryPolicy(attemptTimeout: attempt).lease == .seconds(c.lease))
    }

    @Test func theDefaultLeaseIs40Seconds() {
        #expect(DeliveryPolicy().lease == .seconds(40))
    }

    @Test func coveringALongerTransferOnlyEverLengthensTheAttempt() {
        let policy = DeliveryPolicy(attemptTimeout: .seconds(13))
        #expect(policy.covering(attempt: .seconds(65)).lease == .seconds(70))
        #expect(policy.covering(attempt: .seconds(2)).attemptTimeout == .seconds(13))
    }

    @Test func anAttemptOutlastingItsTimeoutIsCancelledAndRetried() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock)
        // A receiver that never answers (it honours cancellation, as the HTTP client does).
        let slack = SlackNotifier(webhook: .url(Secret(secretWebhook))) { _ in
            try await Task.sleep(for: .seconds(3600))
            return HTTPResponse(status: 200, body: Data())
        }
        let policy = DeliveryPolicy(attemptTimeout: .seconds(1))
        let dispatcher = Dispatcher(
            store: store, notifiers: [slack], policy: policy, now: { clock.now }, sleep: clock.sleep,
            random: { 0.5 })
        let started = ContinuousClock.now
        let report = await dispatcher.deliverDue()
        // Cancelled after its 1 s timeout, not after the receiver's hour: a wide margin for a
        // loaded machine that still fails a timeout that is not enforced.
        #expect(ContinuousClock.now - started < .seconds(300))
        #expect(report.delivered == 0)
        #expect(report.failed == 1)
        let row = try #require(try await store.outboxRows().first)
        #expect(row.lastError == "attempt cancelled after 1 s (the attempt timeout)")
        #expect(row.deliveredAt == nil)
        #expect(row.claimedUntil == nil)
    }

    @Test func eachRowIsClaimedJustBeforeItsAttempt() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock, channels: ["slack", "sns"])
        let policy = DeliveryPolicy(attemptTimeout: .seconds(10))
        // Each attempt takes 30 s of the store's clock: with one batch claim, the second row's
        // lease (15 s) would have ended before its attempt began.
        let leases = LeaseLog()
        let slow: @Sendable (String) -> SNSNotifier = { channel in
            SNSNotifier(channel: channel, topicArn: "arn:aws:sns:eu-west-3:123456789012:t") { _ in
                let rows = try await store.outboxRows()
                let now = clock.now
                await leases.append(rows.compactMap(\.claimedUntil).map { $0 > now })
                clock.advance(by: 30)
                return "id"
            }
        }
        let dispatcher = Dispatcher(
            store: store, notifiers: [slow("slack"), slow("sns")], policy: policy, now: { clock.now },
            sleep: clock.sleep, random: { 0.5 })
        let report = await dispatcher.deliverDue()
        #expect(report.delivered == 2)
        // During each attempt exactly one row is claimed, and its lease has not ended.
        #expect(await leases.entries == [[true], [true]])
    }
}

actor LeaseLog {
    var entries: [[Bool]] = []
    func append(_ entry: [Bool]) { entries.append(entry) }
}
