import Foundation
import GRDB
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondTestSupport
import Testing

@testable import MnemondStore

/// An SMTP submission stand-in: fails `failures` times with a transport error, then accepts, and
/// records every message it was handed.
final class ScriptedSMTP: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: Int
    private(set) var received: [MailMessage] = []
    init(failures: Int) { self.failures = failures }
    var send: @Sendable (MailMessage, SMTPConfiguration) async throws -> Void {
        { [self] mail, smtp in
            try lock.withLock {
                received.append(mail)
                if failures > 0 {
                    failures -= 1
                    throw HTTPError(
                        kind: .connect, method: "SMTP", host: "\(smtp.url.host ?? "?"):\(smtp.url.port ?? 25)",
                        curlCode: 7, message: "Couldn't connect to server", isTransient: true)
                }
            }
        }
    }
    var count: Int { lock.withLock { received.count } }
    var messages: [MailMessage] { lock.withLock { received } }
}

func smtpNotifier(_ smtp: ScriptedSMTP) -> SMTPNotifier {
    SMTPNotifier(
        url: URL(string: "smtp://smtp.example.org:587")!, requireTLS: true, username: nil, password: nil,
        send: smtp.send)
}

let weeklyMail = OutboxPayload.Mail(
    period: "2026-W47", subject: "[mnemond] Week 47: Recoverable all week", from: "mnemond@example.org",
    recipients: ["ops@example.org", "dr@example.net"],
    rfc822: Data("From: mnemond@example.org\r\nSubject: Week 47\r\n\r\nbody\r\n".utf8))

/// Queues the weekly report's e-mail the way the reporter does: a report record and its row.
func queueMail(_ store: Store, at time: Date, key: String = "mn-00000000000000aa") async throws {
    let result = try await store.queueReport(
        periodStart: time - 8 * 86400, periodEnd: time - 86400, scheduled: true, idempotencyKey: key,
        subject: weeklyMail.subject,
        messages: [
            OutboxMessage(
                channel: ReportChannel.email, idempotencyKey: key, payload: .mail(weeklyMail), createdAt: time)
        ], now: time)
    guard case .queued(_, let rows) = result else {
        Issue.record("not queued: \(result)")
        return
    }
    #expect(rows.map(\.kind) == [.mail])
}

/// One outbox, one dispatcher: alert messages and the weekly report's mail go through the same
/// claim → attempt → backoff → dead letter.
@Suite struct OneOutboxTests {
    @Test func oneDispatcherDeliversAMailRowAndAnAlertRowWithTheSameRetries() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        let key = try await queueFiring(store, clock: clock)
        try await queueMail(store, at: clock.now)
        let webhook = ScriptedWebhook([HTTPResponse(status: 500, body: Data("internal_error".utf8))])
        let smtp = ScriptedSMTP(failures: 1)
        let dispatcher = Dispatcher(
            store: store,
            notifiers: [SlackNotifier(webhook: .url(Secret(secretWebhook)), post: webhook.post), smtpNotifier(smtp)],
            now: { clock.now }, sleep: clock.sleep, random: { 0.5 })

        let first = await dispatcher.deliverDue()
        #expect(first.failed == 2 && first.delivered == 0 && first.pending == 2)
        let rows = try await store.outboxRows()
        // The same backoff for both: 5 s × (1/2 + 1/2 × 0.5) = 3.75 s.
        #expect(rows.allSatisfy { $0.attempts == 1 && $0.nextAttemptAt == clock.now.addingTimeInterval(3.75) })
        let mailRow = try #require(rows.first { $0.channel == ReportChannel.email })
        #expect(mailRow.lastError == "SMTP smtp.example.org:587: connect: Couldn't connect to server (curl 7)")

