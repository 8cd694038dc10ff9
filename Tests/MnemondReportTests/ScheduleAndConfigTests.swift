import Foundation
import MnemondDaemon
import MnemondReport
import Testing

@Suite struct SendScheduleTests {
    @Test(arguments: [
        ("Monday 08:00", "Monday 08:00"), ("mon 8:00", "Monday 08:00"), ("SUNDAY 23:30", "Sunday 23:30"),
        ("Wed 00:00", "Wednesday 00:00"),
    ])
    func sendAtReadsAWeekdayAndATime(_ text: String, _ normalized: String) {
        #expect(SendSchedule.parse(text)?.description == normalized)
    }

    @Test(arguments: [
        "Monday", "08:00", "Mo 08:00", "Monday 24:00", "Monday 8", "Monday 08:60", "Funday 08:00", "Monday 08:00 UTC",
    ])
    func otherSendAtTextIsRejected(_ text: String) {
        #expect(SendSchedule.parse(text) == nil)
    }

    struct DueCase: Sendable, CustomTestStringConvertible {
        var name: String
        var now: String
        var lastSent: String?
        var watchingSince: String? = "2026-10-01T00:00:00Z"
        var schedule = SendSchedule.defaultSchedule
        var due: Bool
        var slot: String
        var period: String
        var next: String
        var reason: String
        var testDescription: String { name }
    }

    static let cases: [DueCase] = [
        DueCase(
            name: "at the scheduled time", now: "2026-11-23T08:00:30+01:00", lastSent: "2026-11-16T08:00:10+01:00",
            due: true, slot: "2026-11-23T08:00:00+01:00", period: "2026-W47", next: "2026-11-23T08:00:00+01:00",
            reason: "due: scheduled Mon 23 Nov 08:00 (Europe/Rome), report for 2026-W47"),
        DueCase(
            name: "a minute before it", now: "2026-11-23T07:59:00+01:00", lastSent: "2026-11-16T08:00:10+01:00",
            due: false, slot: "2026-11-16T08:00:00+01:00", period: "2026-W46", next: "2026-11-23T08:00:00+01:00",
            reason:
                "not due: the report scheduled Mon 16 Nov 08:00 (Europe/Rome) was queued Mon 16 Nov 08:00 (Europe/Rome); next Mon 23 Nov 08:00 (Europe/Rome)"
        ),
        DueCase(
            name: "a restart right after sending", now: "2026-11-23T08:01:00+01:00",
            lastSent: "2026-11-23T08:00:05+01:00", due: false, slot: "2026-11-23T08:00:00+01:00", period: "2026-W47",
            next: "2026-11-30T08:00:00+01:00",
            reason:
                "not due: the report scheduled Mon 23 Nov 08:00 (Europe/Rome) was queued Mon 23 Nov 08:00 (Europe/Rome); next Mon 30 Nov 08:00 (Europe/Rome)"
        ),
        DueCase(
            name: "down on Monday, started on Tuesday", now: "2026-11-24T10:00:00+01:00",
            lastSent: "2026-11-16T08:00:10+01:00", due: true, slot: "2026-11-23T08:00:00+01:00", period: "2026-W47",
            next: "2026-11-23T08:00:00+01:00",
            reason:
                "catching up: the report scheduled Mon 23 Nov 08:00 (Europe/Rome) was not sent (mnemond was not running then); sending the 2026-W47 report 1 d 2 h late"
        ),
        DueCase(
            name: "down for three weeks: only the last week is sent", now: "2026-12-09T10:00:00+01:00",
            lastSent: "2026-11-16T08:00:10+01:00", due: true, slot: "2026-12-07T08:00:00+01:00", period: "2026-W49",
            next: "2026-12-07T08:00:00+01:00",
            reason:
                "catching up: the report scheduled Mon 7 Dec 08:00 (Europe/Rome) was not sent (mnemond was not running then); sending the 2026-W49 report 2 d 2 h late"
        ),
        DueCase(
            name: "installed mid-week: the first Monday sends", now: "2026-11-23T08:00:00+01:00", lastSent: nil,
            watchingSince: "2026-11-18T10:00:00+01:00", due: true, slot: "2026-11-23T08:00:00+01:00",
            period: "2026-W47", next: "2026-11-23T08:00:00+01:00",
            reason: "due: scheduled Mon 23 Nov 08:00 (Europe/Rome), report for 2026-W47"),
        DueCase(
            name: "installed after this week's time: wait for next week", now: "2026-11-23T10:00:00+01:00",
            lastSent: nil,
            watchingSince: "2026-11-23T09:00:00+01:00", due: false, slot: "2026-11-23T08:00:00+01:00",
            period: "2026-W47", next: "2026-11-30T08:00:00+01:00",
            reason:
                "not due: mnemond started watching Mon 23 Nov 09:00 (Europe/Rome), after the last scheduled time; first report Mon 30 Nov 08:00 (Europe/Rome)"
        ),
        DueCase(
            name: "nothing recorded yet", now: "2026-11-23T10:00:00+01:00", lastSent: nil, watchingSince: nil,
            due: false,
            slot: "2026-11-23T08:00:00+01:00", period: "2026-W47", next: "2026-11-30T08:00:00+01:00",
            reason: "not due: mnemond has recorded nothing yet; next look Mon 30 Nov 08:00 (Europe/Rome)"),
        DueCase(
            name: "a time the spring-forward night skips runs at 03:00", now: "2026-03-29T04:00:00+02:00",
            lastSent: "2026-03-22T02:30:00+01:00", schedule: SendSchedule(weekday: 7, hour: 2, minute: 30), due: true,
            slot: "2026-03-29T03:00:00+02:00", period: "2026-W12", next: "2026-03-29T03:00:00+02:00",
            reason:
                "catching up: the report scheduled Sun 29 Mar 03:00 (Europe/Rome) was not sent (mnemond was not running then); sending the 2026-W12 report 1 h late"
        ),
    ]

