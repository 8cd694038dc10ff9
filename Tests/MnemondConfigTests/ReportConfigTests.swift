import Foundation
import MnemondConfig
import MnemondModel
import Testing

// The `report:` section of the config. These tests parse YAML into `Config`, so they follow the
// config types to their own test target when those leave the daemon.
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
        #expect(r.smtp?.password == .file(path: "${CREDENTIALS_DIRECTORY}/smtp-password"))
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
