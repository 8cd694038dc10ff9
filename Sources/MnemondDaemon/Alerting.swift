import Foundation
import Logging
import MnemondAWS
import MnemondChecks
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
        config: Config.Alerting, store: Store, notifiers: [any Notifier], logger: Logger,
        now: @escaping @Sendable () -> Date,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.config = config
        self.store = store
        self.notifiers = notifiers
        self.logger = logger
        self.now = now
        pipeline = AlertPipeline(rules: config.rules, channels: notifiers.map(\.channel))
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
        switch config.slack {
        case .file(let path)?:
            notifiers.append(.slack(webhook: .file(path: expand(path, environment: environment)), http: http))
        case .environment(let name)?:
            notifiers.append(
                .slack(webhook: .environment(name: name, value: environment[name].map(Secret.init)), http: http))
        case nil:
            break
        }
        return notifiers
    }

    /// `${CREDENTIALS_DIRECTORY}/slack-webhook` → `/run/credentials/mnemond.service/slack-webhook`.
    static func expand(_ path: String, environment: [String: String]) -> String {
        guard let directory = environment["CREDENTIALS_DIRECTORY"] else { return path }
        return path.replacingOccurrences(of: "${CREDENTIALS_DIRECTORY}", with: directory)
            .replacingOccurrences(of: "$CREDENTIALS_DIRECTORY", with: directory)
    }

    // MARK: The hook

    /// Runs the pipeline over one cycle's findings and commits alert states with their outbox rows
    /// in one transaction; then delivers (see the type's comment). Only a store failure throws.
    public func afterCycle(_ findings: [Finding]) async throws(StoreError) {
        let time = now()
        let plan = try await pipeline.run(findings: findings, store: store, now: time)
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
        await dispatcher.run()
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

    public static func testAlertText(_ results: [TestResult]) -> String {
        guard !results.isEmpty else {
            return "no alerting channel is configured (alerting.channels in the config): nothing was sent\n"
        }
        return results.map { r in
            r.error.map { "FAILED  \(r.channel)  \(r.target): \($0)" }
                ?? "OK      \(r.channel)  \(r.target): test message delivered"
        }.joined(separator: "\n") + "\n"
    }
}

/// Whether the background dispatcher is running in this process.
actor DispatcherFlag {
    private(set) var isRunning = false
    func set(_ value: Bool) { isRunning = value }
}

// MARK: Silences and status (the executable's `silence` commands and `status` call these)

/// A `silence` command that cannot be done: a usage problem (exit 64) or the store (exit 74).
public enum AlertingCommandError: Error, Sendable, CustomStringConvertible {
    case usage(String)
    case store(StoreError)

    public var description: String {
        switch self {
        case .usage(let text): text
        case .store(let error): "\(error)"
        }
    }
}

