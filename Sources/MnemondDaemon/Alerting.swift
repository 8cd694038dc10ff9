import Foundation
import Logging
import MnemondAWS
import MnemondChecks
import MnemondConfig
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondStore

/// The alerting part of the composition root: the notify pipeline (state machine → silence →
/// dedup → outbox) and the dispatcher, built from `alerting:` in the config.
///
/// After every stored cycle `Runtime` calls `afterCycle`: alert states and the notifications they
/// cause are committed in one transaction, then delivered — by the background dispatcher when the
/// daemon runs one (`runDispatcher()`), otherwise right away, bounded by
/// `alerting.delivery.once_timeout` (that is how `mnemond check --once` delivers before it exits).
public final class Alerter: Sendable {
    public let config: Config.Alerting
    public let pipeline: AlertPipeline
    public let dispatcher: Dispatcher
    public let notifiers: [any Notifier]
    let store: Store
    let logger: Logger
    let now: @Sendable () -> Date
    let running = DispatcherFlag()

    public init(
        config: Config.Alerting, store: Store, notifiers: [any Notifier], logger: Logger, account: String = "",
        estate: String? = nil, now: @escaping @Sendable () -> Date,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.config = config
        self.store = store
        self.notifiers = notifiers
        self.logger = logger
        self.now = now
        pipeline = AlertPipeline(
            rules: config.rules, channels: notifiers.map(\.channel), account: account, estate: estate)
        // The alerts' rows; the weekly report's rows are delivered by its reporter's dispatcher.
        dispatcher = Dispatcher(
            store: store, notifiers: notifiers, kinds: [.alert], policy: config.retry, logger: logger, now: now,
            sleep: sleep, random: random)
    }

    /// The notifiers the config asks for. A Slack webhook from the environment is read here, once;
    /// one from a file is read at every delivery (a rotated systemd credential is picked up).
    public static func notifiers(
        _ config: Config.Alerting, aws: AWSClient, http: HTTPClient, environment: [String: String]
    ) -> [any Notifier] {
        var notifiers: [any Notifier] = []
        if let arn = config.snsTopicArn {
            notifiers.append(.sns(topicArn: arn, sns: SNS(client: aws)))
        }
        if let slack = config.slack {
            notifiers.append(.slack(webhook: slack.reading(environment), http: http))
        }
        if let am = config.alertmanager {
            let auth =
                am.bearerToken.map { AlertmanagerAuth.bearer($0.reading(environment)) }
                ?? am.password.map { .basic(username: am.username ?? "", password: $0.reading(environment)) }
            notifiers.append(
                .alertmanager(url: am.url, estate: am.estate, auth: auth, resendInterval: am.resendInterval, http: http)
            )
        }
        return notifiers
    }

    // MARK: The hook

    /// Runs the pipeline over one cycle's findings and commits alert states with their outbox rows
    /// in one transaction; then delivers (see the type's comment). Only a store failure throws.
    /// `unchanged`: the checks whose evidence this cycle did not collect anew (`for: N` counts
    /// fresh evidence only).
    public func afterCycle(_ findings: [Finding], unchanged: Set<CheckID> = []) async throws(StoreError) {
        let time = now()
        let plan = try await pipeline.run(findings: findings, store: store, now: time, unchanged: unchanged)
        for reason in plan.reasons where !reason.hasSuffix(": OK") {
            logger.debug("alert", metadata: ["decision": "\(reason)"])
        }
        for entry in plan.silenced {
            logger.info(
                "alert silenced",
                metadata: [
                    "check": "\(entry.check)", "resource": "\(entry.resource)", "kind": "\(entry.kind)",
                    "silence": "\(entry.silencedBy.map(String.init) ?? "")",
                ])
        }
        if let message = plan.message {
            logger.notice(
                "alerts queued",
                metadata: [
                    "key": "\(message.idempotencyKey)", "firing": "\(message.firing.count)",
                    "resolved": "\(message.resolved.count)",
                    "channels": "\(notifiers.map(\.channel).joined(separator: ","))",
                ])
        }
        guard !notifiers.isEmpty else { return }
        if await running.isRunning {
            dispatcher.wake()
        } else {
            let report = await dispatcher.drain(timeout: config.onceTimeout)
            if report.pending > 0 {
                logger.warning(
                    "alerts still queued",
                    metadata: [
                        "pending": "\(report.pending)", "hint": "they are delivered by the next run or the daemon",
                    ])
            }
        }
    }

    /// The daemon's delivery loop; returns when the calling task is cancelled. While it runs,
    /// `afterCycle` only wakes it instead of delivering itself.
    public func runDispatcher() async {
        guard !notifiers.isEmpty else {
            // Nothing to deliver to; stay alive until cancelled, as a service task should.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        await running.set(true)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.dispatcher.run() }
            // Alertmanager ends an alert that is not re-posted: its firing alerts are posted again.
            for case let am as AlertmanagerNotifier in notifiers {
                group.addTask { await am.runRefresh(store: self.store, logger: self.logger) }
            }
        }
        await running.set(false)
    }

    /// Delivers what is due, for at most `timeout`.
    public func deliverPending(timeout: Duration) async -> Dispatcher.Report {
        await dispatcher.drain(timeout: timeout)
    }

    // MARK: test-alert

    /// One channel's answer to `mnemond test-alert`.
    public struct TestResult: Sendable {
        public var channel: String
        public var target: String
        /// nil: delivered.
        public var error: String?
    }

    /// Sends a clearly-labelled test message through every configured channel, once each, and
    /// reports per channel (the guide's Step 8.5). Bypasses the outbox: the answer is immediate.
    public func testAlert(host: String = ProcessInfo.processInfo.hostName) async -> [TestResult] {
        let message = AlertMessage.test(at: now(), host: host)
        var results: [TestResult] = []
        for notifier in notifiers {
            do {
                try await notifier.deliver(message)
                results.append(TestResult(channel: notifier.channel, target: notifier.target, error: nil))
                logger.info("test alert delivered", metadata: ["channel": "\(notifier.channel)"])
            } catch {
                results.append(TestResult(channel: notifier.channel, target: notifier.target, error: error.message))
                logger.warning(
                    "test alert failed", metadata: ["channel": "\(notifier.channel)", "error": "\(error.message)"])
            }
        }
        return results
    }
}

/// Whether the background dispatcher is running in this process.
actor DispatcherFlag {
    private(set) var isRunning = false
    func set(_ value: Bool) { isRunning = value }
}
