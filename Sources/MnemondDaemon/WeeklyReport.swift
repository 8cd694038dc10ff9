import Foundation
import Logging
import MnemondAWS
import MnemondConfig
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondReport
import MnemondStore

/// The weekly report in the daemon: is it due (`WeeklyReport.isDue`)? Then render it and queue it
/// (`ReportOutbox`) with the "sent for this week" record, in one transaction. Delivery is the
/// outbox dispatcher's, like every other row: retry with backoff and jitter, dead-letter after
/// `alerting.delivery.dead_letter_after`. This reporter's dispatcher claims the report's rows
/// (`mail`, `notice`), the alerter's the alerts, so neither process command touches the other's.
public final class WeeklyReporter: Sendable {
    /// The outbox channel of the SNS summary.
    public static let snsChannel = ReportChannel.sns

    let config: Config
    let store: Store
    let email: SMTPNotifier?
    let dispatcher: Dispatcher
    let logger: Logger
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void

    /// `email` delivers the e-mail; `publish(topic, subject, message)` the SNS summary.
    public init(
        config: Config, store: Store, email: SMTPNotifier?,
        publish: (@Sendable (String, String, String) async throws -> Void)?, logger: Logger,
        now: @escaping @Sendable () -> Date,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        var notifiers: [any Notifier] = []
        if let email { notifiers.append(email) }
        if let publish {
            notifiers.append(
                SNSNotifier(channel: ReportChannel.sns, topicArn: config.alerting.snsTopicArn ?? "-") { publication in
                    try await publish(
                        publication.topicArn ?? config.alerting.snsTopicArn ?? "", publication.subject,
                        publication.message)
                    return ""
                })
        }
        self.config = config
        self.store = store
        self.email = email
        self.dispatcher = Dispatcher(
            store: store, notifiers: notifiers, kinds: [.mail, .notice],
            policy: config.alerting.retry.covering(
                attempt: (email?.timeout ?? .zero) + .seconds(config.aws.connectTimeoutSeconds)),
            logger: logger, now: now, sleep: sleep, random: random)
        self.logger = logger
        self.now = now
        self.sleep = sleep
    }

    /// The reporter of a runtime: its store, HTTP client (SMTP through libcurl), AWS client (SNS)
    /// and clock. The password's environment variable is read here, once.
    public static func live(runtime: Runtime, environment: [String: String]) -> WeeklyReporter {
        let report = runtime.config.report
        let email = report.smtp.map { smtp in
            SMTPNotifier.smtp(
                url: smtp.url, requireTLS: smtp.requireTLS, username: smtp.username,
                password: smtp.password.map { $0.reading(environment) }, http: runtime.http)
        }
        let sns = SNS(client: runtime.aws)
        return WeeklyReporter(
            config: runtime.config, store: runtime.store, email: email,
            publish: { topic, subject, message in
                try await sns.publish(
                    topicArn: topic, subject: subject, message: message,
                    attributes: [SNS.MessageAttribute(name: "kind", value: "weekly-report")])
            }, logger: runtime.logger, now: runtime.now)
    }

    var timeZone: TimeZone { config.report.timeZone }

    /// No cycle for this long is a gap in the report: three of the shortest collection intervals,
    /// at least five minutes.
    var gapThreshold: TimeInterval { Double(max(300, 3 * config.schedule.shortestIntervalSeconds)) }

    // MARK: The daemon's service

