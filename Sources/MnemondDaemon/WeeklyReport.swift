import Foundation
import Logging
import MnemondAWS
import MnemondConfig
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondReport
import MnemondStore

/// Whether the weekly report is to be queued now, which week it covers, and why — printable.
public struct SendDecision: Sendable, Equatable {
    public var due: Bool
    /// The scheduled time the decision is about (the last one at or before now).
    public var slot: Date
    /// The week to report: the ISO week that ended last before `slot`.
    public var period: ReportPeriod
    /// When to look again if nothing changes.
    public var next: Date
    public var reason: String
}

public enum WeeklyReport {
    /// A report queued more than this after its scheduled time is a catch-up.
    static let onTimeTolerance: TimeInterval = 900

    /// The schedule decision, pure. `lastSent` is when the last scheduled report was queued;
    /// `watchingSince` when mnemond first recorded a cycle (a fresh install owes no report for
    /// weeks before it started). A daemon that was down at the scheduled time queues the missed
    /// report once when it comes back; older missed weeks are not replayed (`mnemond report
    /// --since … --until …` renders any of them).
    public static func isDue(
        now: Date, lastSent: Date?, schedule: SendSchedule, timeZone: TimeZone, watchingSince: Date? = nil
    ) -> SendDecision {
        let slot = schedule.latest(atOrBefore: now, timeZone: timeZone)
        let period = ReportPeriod.lastCompletedWeek(before: slot, timeZone: timeZone)
        let next = schedule.next(after: now, timeZone: timeZone)
        let at = { (date: Date) in "\(ReportFormat.dateTime(date, timeZone)) (\(timeZone.identifier))" }
        func decision(_ due: Bool, _ reason: String) -> SendDecision {
            SendDecision(due: due, slot: slot, period: period, next: due ? slot : next, reason: reason)
        }
        if let lastSent, lastSent >= slot {
            return decision(
                false, "not due: the report scheduled \(at(slot)) was queued \(at(lastSent)); next \(at(next))")
        }
        if lastSent == nil {
            guard let watchingSince else {
                return decision(false, "not due: mnemond has recorded nothing yet; next look \(at(next))")
            }
            if watchingSince > slot {
                return decision(
                    false,
                    "not due: mnemond started watching \(at(watchingSince)), after the last scheduled time; first report \(at(next))"
                )
            }
        }
        let late = now.timeIntervalSince(slot)
        if late <= onTimeTolerance {
            return decision(true, "due: scheduled \(at(slot)), report for \(period.key)")
        }
        return decision(
            true,
            "catching up: the report scheduled \(at(slot)) was not sent (mnemond was not running then); sending the \(period.key) report \(ReportFormat.duration(late)) late"
        )
    }
}

/// What is in a report's outbox row: the rendered message itself, so a retry sends exactly the
/// same bytes (same Message-ID) however long later, and never a secret (the SMTP password and
/// URL come from the config at delivery time).
struct ReportPayload: Codable, Equatable {
    static let emailKind = "weekly-report-email"
    static let snsKind = "weekly-report-sns"

    var kind: String
    var period: String
    var subject: String
    var from: String?
    var recipients: [String]?
    var rfc822Base64: String?
    var topicArn: String?
    var message: String?

    enum CodingKeys: String, CodingKey {
        case kind, period, subject, from, recipients, message
        case rfc822Base64 = "rfc822_base64"
        case topicArn = "topic_arn"
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> ReportPayload {
        try JSONDecoder().decode(ReportPayload.self, from: Data(text.utf8))
    }
}

/// The weekly report's sender: decides when the report is due (`WeeklyReport.isDue`), renders and
/// queues it in the store's outbox together with the "sent for this week" record, and delivers its
/// rows with the alerting retry policy (backoff with jitter, dead-letter after
/// `alerting.delivery.dead_letter_after`). The alert dispatcher knows only the alert channels, so
/// report rows stay leased to this sender until delivered or dead-lettered.
public final class WeeklyReporter: Sendable {
    /// The outbox channel of the SNS summary.
    public static let snsChannel = "report-sns"