        let rest = await dispatcher.drain(timeout: .seconds(600))
        #expect(rest.delivered == 2 && rest.pending == 0)
        #expect(try await store.outboxRows().allSatisfy { $0.deliveredAt != nil && $0.attempts == 2 })
        #expect(webhook.count == 2 && webhook.bodies[1].contains(key))
        // The retry submits the very bytes that were queued (same Message-ID), to the same envelope.
        #expect(smtp.messages.map(\.rfc822) == [weeklyMail.rfc822, weeklyMail.rfc822])
        #expect(smtp.messages.allSatisfy { $0.from == weeklyMail.from && $0.recipients == weeklyMail.recipients })
        #expect(await dispatcher.drain(timeout: .seconds(600)).attempts.isEmpty)
    }

    @Test func aMailFailingFor24HoursIsDeadLetteredLikeAnAlert() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        try await queueMail(store, at: clock.now)
        let smtp = ScriptedSMTP(failures: 10_000)
        let report = await Dispatcher(
            store: store, notifiers: [smtpNotifier(smtp)], now: { clock.now }, sleep: clock.sleep, random: { 0.5 }
        ).drain(timeout: .seconds(3 * 86400))
        #expect(report.deadLettered == 1 && report.pending == 0)
        #expect(report.attempts.last?.outcome == .deadLettered(error: smtp.errorText))
        let summary = try await store.outboxSummary()
        #expect(summary.deadLettered == 1 && summary.pending == 0)
        #expect(summary.lastErrorChannel == ReportChannel.email)
        // The alerts' capped backoff: about 200 attempts in 24 h.
        #expect((190...205).contains(smtp.count), "\(smtp.count) attempts")
    }

    @Test func aDispatcherClaimsOnlyItsKinds() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        _ = try await queueFiring(store, clock: clock)
        try await queueMail(store, at: clock.now)
        let smtp = ScriptedSMTP(failures: 0)
        let webhook = ScriptedWebhook([])
        let slack = SlackNotifier(webhook: .url(Secret(secretWebhook)), post: webhook.post)
        // `check --once` delivers its alerts and leaves the report's mail alone (it has no SMTP).
        let alerts = await Dispatcher(store: store, notifiers: [slack], kinds: [.alert], now: { clock.now })
            .deliverDue()
        #expect(alerts.attempts.map(\.channel) == ["slack"] && alerts.pending == 0)
        // `report --send` delivers the report's rows only.
        let reports = await Dispatcher(
            store: store, notifiers: [smtpNotifier(smtp)], kinds: [.mail, .notice], now: { clock.now }
        ).deliverDue()
        #expect(reports.attempts.map(\.channel) == [ReportChannel.email] && reports.delivered == 1)
        #expect(try await store.outboxSummary().pending == 0)
    }

    @Test func aRowWhoseChannelIsNotConfiguredSaysWhichKeyIsMissing() async throws {
        let store = try temporaryStore()
        let clock = ManualClock(t0)
        try await queueMail(store, at: clock.now)
        let report = await Dispatcher(store: store, notifiers: [], now: { clock.now }, random: { 0.5 }).deliverDue()
        #expect(report.failed == 1)
        #expect(
            try await store.outboxRows().first?.lastError == "report.smtp is not configured: cannot send the e-mail")
    }

    @Test func aChannelRefusesAPayloadItDoesNotCarry() async throws {
        let slack = SlackNotifier(webhook: .url(Secret(secretWebhook)), post: ScriptedWebhook([]).post)
        await #expect(
            throws: DeliveryError(channel: "slack", message: "the slack channel does not deliver mail payloads")
        ) { try await slack.deliver(.mail(weeklyMail)) }
        let smtp = ScriptedSMTP(failures: 0)
        await #expect(
            throws: DeliveryError(
                channel: ReportChannel.email, message: "the report-email channel does not deliver alert payloads")
        ) { try await smtpNotifier(smtp).deliver(AlertMessage.test(at: t0, host: "h")) }
        #expect(smtp.count == 0)
    }

    @Test func theReportSummaryIsPlainTextToTheTopicItsRowNames() async throws {
        let published = Publications()
        let notifier = SNSNotifier(channel: ReportChannel.sns, topicArn: "arn:aws:sns:eu-west-1:1:alerts") {
            await published.add($0)
            return "message-id"
        }
        let notice = OutboxPayload.Notice(
            period: "2026-W47", subject: "[mnemond] 2026-W47: Recoverable all week",
            topicArn: "arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts", message: "Compliance: ...")
        try await notifier.deliver(.notice(notice))
        try await notifier.deliver(AlertMessage.test(at: t0, host: "h"))
        let all = await published.all
        try #require(all.count == 2)
        #expect(
            all[0]
                == SNSPublication(
                    subject: notice.subject, message: notice.message, attributes: ["kind": "weekly-report"],
                    topicArn: notice.topicArn, jsonStructure: false))
        #expect(all[1].topicArn == nil && all[1].jsonStructure)
        await #expect(throws: DeliveryError.self) { try await notifier.deliver(.mail(weeklyMail)) }
    }
}

actor Publications {
    var all: [SNSPublication] = []
    func add(_ publication: SNSPublication) { all.append(publication) }
}

extension ScriptedSMTP {
    var errorText: String { "SMTP smtp.example.org:587: connect: Couldn't connect to server (curl 7)" }
}

/// Rows keep the JSON mnemond has always written, so a row queued before an upgrade reads the same.
@Suite struct OutboxPayloadTests {
    static let legacyMailJSON =
        #"{"from":"mnemond@example.org","kind":"weekly-report-email","period":"2026-W47","recipients":["ops@example.org","dr@example.net"],"rfc822_base64":"\#(weeklyMail.rfc822.base64EncodedString())","subject":"[mnemond] Week 47: Recoverable all week"}"#
    static let legacyNoticeJSON =
        #"{"kind":"weekly-report-sns","message":"Incidents: 0","period":"2026-W47","subject":"[mnemond] 2026-W47: ok","topic_arn":"arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts"}"#