    /// Runs until cancelled: the schedule — look, queue when due, sleep until the next look (at
    /// most 5 minutes, re-reading the wall clock, so a suspend or a clock change is noticed) —
    /// beside the dispatcher's delivery loop for the report's rows.
    public func run() async {
        guard config.report.sends else { return }  // no `report:` channel: nothing is ever due
        logger.debug(
            "report scheduler started",
            metadata: ["send_at": "\(config.report.sendAt)", "time_zone": "\(timeZone.identifier)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.dispatcher.run() }
            group.addTask {
                while !Task.isCancelled {
                    let next = await self.look()
                    let wait = min(max(next.timeIntervalSince(self.now()), 1), 300)
                    do {
                        try await self.sleep(.milliseconds(Int64(wait * 1000)))
                    } catch {
                        break
                    }
                }
            }
            await group.waitForAll()
        }
    }

    /// One look: queue the week's report when it is due, then deliver the report rows that are
    /// due. Returns when to look again.
    @discardableResult
    public func tick() async -> Date {
        var next = await look()
        _ = await dispatcher.deliverDue()
        if let attempt = try? await store.nextOutboxAttempt(kinds: dispatcher.kinds) { next = min(next, attempt) }
        return next
    }

    /// Is it due? Then queue it (the dispatcher is woken). Store failures are logged; the next
    /// look tries again. Returns when to look again.
    func look() async -> Date {
        let time = now()
        var next = time.addingTimeInterval(300)
        guard config.report.sends else { return next }
        do {
            let last = try await store.lastScheduledReport()
            let watching = try await store.firstCycleTime()
            let decision = WeeklyReport.isDue(
                now: time, lastSent: last?.queuedAt, schedule: config.report.sendAt, timeZone: timeZone,
                watchingSince: watching)
            if decision.due {
                logger.notice(
                    "report due", metadata: ["period": "\(decision.period.key)", "reason": "\(decision.reason)"])
                _ = try await queue(period: decision.period, scheduled: true, deliver: false)
                dispatcher.wake()
            } else {
                logger.debug("report not due", metadata: ["reason": "\(decision.reason)"])
                next = min(next, decision.next)
            }
        } catch {
            logger.error("report not queued", metadata: ["error": "\(error)"])
        }
        return next
    }

    // MARK: Queueing

    public enum QueueError: Error, Sendable, CustomStringConvertible {
        /// Nothing to send to: no `report.smtp` (or no recipient) and no SNS summary.
        case noChannel(String)
        case store(StoreError)

        public var description: String {
            switch self {
            case .noChannel(let text): text
            case .store(let error): "\(error)"
            }
        }
    }

    /// What queueing did, with the delivery attempts made right away.
    public struct Queued: Sendable {
        public var send: ReportSend
        /// false: a scheduled report for this week was already recorded; nothing was queued.
        public var new: Bool
        public var outcomes: [Outcome]
    }

    /// Renders the report of `period` and queues it (e-mail to `recipients`, default the config's,
    /// and the SNS summary unless recipients were given); with `deliver`, one delivery pass follows.
    public func queue(period: ReportPeriod, scheduled: Bool, recipients: [MailAddress]? = nil, deliver: Bool = true)
        async throws(QueueError) -> Queued
    {
        let time = now()
        let report: RecoveryReport
        do {
            report = try await ReportBuilder.load(
                store: store,
                context: ReportContext(
                    period: period, now: time, policy: config.policy, gapThreshold: gapThreshold,
                    estate: config.estate?.name))
        } catch {
            throw .store(error)
        }
        let key = ReportOutbox.idempotencyKey(period: period, scheduled: scheduled, at: time)
        let to = recipients ?? config.report.to
        var mail: (from: MailAddress, to: [MailAddress])?
        if let from = config.report.from, config.report.smtp != nil { mail = (from: from, to: to) }
        let messages = ReportOutbox.messages(
            report, key: key, at: time, mail: mail,
            snsTopic: recipients == nil && config.report.snsSummary ? config.alerting.snsTopicArn : nil)
        guard !messages.isEmpty else {
            throw .noChannel(
                "nothing to send the report with: report.smtp (with report.from and report.to) or report.sns_summary must be configured"
            )
        }
        let result: ReportQueueResult
        do {
            result = try await store.queueReport(
                periodStart: period.start, periodEnd: period.end, scheduled: scheduled, idempotencyKey: key,
                subject: ReportMail.subject(report), messages: messages, now: time)
        } catch {
            throw .store(error)
        }
        switch result {
        case .alreadyRecorded(let send):
            logger.info(
                "report already recorded",
                metadata: ["period": "\(period.key)", "queued_at": "\(send.queuedAt)", "key": "\(send.idempotencyKey)"])
            return Queued(send: send, new: false, outcomes: [])
        case .queued(let send, _):
            logger.notice(
                "report queued",
                metadata: [
                    "period": "\(period.key)", "key": "\(key)", "scheduled": "\(scheduled)",
                    "channels": "\(messages.map(\.channel).joined(separator: ","))",
                    "verdict": "\(report.verdict.line)",
                ])
            let outcomes = deliver ? Self.outcomes(await dispatcher.deliverDue()) : []
            return Queued(send: send, new: true, outcomes: outcomes)
        }
    }

    // MARK: Delivery

    public enum Outcome: Sendable, Equatable {
        case delivered(channel: String)
        case failed(channel: String, error: String, retryAt: Date)
        case deadLettered(channel: String, error: String)
    }

    /// Tries every due report row once.
    @discardableResult
    public func deliverDue() async -> [Outcome] {
        Self.outcomes(await dispatcher.deliverDue())
    }

    /// Delivers until nothing is pending or `timeout` has passed; what is left stays queued for the
    /// daemon (`mnemond report --send`).
    public func drain(timeout: Duration) async -> [Outcome] {
        Self.outcomes(await dispatcher.drain(timeout: timeout))
    }

    static func outcomes(_ report: Dispatcher.Report) -> [Outcome] {
        report.attempts.map { attempt in
            switch attempt.outcome {
            case .delivered: .delivered(channel: attempt.channel)
            case .failed(let error, let retryAt, _): .failed(channel: attempt.channel, error: error, retryAt: retryAt)
            case .deadLettered(let error): .deadLettered(channel: attempt.channel, error: error)
            }
        }
    }
}

/// A report row's recipients or topic, as `mnemond report --send` prints them.
struct ReportPayload {
    var recipients: [String]?
    var topicArn: String?

    static func decode(_ text: String) throws -> ReportPayload {
        switch try OutboxPayload.decode(text) {
        case .mail(let mail): ReportPayload(recipients: mail.recipients)
        case .notice(let notice): ReportPayload(topicArn: notice.topicArn)
        case .alert: ReportPayload()
        }
    }
}

// MARK: - `mnemond report`