    @Test(arguments: cases)
    func theReportIsDueOncePerWeekAndCatchesUpOnce(_ c: DueCase) {
        let d = WeeklyReport.isDue(
            now: iso(c.now), lastSent: c.lastSent.map(iso), schedule: c.schedule, timeZone: rome,
            watchingSince: c.watchingSince.map(iso))
        #expect(d.due == c.due)
        #expect(d.slot == iso(c.slot))
        #expect(d.period.key == c.period)
        #expect(d.next == iso(c.next))
        #expect(d.reason == c.reason)
    }
}

@Suite struct ReportConfigTests {
    static let base = """
        account_id: "828879644785"
        buckets:
          - {name: mne-media-prod, region: eu-west-1, role: source, noncurrent_days: 35}

        """

    static func parse(_ report: String, alerting: String = "") throws(ConfigError) -> Config {
        try Config.parse(base + alerting + report, file: "mnemond.yaml")
    }

    @Test func theShippedConfigSendsNothing() throws {
        let config = try Config.load(path: repoRoot + "/etc/mnemond.yaml")
        #expect(!config.report.sends)
        #expect(config.report.timeZone.identifier == "Europe/Rome")
        #expect(config.report.sendAt == .defaultSchedule)
    }

    @Test func aFullReportSectionIsRead() throws {
        let config = try Self.parse(
            """
            report:
              time_zone: UTC
              send_at: "Tuesday 07:30"
              from: "mnemond <mnemond@example.org>"
              to: [ops@example.org, "DR team <dr@example.net>"]
              smtp:
                url: smtp://smtp.example.org:587
                username: mnemond
                password_file: ${CREDENTIALS_DIRECTORY}/smtp-password
              sns_summary: true
            """,
            alerting: """
                alerting:
                  channels:
                    sns: {topic_arn: "arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts"}

                """)
        let r = config.report
        #expect(r.timeZone.secondsFromGMT(for: Date()) == 0)
        #expect(r.sendAt == SendSchedule(weekday: 2, hour: 7, minute: 30))
        #expect(r.from == MailAddress(name: "mnemond", address: "mnemond@example.org"))
        #expect(r.to.map(\.address) == ["ops@example.org", "dr@example.net"])
        #expect(r.smtp?.url.absoluteString == "smtp://smtp.example.org:587")
        #expect(r.smtp?.requireTLS == true)
        #expect(r.smtp?.password == .file("${CREDENTIALS_DIRECTORY}/smtp-password"))
        #expect(r.snsSummary && r.sends)
    }

    @Test(arguments: [
        (
            "report:\n  sendat: Monday 08:00\n",
            "mnemond.yaml:5:3: unknown key \"sendat\" in report (did you mean \"send_at\"?)"
        ),
        (
            "report:\n  time_zone: Rome\n",
            "mnemond.yaml:5:14: report.time_zone \"Rome\" is not an IANA time zone name (e.g. Europe/Rome, UTC)"
        ),
        (
            "report:\n  send_at: Mondays at 8\n",
            "mnemond.yaml:5:12: report.send_at must be a weekday and a 24-hour time like \"Monday 08:00\", found \"Mondays at 8\""
        ),
        (
            "report:\n  from: a@example.org\n  to: [b@example.org]\n  smtp:\n    url: smtp://h.example.org\n    username: u\n    password: hunter2\n",
            "mnemond.yaml:10:5: report.smtp.password: the SMTP password is a secret and is never written in the config — put it in a file (password_file, e.g. a systemd credential) or an environment variable (password_env)"
        ),
        (
            "report:\n  from: a@example.org\n  to: [b@example.org]\n  smtp:\n    url: http://h.example.org\n",
            "mnemond.yaml:8:10: report.smtp.url must be smtp://host[:port] (STARTTLS) or smtps://host[:port], found \"http://h.example.org\""
        ),
        (
            "report:\n  from: a@example.org\n  smtp:\n    url: smtp://h.example.org\n",
            "mnemond.yaml:5:3: report.smtp is set but report.to lists no recipient"
        ),
        (
            "report:\n  to: [b@example.org]\n",
            "mnemond.yaml:5:3: report.to is set but report.smtp is missing: the report would never be sent"
        ),
        (
            "report:\n  from: a@example.org\n  to: [not an address]\n  smtp:\n    url: smtp://h.example.org\n",
            "mnemond.yaml:6:8: report.to[0] must be an e-mail address, found \"not an address\""
        ),
        (
            "report:\n  from: a@example.org\n  to: [b@example.org]\n  smtp:\n    url: smtp://h.example.org\n    username: u\n",
            "mnemond.yaml:9:5: report.smtp.username needs password_file or password_env"
        ),
        (
            "report:\n  sns_summary: true\n",
            "mnemond.yaml:5:3: report.sns_summary publishes to alerting.channels.sns.topic_arn, which is not set"
        ),
    ])
    func configErrorsNameTheLineAndTheKey(_ yaml: String, _ message: String) {
        #expect(throws: ConfigError.self) { try Self.parse(yaml) }
        do {
            _ = try Self.parse(yaml)
        } catch {
            #expect(error.description == message)
        }
    }
}

/// The package root, from this file.
let repoRoot: String = {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
        directory = directory.deletingLastPathComponent()
    }
    return directory.path
}()
