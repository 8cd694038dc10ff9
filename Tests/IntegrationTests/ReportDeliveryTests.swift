import Foundation
import Logging
import MnemondBenchData
import MnemondConfig
import MnemondDaemon
import MnemondHTTP
import MnemondModel
import MnemondNotify
import MnemondReport
import MnemondStore
import MnemondTestSupport
import Testing

/// The report by e-mail: `mnemond report --send` and the daemon's weekly sender, against an
/// aiosmtpd sink on loopback. The received message is parsed by Python's `email` package — a
/// MIME parser that is not ours.
@Suite(.serialized, .timeLimit(.minutes(15))) struct ReportDeliveryTests {
    static let recipients = ["ops@example.org", "dr-team@example.net"]

    /// The shipped config with a `report:` section that mails the sink.
    static func config(smtpURL: URL, in directory: URL, extra: String = "") throws -> String {
        let text = try String(contentsOfFile: repoConfig, encoding: .utf8)
        return try writeConfig(
            text + """

                report:
                  from: "mnemond <mnemond@example.org>"
                  to: [\(recipients.joined(separator: ", "))]
                  smtp:
                    url: \(smtpURL.absoluteString)
                    require_tls: false
                \(extra)
                """, in: directory)
    }

    /// What Python's email package makes of a message.
    struct Parsed: Decodable {
        var contentType: String
        var subject: String
        var from: String
        var to: String
        var date: String
        var messageID: String
        var mimeVersion: String
        var parts: [Part]
        struct Part: Decodable {
            var contentType: String
            var charset: String?
            var transferEncoding: String?
            var content: String
        }
    }

    static func parse(_ data: Data) async throws -> Parsed {
        let script = """
            import email, email.policy, json, sys
            m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
            parts = [{"contentType": p.get_content_type(), "charset": p.get_content_charset(),
                      "transferEncoding": p["Content-Transfer-Encoding"], "content": p.get_content()}
                     for p in m.iter_parts()]
            print(json.dumps({"contentType": m.get_content_type(), "subject": str(m["subject"]),
                "from": str(m["from"]), "to": str(m["to"]), "date": str(m["date"]),
                "messageID": str(m["message-id"]), "mimeVersion": str(m["mime-version"]), "parts": parts}))
            """
        let parsed = try await runProgram(
            URL(fileURLWithPath: "/usr/bin/env"), [PeerProcess.defaultPython, "-c", script], input: data)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let json = Data(parsed.stdout.utf8)
        return try JSONDecoder().decode(Parsed.self, from: json)
    }

    @Test func sendDeliversOneMultipartAlternativeMessageWithBothParts() async throws {
        let (week, db, directory) = try await ReportTests.generatedStore()
        try await SMTPSink.with { sink in
            let config = try Self.config(smtpURL: sink.smtpURL, in: directory)
            let result = try await CLI.run(["report", "--send", "--config", config, "--db", db])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stdout
                    == "sent     report-email  \(week.period.key) report via SMTP 127.0.0.1:\(sink.smtpURL.port!) (STARTTLS if offered) to ops@example.org, dr-team@example.net\n"
            )

            let received = try await sink.messages()
            try #require(received.count == 1)
            #expect(received[0].mailFrom == "mnemond@example.org")
            #expect(received[0].recipients == Self.recipients)
            let mail = try await Self.parse(received[0].data)
            #expect(mail.contentType == "multipart/alternative")
            #expect(mail.mimeVersion == "1.0")
            #expect(mail.subject == "[mnemond] \(week.period.title): Not recoverable as promised for 3 h 10 min on Wed")
            #expect(mail.from == "mnemond <mnemond@example.org>")
            #expect(mail.to == "ops@example.org, dr-team@example.net")
            #expect(
                mail.messageID.hasPrefix("<mnemond-report.\(week.period.key).mn-")
                    && mail.messageID.hasSuffix("@example.org>"))
            #expect(!mail.date.isEmpty)
            #expect(mail.parts.map(\.contentType) == ["text/plain", "text/html"])
            #expect(mail.parts.allSatisfy { $0.charset == "utf-8" && $0.transferEncoding == "quoted-printable" })
            let text = mail.parts[0].content
            #expect(
                text.contains(
                    "✗ Not recoverable as promised for 3 h 10 min on Wed — backup.job_freshness eks-mnemonica-prod"))
            #expect(text.contains("\(week.completedInWeek) completed, 1 FAILED"))
            let html = mail.parts[1].content
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains("Not recoverable as promised for 3 h 10 min on Wed"))

            // The outbox shows it delivered, and the record is a manual one (the schedule still sends).
            let store = try Store.openReadOnly(path: db)
            let rows = try await store.outboxRows().filter { $0.channel == "report-email" }
            #expect(rows.count == 1 && rows[0].deliveredAt != nil && rows[0].attempts == 1)
            #expect(try await store.lastScheduledReport() == nil)

            // --to sends only the e-mail, only to that address.
            let adhoc = try await CLI.run([
                "report", "--send", "--to", "me@example.com", "--config", config, "--db", db,
            ])
            #expect(adhoc.status == 0, "\(adhoc.stderr)")
            #expect(try await sink.messages().last?.recipients == ["me@example.com"])
        }
    }

    @Test func aReportNotDeliveredStaysQueuedAndTheErrorHoldsNoPassword() async throws {
        let (week, db, directory) = try await ReportTests.generatedStore()
        let password = "wr0ng-Pässword-\(UInt32.random(in: 1000...9999))"
        try await SMTPSink.with(auth: (user: "mnemond", password: "the-right-one")) { sink in
            let config = try Self.config(
                smtpURL: sink.smtpURL, in: directory,
                extra:
                    "    username: mnemond\n    password_env: MNEMOND_SMTP_PASSWORD\nalerting:\n  delivery:\n    once_timeout: 0s\n"
            )
            let result = try await CLI.run(
                ["report", "--send", "--config", config, "--db", db], environment: ["MNEMOND_SMTP_PASSWORD": password])
            #expect(result.status == 75, "\(result.stderr)")
            #expect(result.stderr.contains("QUEUED   report-email  \(week.period.key) report via SMTP"))
            #expect(result.stderr.contains("the server refused the login"))
            #expect(result.stderr.contains("`mnemond run` retries it until delivered or dead-lettered after 24 h"))
            #expect(!result.stderr.contains(password) && !result.stdout.contains(password))
            let store = try Store.openReadOnly(path: db)
            let row = try #require(try await store.outboxRows().first { $0.channel == "report-email" })
            #expect(row.deliveredAt == nil && row.deadLetteredAt == nil && row.attempts == 1)
            #expect(!(row.lastError ?? "").contains(password) && !row.payload.contains(password))
            #expect(try await sink.messages().isEmpty)
        }
    }

    // MARK: The daemon's weekly sender, on a manual clock

    static func reporter(_ config: Config, _ store: Store, clock: ManualClock, smtp: URL, http: HTTPClient)
        -> WeeklyReporter
    {
        WeeklyReporter(
            config: config, store: store,
            email: .smtp(url: smtp, requireTLS: false, username: nil, password: nil, http: http), publish: nil,
            logger: Logger(label: "report-test"), now: { clock.now }, sleep: { _ in }, random: { 0.5 })
    }

    @Test func aRestartRightAfterSendingDoesNotSendTwiceAndNextWeekSendsAgain() async throws {
        let (week, db, directory) = try await ReportTests.generatedStore()
        try await SMTPSink.with { sink in
            let config = try Config.load(path: try Self.config(smtpURL: sink.smtpURL, in: directory))
            let store = try Store.open(path: db)
            let http = HTTPClient()
            // Monday 08:00 in Rome, right after the generated week.
            let clock = ManualClock(week.period.end.addingTimeInterval(8 * 3600))

            _ = await Self.reporter(config, store, clock: clock, smtp: sink.smtpURL, http: http).tick()
            #expect(try await sink.messages().count == 1)
            let sent = try #require(try await store.lastScheduledReport())
            #expect(sent.periodStart == week.period.start)

            // The process restarts a minute later, and looks again every few minutes that day.
            for minutes in [1.0, 5, 60, 600] {
                clock.advance(
                    by: minutes * 60 - clock.now.timeIntervalSince(week.period.end.addingTimeInterval(8 * 3600)))
                _ = await Self.reporter(config, store, clock: clock, smtp: sink.smtpURL, http: http).tick()
            }
            #expect(try await sink.messages().count == 1, "sent twice")

            // A week later the next report goes out, once.
            clock.advance(by: 7 * 86400 - clock.now.timeIntervalSince(week.period.end.addingTimeInterval(8 * 3600)))
            let next = Self.reporter(config, store, clock: clock, smtp: sink.smtpURL, http: http)
            _ = await next.tick()
            _ = await next.tick()
            let messages = try await sink.messages()
            #expect(messages.count == 2)
            let following = ReportPeriod.lastCompletedWeek(before: clock.now, timeZone: config.report.timeZone)
            #expect(following.start == week.period.end)
            let parsedSubject = try await Self.parse(messages[1].data).subject
            #expect(parsedSubject.hasPrefix("[mnemond] \(following.title): "))
            await http.shutdown()
        }
    }

    @Test func aDaemonStartedOnTuesdaySendsTheMissedReportOnce() async throws {
        let (week, db, directory) = try await ReportTests.generatedStore()
        try await SMTPSink.with { sink in
            let config = try Config.load(path: try Self.config(smtpURL: sink.smtpURL, in: directory))
            let store = try Store.open(path: db)
            let http = HTTPClient()
            // Down over Monday 08:00; started Tuesday 10:00.
            let clock = ManualClock(week.period.end.addingTimeInterval(34 * 3600))
            let decision = WeeklyReport.isDue(
                now: clock.now, lastSent: nil, schedule: config.report.sendAt, timeZone: config.report.timeZone,
                watchingSince: try await store.firstCycleTime())
            #expect(decision.due && decision.reason.hasPrefix("catching up:"), "\(decision.reason)")

            let next = await Self.reporter(config, store, clock: clock, smtp: sink.smtpURL, http: http).tick()
            let received = try await sink.messages()
            try #require(received.count == 1)
            let parsedSubject = try await Self.parse(received[0].data).subject
            #expect(parsedSubject.hasPrefix("[mnemond] \(week.period.title): "))
            #expect(next > clock.now)

            clock.advance(by: 300)
            _ = await Self.reporter(config, store, clock: clock, smtp: sink.smtpURL, http: http).tick()
            #expect(try await sink.messages().count == 1)
            await http.shutdown()
        }
    }

    @Test func aFailedDeliveryIsRetriedFromTheOutboxAndTheAlertDispatcherLeavesItAlone() async throws {
        let (week, db, directory) = try await ReportTests.generatedStore()
        let down = URL(string: "smtp://127.0.0.1:\(try PeerProcess.unusedLoopbackPort())")!
        try await SMTPSink.with { sink in
            let config = try Config.load(path: try Self.config(smtpURL: down, in: directory))
            let store = try Store.open(path: db)
            let http = HTTPClient()
            let clock = ManualClock(week.period.end.addingTimeInterval(8 * 3600))
            let first = Self.reporter(config, store, clock: clock, smtp: down, http: http)
            let retryAt = await first.tick()
            let row = try #require(try await store.outboxRows().first { $0.channel == "report-email" })
            #expect(row.deliveredAt == nil && row.attempts == 1)
            #expect(row.lastError?.contains("SMTP 127.0.0.1:\(down.port!): connect") == true, "\(row.lastError ?? "")")
            #expect(retryAt == row.nextAttemptAt)

            // What the alert dispatcher claims (alert rows): never a report row.
            let claimed = try await store.claimDueOutbox(
                now: clock.now.addingTimeInterval(3600), lease: .seconds(1), kinds: [.alert])
            #expect(!claimed.contains { $0.channel.hasPrefix("report-") })
            // The alerter's dispatcher (of `check --once`) an hour later: the report row is not its to try.
            let alerts = Dispatcher(
                store: store, notifiers: [], kinds: [.alert], now: { clock.now.addingTimeInterval(3600) })
            #expect(await alerts.deliverDue().attempts.isEmpty)
            #expect(try await store.outboxRows().first { $0.id == row.id }?.attempts == 1)

            // The SMTP server is back (the config fixed and reloaded): the next look delivers it.
            clock.advance(by: 600)
            _ = await Self.reporter(config, store, clock: clock, smtp: sink.smtpURL, http: http).tick()
            let received = try await sink.messages()
            #expect(received.count == 1)
            let delivered = try #require(try await store.outboxRows().first { $0.id == row.id })
            #expect(delivered.deliveredAt != nil && delivered.attempts == 2)
            // No second record and no second message for the week.
            _ = await Self.reporter(config, store, clock: clock, smtp: sink.smtpURL, http: http).tick()
            #expect(try await sink.messages().count == 1)
            await http.shutdown()
        }
    }

    @Test func theSNSSummaryGoesToTheAlertingTopicBesideTheEMail() async throws {
        let (week, db, directory) = try await ReportTests.generatedStore()
        let topic = "arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts"
        try await SMTPSink.with { sink in
            let path = try Self.config(
                smtpURL: sink.smtpURL, in: directory,
                extra: "  sns_summary: true\nalerting:\n  channels:\n    sns: {topic_arn: \"\(topic)\"}\n")
            let config = try Config.load(path: path)
            let store = try Store.open(path: db)
            let http = HTTPClient()
            let published = Published()
            let clock = ManualClock(week.period.end.addingTimeInterval(8 * 3600))
            let reporter = WeeklyReporter(
                config: config, store: store,
                email: .smtp(url: sink.smtpURL, requireTLS: false, username: nil, password: nil, http: http),
                publish: { topic, subject, message in await published.add(topic, subject, message) },
                logger: Logger(label: "report-test"), now: { clock.now }, sleep: { _ in }, random: { 0.5 })
            await reporter.tick()
            await http.shutdown()
            #expect(try await sink.messages().count == 1)
            let all = await published.all
            try #require(all.count == 1)
            #expect(all[0].topic == topic)
            #expect(all[0].subject == "[mnemond] \(week.period.key): Not recoverable as promised for 3 h 10 min on Wed")
            #expect(all[0].subject.count < 100 && all[0].subject.allSatisfy(\.isASCII))
            #expect(all[0].message.contains("Incidents: 3"))
            #expect(all[0].message.contains("The full report was e-mailed to 2 recipients."))
            let rows = try await store.outboxRows().filter { $0.channel.hasPrefix("report-") }
            #expect(Set(rows.map(\.channel)) == ["report-email", "report-sns"])
            #expect(rows.allSatisfy { $0.deliveredAt != nil })
        }
    }
}

actor Published {
    var all: [(topic: String, subject: String, message: String)] = []
    func add(_ topic: String, _ subject: String, _ message: String) { all.append((topic, subject, message)) }
}