/// `mnemond silence add|list|remove`: maintenance windows in the store, which the running daemon
/// reads at every cycle (no reload needed).
public enum SilenceCommands {
    /// Adds a silence and says what it covers and until when.
    public static func add(
        store: Store, check: String, resource: String?, duration: String, reason: String, createdBy: String, now: Date
    ) async throws(AlertingCommandError) -> String {
        let id = CheckID(check)
        guard Catalog.check(id) != nil else {
            var message = "unknown check \"\(check)\""
            if let hint = suggestion(for: check, among: Catalog.all.map(\.id.rawValue)) {
                message += " (did you mean \"\(hint)\"?)"
            }
            throw .usage(message + " — `mnemond check --json` lists the check IDs")
        }
        guard let length = DurationText.parse(duration), length > .zero else {
            throw .usage("--for must be a duration like 30m, 2h or 1d, found \"\(duration)\"")
        }
        guard length <= .seconds(30 * 86400) else {
            throw .usage("--for is at most 30d; a longer waiver is an accepted risk (accepted_risks in the config)")
        }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw .usage("--reason must say why (it is shown with every silenced alert)") }
        let silence: Silence
        do {
            silence = try await store.addSilence(
                check: id, resource: resource, startsAt: now,
                endsAt: now.addingTimeInterval(TimeInterval(length.components.seconds)),
                reason: why, createdBy: createdBy)
        } catch {
            throw .store(error)
        }
        return "silence #\(silence.id) added: \(describe(silence, now: now))\n"
    }

    /// Silences in force (or all, with `all`), newest first.
    public static func list(store: Store, all: Bool, now: Date) async throws(AlertingCommandError) -> String {
        let silences: [Silence]
        let records: [AlertRecord]
        do {
            silences = try await store.silences(activeAt: now, includeInactive: all)
            records = try await store.alertRecords()
        } catch {
            throw .store(error)
        }
        guard !silences.isEmpty else { return all ? "no silences\n" : "no silence in force\n" }
        var lines: [String] = []
        for silence in silences {
            let state = silence.isActive(at: now) ? "ACTIVE " : (silence.removedAt != nil ? "REMOVED" : "EXPIRED")
            lines.append("#\(silence.id)  \(state)  \(describe(silence, now: now))")
            for r in records where r.silencedBy == silence.id && r.phase != .inactive {
                lines.append("      holding back: \(r.severity) \(r.check) \(r.resource) (\(r.phase.rawValue))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Ends a silence now.
    public static func remove(store: Store, id: Int64, now: Date) async throws(AlertingCommandError) -> String {
        let silence: Silence?
        do {
            silence = try await store.removeSilence(id, at: now)
        } catch {
            throw .store(error)
        }
        guard let silence else { throw .usage("no silence #\(id) (`mnemond silence list --all` lists them)") }
        return "silence #\(silence.id) removed: \(describe(silence, now: now))\n"
    }

    static func describe(_ s: Silence, now: Date) -> String {
        let scope = "\(s.check) on \(s.resource ?? "every resource")"
        let until: String
        if let removed = s.removedAt {
            until = "removed \(Render.time(removed)) (was until \(Render.time(s.endsAt)))"
        } else if s.endsAt > now {
            until = "until \(Render.time(s.endsAt)) (\(Render.duration(s.endsAt.timeIntervalSince(now))) left)"
        } else {
            until = "ended \(Render.time(s.endsAt))"
        }
        return "\(scope) \(until) by \(s.createdBy): \(s.reason)"
    }
}

/// The alerting lines of `mnemond status`: firing, pending and silenced alerts, silences in
/// force, and the outbox (pending and dead-lettered deliveries with the last error).
public enum AlertingStatus {
    public static func text(store: Store, now: Date) async -> String {
        let records: [AlertRecord]
        let silences: [Silence]
        let outbox: OutboxSummary
        do {
            records = try await store.alertRecords()
            silences = try await store.silences(activeAt: now)
            outbox = try await store.outboxSummary()
        } catch {
            return "alerting: unavailable (\(error))\n"
        }
        let firing = records.filter { $0.phase == .firing }
        let pending = records.filter { $0.phase == .pending }
        let silenced = records.filter { $0.silencedBy != nil && $0.phase != .inactive }
        var lines = [
            "alerting: \(firing.count) firing, \(pending.count) pending, \(silenced.count) silenced; outbox: \(outbox.pending) pending, \(outbox.deadLettered) dead-lettered"
        ]
        for r in firing + pending {
            var line =
                "  \(r.phase.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.severity.description.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.check) \(r.resource)"
            if let since = r.firingSince ?? r.badSince { line += " since \(Render.time(since))" }
            if r.phase == .firing { line += " (episode \(r.episode))" }
            if r.heldFlapping { line += " flapping" }
            if let id = r.silencedBy { line += " silenced by #\(id)" }
            lines.append(line)
        }
        for s in silences {
            lines.append("  silence #\(s.id): \(SilenceCommands.describe(s, now: now))")
        }
        if let oldest = outbox.oldestPending {
            lines.append(
                "  oldest undelivered: queued \(Render.time(oldest)) (\(Render.duration(now.timeIntervalSince(oldest))) ago)"
            )
        }
        if let oldest = outbox.oldestDeadLettered {
            lines.append(
                "  DEAD-LETTERED since \(Render.time(oldest)): \(outbox.deadLettered) message(s) were not delivered for 24 h"
            )
        }
        if let error = outbox.lastError {
            lines.append("  last delivery error (\(outbox.lastErrorChannel ?? "?")): \(error)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