    @Test func reportPayloadsAreWrittenAsTheyAlwaysWere() throws {
        #expect(OutboxPayload.mail(weeklyMail).json() == Self.legacyMailJSON)
        let notice = OutboxPayload.notice(
            .init(
                period: "2026-W47", subject: "[mnemond] 2026-W47: ok",
                topicArn: "arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts", message: "Incidents: 0"))
        #expect(notice.json() == Self.legacyNoticeJSON)
        let alert = AlertMessage.test(at: t0, host: "h")
        #expect(OutboxPayload.alert(alert).json() == alert.json())
    }

    @Test(arguments: [OutboxPayload.Kind.mail, .notice, .alert])
    func everyKindReadsBackWithOrWithoutItsColumn(_ kind: OutboxPayload.Kind) throws {
        let payload: OutboxPayload
        switch kind {
        case .mail: payload = try OutboxPayload.decode(Self.legacyMailJSON, kind: .mail)
        case .notice: payload = try OutboxPayload.decode(Self.legacyNoticeJSON, kind: .notice)
        case .alert: payload = .alert(AlertMessage.test(at: t0, host: "h"))
        }
        #expect(payload.kind == kind)
        #expect(try OutboxPayload.decode(payload.json(), kind: kind) == payload)
        #expect(try OutboxPayload.decode(payload.json()) == payload)
    }

    @Test func aRowOfTheWrongShapeIsAnErrorNotACrash() {
        #expect(throws: OutboxPayload.PayloadError.self) { try OutboxPayload.decode("{}", kind: .mail) }
        #expect(throws: OutboxPayload.PayloadError.self) {
            try OutboxPayload.decode(Self.legacyNoticeJSON, kind: .mail)
        }
        #expect(throws: OutboxPayload.PayloadError.self) { try OutboxPayload.decode("not json", kind: .alert) }
    }
}

/// A store written by the mnemond before the one outbox (alert rows, and a weekly report row held
/// by the report sender's reservation) still delivers after the upgrade: at the row's next
/// attempt, not when the reservation would have ended.
@Suite struct OutboxUpgradeTests {
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    @Test func rowsQueuedBeforeTheUpgradeStillDeliver() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mnemond-upgrade-\(UUID().uuidString)/m.sqlite"
        ).path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let alert = AlertMessage.test(at: t0, host: "backup-monitor")
        let reportKey = "mn-00000000000000bb"
        do {
            // The schema and the rows exactly as the previous release wrote them.
            let old = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(old, upTo: "report-v1-sends")
            try await old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO outbox (created_at, channel, idempotency_key, payload, next_attempt_at)
                        VALUES (?, 'slack', ?, ?, ?)
                        """,
                    arguments: [Self.millis(t0), alert.idempotencyKey, alert.json(), Self.millis(t0)])
                try db.execute(
                    sql: """
                        INSERT INTO report_sends (period_start, period_end, scheduled, queued_at, idempotency_key, subject)
                        VALUES (?, ?, 1, ?, ?, ?)
                        """,
                    arguments: [
                        Self.millis(t0 - 8 * 86400), Self.millis(t0 - 86400), Self.millis(t0), reportKey,
                        weeklyMail.subject,
                    ])
                // Tried once and failed; reserved for the report sender for 24 h + one lease.
                try db.execute(
                    sql: """
                        INSERT INTO outbox (created_at, channel, idempotency_key, payload, attempts, last_error,
                            last_attempt_at, next_attempt_at, claimed_until)
                        VALUES (?, 'report-email', ?, ?, 1, 'SMTP smtp.example.org:587: connect', ?, ?, ?)
                        """,
                    arguments: [
                        Self.millis(t0), reportKey, OutboxPayloadTests.legacyMailJSON, Self.millis(t0),
                        Self.millis(t0 + 4), Self.millis(t0 + 86400 + 90),
                    ])
                try db.execute(
                    sql: "INSERT INTO report_outbox (outbox_id, report_id, sending_until) VALUES (?, 1, NULL)",
                    arguments: [db.lastInsertedRowID])
            }
            try old.close()
        }

        let store = try Store.open(path: path)
        let before = try await store.outboxRows()
        #expect(Set(before.map(\.kind)) == [.alert, .mail])
        let clock = ManualClock(t0 + 60)
        let webhook = ScriptedWebhook([])
        let smtp = ScriptedSMTP(failures: 0)
        let report = await Dispatcher(
            store: store,
            notifiers: [SlackNotifier(webhook: .url(Secret(secretWebhook)), post: webhook.post), smtpNotifier(smtp)],
            now: { clock.now }, sleep: clock.sleep
        ).deliverDue()
        #expect(report.delivered == 2 && report.pending == 0)
        #expect(webhook.count == 1 && webhook.bodies[0].contains(alert.idempotencyKey))
        #expect(smtp.messages.map(\.rfc822) == [weeklyMail.rfc822])
        let rows = try await store.outboxRows()
        #expect(rows.first { $0.channel == "report-email" }?.attempts == 2)
        #expect(try await store.reportRows(reportID: 1).allSatisfy { $0.deliveredAt != nil })
    }
}
