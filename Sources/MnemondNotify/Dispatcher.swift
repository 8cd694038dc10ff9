import Foundation
import Logging
import MnemondModel
import MnemondStore

/// Delivers the outbox — alert messages and the weekly report alike: claims due rows, sends each
/// payload through its channel's notifier, marks it delivered, or records the error and the next
/// attempt (exponential backoff with jitter, or the receiver's Retry-After), dead-lettering after
/// `deadLetterAfter`. At least once: a row is only marked delivered after its notifier returned,
/// so a crash in between re-sends it with the same idempotency key once its lease has ended
/// (`DeliveryPolicy.lease`). Time, sleeping, randomness and the sending itself (the notifiers)
/// are injected.
public actor Dispatcher {
    let store: Store
    let notifiers: [String: any Notifier]
    /// The payload kinds this dispatcher claims; nil: every row. `mnemond check --once` delivers
    /// the alerts it queued, `mnemond report --send` the report, and neither touches the other's rows.
    public let kinds: Set<OutboxPayload.Kind>?
    public let policy: DeliveryPolicy
    let logger: Logger
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    let random: @Sendable () -> Double
    let signal = WakeSignal()

    /// Time that only moves forward, for `drain`'s deadline; tests on a manual clock pass a
    /// frozen one, so a stalled test machine does not eat their simulated time.
    let monotonic: @Sendable () -> ContinuousClock.Instant

    public init(
        store: Store, notifiers: [any Notifier], kinds: Set<OutboxPayload.Kind>? = nil,
        policy: DeliveryPolicy = DeliveryPolicy(), logger: Logger = Logger(label: "mnemond.notify"),
        now: @escaping @Sendable () -> Date = Date.init,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        monotonic: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.monotonic = monotonic
        self.store = store
        self.notifiers = Dictionary(notifiers.map { ($0.channel, $0) }) { first, _ in first }
        self.kinds = kinds
        self.policy = policy
        self.logger = logger
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    /// What one or more delivery passes did.
    public struct Report: Sendable, Equatable {
        public var delivered = 0
        public var failed = 0
        public var deadLettered = 0
        /// Rows (of the dispatcher's kinds) still waiting after the pass.
        public var pending = 0
        /// Every attempt, in order.
        public var attempts: [Attempt] = []

        public init() {}

        static func + (a: Report, b: Report) -> Report {
            var r = Report()
            r.delivered = a.delivered + b.delivered
            r.failed = a.failed + b.failed
            r.deadLettered = a.deadLettered + b.deadLettered
            r.pending = b.pending
            r.attempts = a.attempts + b.attempts
            return r
        }
    }

    /// One attempt at one row.
    public struct Attempt: Sendable, Equatable {
        public var row: Int64
        public var channel: String
        public var outcome: Outcome
    }

    public enum Outcome: Sendable, Equatable {
        case delivered
        case failed(error: String, retryAt: Date, retryAfter: Bool)
        case deadLettered(error: String)
    }

    /// One pass: every row due now is tried once. Store failures are logged, not thrown: the rows
    /// stay in the outbox and the next pass tries again.
    public func deliverDue(limit: Int = 20) async -> Report {
        var report = Report()
        var backedOff: [String: Date] = [:]
        // One row per claim: the lease covers one attempt (DeliveryPolicy.lease), never a batch
        // waiting behind slow receivers. At most `limit` claims per pass, so a receiver answering
        // `Retry-After: 0` cannot keep a pass going.
        for _ in 0..<limit {
            let row: OutboxRow
            do {
                guard
                    let claimed = try await store.claimDueOutbox(
                        now: now(), lease: policy.lease, limit: 1, kinds: kinds
                    )
                    .first
                else { break }
                row = claimed
            } catch {
                logger.error("outbox claim failed", metadata: ["error": "\(error)"])
                break
            }
            if let until = backedOff[row.channel] {
                // The receiver asked us to wait: the channel's other rows wait too, without an attempt.
                await record {
                    try await self.store.markFailed(
                        row.id, at: self.now(), error: row.lastError ?? "", nextAttemptAt: until, deadLetter: false,
                        countAttempt: false)
                }
                continue
            }
            let outcome = await attempt(row)
            report.attempts.append(Attempt(row: row.id, channel: row.channel, outcome: outcome))
            switch outcome {
            case .delivered: report.delivered += 1
            case .failed(_, let retryAt, let retryAfter):
                report.failed += 1
                if retryAfter { backedOff[row.channel] = retryAt }
            case .deadLettered: report.deadLettered += 1
            }
        }
        report.pending = (try? await store.pendingOutboxCount(kinds: kinds)) ?? 0
        return report
    }

    func attempt(_ row: OutboxRow) async -> Outcome {
        let attempt = row.attempts + 1
        let error: DeliveryError
        do {
            try await send(row)
            let time = now()
            await record { try await self.store.markDelivered(row.id, at: time) }
            // The weekly report is a once-a-week event: its delivery is logged a level higher.
            logger.log(
                level: row.kind == .alert ? .info : .notice, "\(Self.subject(row)) delivered",
                metadata: [
                    "channel": "\(row.channel)", "key": "\(row.idempotencyKey)", "attempt": "\(attempt)",
                    "queued_s": "\(Int(time.timeIntervalSince(row.createdAt)))",
                ])
            return .delivered
        } catch let failure {
            error = failure
        }
        let time = now()
        let delay = policy.delay(afterAttempt: attempt, retryAfter: error.retryAfter, random: random())
        let next = time.addingTimeInterval(delay.seconds)
        let deadLetter = next.timeIntervalSince(row.createdAt) > policy.deadLetterAfter.seconds
        await record {
            try await self.store.markFailed(
                row.id, at: time, error: error.message, nextAttemptAt: next, deadLetter: deadLetter)
        }
        if deadLetter {
            logger.error(
                "\(Self.subject(row)) dead-lettered",
                metadata: [
                    "channel": "\(row.channel)", "key": "\(row.idempotencyKey)", "attempts": "\(attempt)",
                    "error": "\(error.message)",
                ])
            return .deadLettered(error: error.message)
        }
        logger.warning(
            "\(Self.subject(row)) delivery failed",
            metadata: [
                "channel": "\(row.channel)", "key": "\(row.idempotencyKey)", "attempt": "\(attempt)",
                "error": "\(error.message)", "retry_in_ms": "\(Int(delay.seconds * 1000))",
            ])
        return .failed(error: error.message, retryAt: next, retryAfter: error.retryAfter != nil)
    }

    /// What the logs call a row: `alert` or `report`.
    static func subject(_ row: OutboxRow) -> String { row.kind == .alert ? "alert" : "report" }

    func send(_ row: OutboxRow) async throws(DeliveryError) {
        guard let notifier = notifiers[row.channel] else {
            throw DeliveryError(channel: row.channel, message: Self.unconfigured(row))
        }
        let payload: OutboxPayload
        do {
            payload = try OutboxPayload.decode(row.payload, kind: row.kind)
        } catch {
            throw DeliveryError(channel: row.channel, message: "outbox row \(row.id) is unreadable: \(error)")
        }
        try await Self.bounded(by: policy.attemptTimeout, channel: row.channel) {
            () async -> Result<Void, DeliveryError> in
            do throws(DeliveryError) {
                try await notifier.deliver(payload)
                return .success(())
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Runs one attempt, cancelled when it outlasts `limit` (on the real clock: the lease it must
    /// fit in is real time too), which is then a failed attempt. The HTTP transfers, the wait for
    /// a connection and the AWS client's backoff all end on cancellation.
    static func bounded(
        by limit: Duration, channel: String, _ attempt: @escaping @Sendable () async -> Result<Void, DeliveryError>
    ) async -> Result<Void, DeliveryError> {
        await withTaskGroup(of: Result<Void, DeliveryError>?.self) { group in
            group.addTask { await attempt() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return Task.isCancelled
                    ? nil
                    : .failure(
                        DeliveryError(
                            channel: channel,
                            message: "attempt cancelled after \(DurationText.human(limit)) (the attempt timeout)"))
            }
            var outcome: Result<Void, DeliveryError>?
            while outcome == nil, let next = await group.next() {
                outcome = next
            }
            group.cancelAll()
            return outcome ?? .success(())
        }
    }

    /// A row whose channel this process has no notifier for: retried (the config may be fixed and
    /// reloaded) until dead-lettered, with the config key that is missing.
    static func unconfigured(_ row: OutboxRow) -> String {
        switch row.kind {
        case .alert: "channel \"\(row.channel)\" is not configured (alerting.channels)"
        case .mail: "report.smtp is not configured: cannot send the e-mail"
        case .notice: "channel \"\(row.channel)\" is not configured (report.sns_summary)"
        }
    }

    private func record(_ write: @Sendable () async throws -> Void) async {
        do {
            try await write()
        } catch {
            logger.error("outbox update failed", metadata: ["error": "\(error)"])
        }
    }

    /// Delivers until nothing is pending or `timeout` has passed (on the real clock or the injected
    /// one, whichever comes first) — for `mnemond check --once`, which must not exit with alerts
    /// still queued, nor hang on a receiver that is down: what is left stays in the outbox.
    public func drain(timeout: Duration) async -> Report {
        let started = monotonic()
        let startedAt = now()
        var report = Report()
        while true {
            report = report + (await deliverDue())
            guard report.pending > 0, let next = try? await store.nextOutboxAttempt(kinds: kinds) else { break }
            // Both clocks: the wall clock may be stepped back (NTP), the monotonic one may not.
            let elapsed = max(monotonic() - started, .seconds(now().timeIntervalSince(startedAt)))
            let remaining = timeout - elapsed
            let wait = Duration.milliseconds(Int64(max(0, next.timeIntervalSince(now())) * 1000))
            guard wait < remaining else { break }
            do {
                try await sleep(max(wait, .milliseconds(20)))
            } catch {
                break
            }
        }
        return report
    }

    /// The daemon's delivery loop: a pass, then sleep until the next row is due (at most `idle`) or
    /// until `wake()`; ends when the task is cancelled.
    public func run(idle: Duration = .seconds(30)) async {
        logger.debug("dispatcher started", metadata: ["channels": "\(notifiers.keys.sorted().joined(separator: ","))"])
        while !Task.isCancelled {
            _ = await deliverDue()
            var wait = idle
            if let next = try? await store.nextOutboxAttempt(kinds: kinds) {
                wait = min(idle, .milliseconds(Int64(max(0.02, next.timeIntervalSince(now())) * 1000)))
            }
            let sleep = self.sleep
            let signal = self.signal
            let pause = wait
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await sleep(pause) }
                group.addTask { await signal.wait() }
                await group.next()
                group.cancelAll()
            }
        }
        logger.debug("dispatcher stopped")
    }

    /// New rows were queued: deliver now rather than at the next poll.
    public nonisolated func wake() {
        Task { await signal.signal() }
    }
}

/// A one-slot wake-up: `signal()` before `wait()` is remembered; a cancelled waiter returns.
actor WakeSignal {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    func signal() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pending = true
        }
    }

    func wait() async {
        if pending {
            pending = false
            return
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    waiter = continuation
                }
            }
        } onCancel: {
            Task { await self.cancelWait() }
        }
    }

    private func cancelWait() {
        waiter?.resume()
        waiter = nil
    }
}