    let config: Config
    let store: Store
    let email: SMTPNotifier?
    let publish: (@Sendable (_ topicArn: String, _ subject: String, _ message: String) async throws -> Void)?
    let logger: Logger
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    let random: @Sendable () -> Double

    public init(
        config: Config, store: Store, email: SMTPNotifier?,
        publish: (@Sendable (String, String, String) async throws -> Void)?, logger: Logger,
        now: @escaping @Sendable () -> Date,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.config = config
        self.store = store
        self.email = email
        self.publish = publish
        self.logger = logger
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    /// The reporter of a runtime: its store, HTTP client (SMTP through libcurl), AWS client (SNS)
    /// and clock. The password's environment variable is read here, once.
    public static func live(runtime: Runtime, environment: [String: String]) -> WeeklyReporter {
        let report = runtime.config.report
        let email = report.smtp.map { smtp in
            SMTPNotifier.smtp(
                url: smtp.url, requireTLS: smtp.requireTLS, username: smtp.username,
                password: smtp.password.map { source -> SMTPPassword in
                    switch source {
                    case .file(let path): .file(path: Alerter.expand(path, environment: environment))
                    case .environment(let name): .environment(name: name, value: environment[name].map(Secret.init))
                    }
                }, http: runtime.http)
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

    var policy: DeliveryPolicy { config.alerting.retry }
    var timeZone: TimeZone { config.report.timeZone }

    /// No cycle for this long is a gap in the report: three of the shortest collection intervals,
    /// at least five minutes.
    var gapThreshold: TimeInterval { Double(max(300, 3 * config.schedule.shortestIntervalSeconds)) }

    func context(_ period: ReportPeriod, now: Date) -> ReportContext {
        ReportContext(period: period, now: now, policy: config.policy, gapThreshold: gapThreshold)
    }

    // MARK: The daemon's service

    /// Runs until cancelled: looks at the schedule and the report rows, then sleeps until the next
    /// thing is due — at most 5 minutes, re-reading the wall clock, so a suspend or a clock change
    /// is noticed.
    public func run() async {
        guard config.report.sends else { return }  // no `report:` channel: nothing is ever due
        logger.debug(
            "report scheduler started",
            metadata: ["send_at": "\(config.report.sendAt)", "time_zone": "\(timeZone.identifier)"])
        while !Task.isCancelled {
            let next = await tick()
            let wait = min(max(next.timeIntervalSince(now()), 1), 300)
            do {
                try await sleep(.milliseconds(Int64(wait * 1000)))
            } catch {
                break
            }
        }
    }

    /// One look: queue the week's report when it is due, deliver report rows that are due.
    /// Returns when to look again. Store failures are logged; the next look tries again.
    @discardableResult
    public func tick() async -> Date {
        let time = now()
        var next = time.addingTimeInterval(300)
        if config.report.sends {
            do {
                let last = try await store.lastScheduledReport()
                let watching = try await store.firstCycleTime()
                let decision = WeeklyReport.isDue(
                    now: time, lastSent: last?.queuedAt, schedule: config.report.sendAt, timeZone: timeZone,
                    watchingSince: watching)
                if decision.due {
                    logger.notice(
                        "report due", metadata: ["period": "\(decision.period.key)", "reason": "\(decision.reason)"])
                    _ = try await queue(period: decision.period, scheduled: true)
                } else {
                    logger.debug("report not due", metadata: ["reason": "\(decision.reason)"])
                    next = min(next, decision.next)
                }
            } catch {
                logger.error("report not queued", metadata: ["error": "\(error)"])
            }
        }
        _ = await deliverDue()
        if let attempt = try? await store.nextReportAttempt() { next = min(next, attempt) }
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
    /// and the SNS summary unless recipients were given), then tries each row once.
    public func queue(period: ReportPeriod, scheduled: Bool, recipients: [MailAddress]? = nil)
        async throws(QueueError) -> Queued
    {
        let time = now()
        let report: RecoveryReport
        do {
            report = try await ReportBuilder.load(store: store, context: context(period, now: time))
        } catch {
            throw .store(error)
        }
        let key = IdempotencyKey.of(
            [
                "weekly-report", period.key,
                scheduled ? "schedule" : "manual-\(Int64(time.timeIntervalSince1970 * 1000))",
            ])
        var messages: [OutboxMessage] = []
        let to = recipients ?? config.report.to
        if let from = config.report.from, config.report.smtp != nil, !to.isEmpty {
            let rfc822 = ReportMail.message(report, from: from, to: to, date: time, idempotencyKey: key)
            let payload = ReportPayload(
                kind: ReportPayload.emailKind, period: period.key, subject: ReportMail.subject(report),
                from: from.address, recipients: to.map(\.address), rfc822Base64: rfc822.base64EncodedString())
            messages.append(
                OutboxMessage(
                    channel: SMTPNotifier.reportChannel, idempotencyKey: key, payload: payload.json(), createdAt: time))
        }
        if recipients == nil, config.report.snsSummary, let topic = config.alerting.snsTopicArn {
            let payload = ReportPayload(
                kind: ReportPayload.snsKind, period: period.key, subject: ReportMail.snsSubject(report),
                topicArn: topic, message: ReportMail.snsSummary(report, emailedTo: messages.isEmpty ? 0 : to.count))
            messages.append(
                OutboxMessage(channel: Self.snsChannel, idempotencyKey: key, payload: payload.json(), createdAt: time))
        }
        guard !messages.isEmpty else {
            throw .noChannel(
                "nothing to send the report with: report.smtp (with report.from and report.to) or report.sns_summary must be configured"
            )
        }
        let result: ReportQueueResult
        do {
            result = try await store.queueReport(
                periodStart: period.start, periodEnd: period.end, scheduled: scheduled, idempotencyKey: key,
                subject: ReportMail.subject(report), messages: messages, reservedUntil: reservation(from: time),
                lease: policy.lease, now: time)
        } catch {
            throw .store(error)
        }
        switch result {
        case .alreadyRecorded(let send):
            logger.info(
                "report already recorded",
                metadata: ["period": "\(period.key)", "queued_at": "\(send.queuedAt)", "key": "\(send.idempotencyKey)"])
            return Queued(send: send, new: false, outcomes: [])
        case .queued(let send, let rows):
            logger.notice(
                "report queued",
                metadata: [
                    "period": "\(period.key)", "key": "\(key)", "scheduled": "\(scheduled)",
                    "channels": "\(messages.map(\.channel).joined(separator: ","))",
                    "verdict": "\(report.verdict.line)",
                ])
            var outcomes: [Outcome] = []
            for row in rows { outcomes.append(await attempt(row.row)) }
            return Queued(send: send, new: true, outcomes: outcomes)
        }
    }

    /// Report rows stay leased to the report sender until they would be dead-lettered, plus one
    /// lease: the alert dispatcher never claims them, and if no report sender runs any more it
    /// eventually finds them, cannot deliver them, and dead-letters them where `status` shows it.
    func reservation(from created: Date) -> Date {
        created.addingTimeInterval(policy.deadLetterAfter.seconds + policy.lease.seconds)
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
        // A read first: most looks find nothing due, and claiming is a write.
        guard let due = try? await store.nextReportAttempt(), due <= now() else { return [] }
        let rows: [ReportOutboxRow]
        do {
            rows = try await store.claimDueReportRows(now: now(), lease: policy.lease)
        } catch {
            logger.error("report rows not claimed", metadata: ["error": "\(error)"])
            return []
        }
        var outcomes: [Outcome] = []
        for row in rows { outcomes.append(await attempt(row.row)) }
        return outcomes
    }

    /// Delivers until nothing is pending or `timeout` has passed; what is left stays queued for the
    /// daemon (`mnemond report --send`).
    public func drain(timeout: Duration) async -> [Outcome] {
        let started = now()
        var outcomes: [Outcome] = []
        while true {
            outcomes += await deliverDue()
            guard let next = try? await store.nextReportAttempt() else { break }
            let wait = next.timeIntervalSince(now())
            guard now().timeIntervalSince(started) + wait < timeout.seconds else { break }
            do {
                try await sleep(.milliseconds(Int64(max(wait, 0.02) * 1000)))
            } catch {
                break
            }
        }
        return outcomes
    }

    func attempt(_ row: OutboxRow) async -> Outcome {
        let attemptNumber = row.attempts + 1
        let failure: DeliveryError
        do {
            try await deliver(row)
            let time = now()
            await record {
                try await self.store.recordReportAttempt(
                    row.id, at: time, error: nil, nextAttemptAt: time, deadLetter: false,
                    reservedUntil: self.reservation(from: row.createdAt))
            }
            logger.notice(
                "report delivered",
                metadata: [
                    "channel": "\(row.channel)", "key": "\(row.idempotencyKey)", "attempt": "\(attemptNumber)",
                    "queued_s": "\(Int(time.timeIntervalSince(row.createdAt)))",
                ])
            return .delivered(channel: row.channel)
        } catch let error {
            failure = error
        }
        let time = now()
        let delay = policy.delay(afterAttempt: attemptNumber, retryAfter: nil, random: random())
        let next = time.addingTimeInterval(delay.seconds)
        let deadLetter = next.timeIntervalSince(row.createdAt) > policy.deadLetterAfter.seconds
        await record {
            try await self.store.recordReportAttempt(
                row.id, at: time, error: failure.message, nextAttemptAt: next, deadLetter: deadLetter,
                reservedUntil: self.reservation(from: row.createdAt))
        }
        if deadLetter {
            logger.error(
                "report dead-lettered",
                metadata: [
                    "channel": "\(row.channel)", "key": "\(row.idempotencyKey)", "attempts": "\(attemptNumber)",
                    "error": "\(failure.message)",
                ])
            return .deadLettered(channel: row.channel, error: failure.message)
        }
        logger.warning(
            "report delivery failed",
            metadata: [
                "channel": "\(row.channel)", "key": "\(row.idempotencyKey)", "attempt": "\(attemptNumber)",
                "error": "\(failure.message)", "retry_in_ms": "\(Int(delay.seconds * 1000))",
            ])
        return .failed(channel: row.channel, error: failure.message, retryAt: next)
    }

    func deliver(_ row: OutboxRow) async throws(DeliveryError) {
        let payload: ReportPayload
        do {
            payload = try ReportPayload.decode(row.payload)
        } catch {
            throw DeliveryError(channel: row.channel, message: "outbox row \(row.id) is unreadable: \(error)")
        }
        switch payload.kind {
        case ReportPayload.emailKind:
            guard let email else {
                throw DeliveryError(
                    channel: row.channel, message: "report.smtp is not configured: cannot send the e-mail")
            }
            guard let from = payload.from, let recipients = payload.recipients,
                let data = payload.rfc822Base64.flatMap({ Data(base64Encoded: $0) })
            else {
                throw DeliveryError(channel: row.channel, message: "outbox row \(row.id) holds no message")
            }
            try await email.deliver(MailMessage(from: from, recipients: recipients, rfc822: data))
        case ReportPayload.snsKind:
            guard let publish, let topic = payload.topicArn, let message = payload.message else {
                throw DeliveryError(channel: row.channel, message: "no SNS client for the report summary")
            }
            do {
                try await publish(topic, payload.subject, message)
            } catch {
                // AWSError names action, topic, region, code and request id; never a credential.
                throw DeliveryError(channel: row.channel, message: "\(error)")
            }
        default:
            throw DeliveryError(
                channel: row.channel, message: "outbox row \(row.id) is of unknown kind \(payload.kind)")
        }
    }

    private func record(_ write: @Sendable () async throws -> Void) async {
        do {
            try await write()
        } catch {
            logger.error("report outbox update failed", metadata: ["error": "\(error)"])
        }
    }
}
