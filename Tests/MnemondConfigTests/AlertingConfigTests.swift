import Foundation
import MnemondChecks
import MnemondConfig
import MnemondModel
import Testing

/// The `alerting:` section: defaults, every key, and errors asserted verbatim (file:line:column).
@Suite struct AlertingConfigTests {
    static let base = """
        account_id: "828879644785"
        buckets:
          - name: mne-media-replica
            region: eu-west-3
            role: replica
            noncurrent_days: 180
        """

    func parse(_ alerting: String) throws -> Config {
        try Config.parse(Self.base + "\n" + alerting, file: "etc/mnemond.yaml")
            .validated(knownChecks: Catalog.all.map(\.id))
    }

    @Test func withoutTheSectionNothingPagesAndTheIssuesDefaultsHold() throws {
        let config = try Config.load(path: repoConfig)
        #expect(config.alerting.channels.isEmpty)
        #expect(
            config.alerting.ruleLines == [
                "critical: fires after 2 consecutive evaluations, repeats every 4h",
                "warning: fires after 3 consecutive evaluations, repeats every 1d",
                "unknown: fires after 30m, repeats every 1d",
                "flapping: held firing after more than 4 changes in 1h",
                "delivery: backoff 5s..10m, dead-letter after 1d, check --once waits up to 30s",
            ])
    }

    @Test func everyKeyIsRead() throws {
        let config = try parse(
            """
            alerting:
              channels:
                sns:
                  topic_arn: arn:aws:sns:eu-west-3:828879644785:mnemonica-backup-alerts-dr
                slack:
                  webhook_url_env: MNEMOND_SLACK_WEBHOOK
              rules:
                critical: {for: 1, repeat: 2h}
                unknown: {for: 1h}
              checks:
                s3.lifecycle.noncurrent:
                  warning: {for: 45m, repeat: 12h}
              flapping: {max_flips: 6, window: 2h}
              delivery: {initial_backoff: 2s, max_backoff: 5m, dead_letter_after: 12h, once_timeout: 10s}
            """)
        #expect(config.alerting.snsTopicArn == "arn:aws:sns:eu-west-3:828879644785:mnemonica-backup-alerts-dr")
        #expect(config.alerting.slack == .environment(name: "MNEMOND_SLACK_WEBHOOK"))
        #expect(config.alerting.channels == ["sns", "slack"])
        #expect(config.alerting.onceTimeout == .seconds(10))
        #expect(
            config.alerting.ruleLines == [
                "critical: fires after 1 consecutive evaluation, repeats every 2h",
                "warning: fires after 3 consecutive evaluations, repeats every 1d",
                "unknown: fires after 1h, repeats every 1d",
                "s3.lifecycle.noncurrent warning: fires after 45m, repeats every 12h",
                "flapping: held firing after more than 6 changes in 2h",
                "delivery: backoff 2s..5m, dead-letter after 12h, check --once waits up to 10s",
            ])
        let file = try parse(
            """
            alerting:
              channels:
                slack:
                  webhook_url_file: ${CREDENTIALS_DIRECTORY}/slack-webhook
            """)
        #expect(file.alerting.slack == .file(path: "${CREDENTIALS_DIRECTORY}/slack-webhook"))
    }

    @Test func theAlertmanagerChannelReadsItsURLEstateIntervalAndCredentialSource() throws {
        let config = try parse(
            """
            alerting:
              channels:
                alertmanager:
                  url: https://alertmanager.example:9093/am/
                  estate: prod-eu
                  resend_interval: 30s
                  bearer_token_file: ${CREDENTIALS_DIRECTORY}/alertmanager-token
            """)
        let am = try #require(config.alerting.alertmanager)
        #expect(am.url.absoluteString == "https://alertmanager.example:9093/am")
        #expect(am.estate == "prod-eu")
        #expect(am.resendInterval == .seconds(30))
        #expect(am.bearerToken == .file(path: "${CREDENTIALS_DIRECTORY}/alertmanager-token"))
        #expect(config.alerting.channels == ["alertmanager"])

        // Without `estate:` the label is the expected account; basic auth from the environment.
        let plain = try parse(
            """
            alerting:
              channels:
                alertmanager:
                  url: http://127.0.0.1:9093
                  username: mnemond
                  password_env: MNEMOND_ALERTMANAGER_PASSWORD
            """)
        let local = try #require(plain.alerting.alertmanager)
        #expect(local.estate == "828879644785")
        #expect(local.resendInterval == .seconds(60))
        #expect(local.username == "mnemond")
        #expect(local.password == .environment(name: "MNEMOND_ALERTMANAGER_PASSWORD"))
        #expect(local.bearerToken == nil)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var error: String
        var testDescription: String { name }
    }

    static let invalid: [Invalid] = [
        Invalid(
            name: "misspelt key with suggestion",
            yaml: "alerting:\n  chanels: {}",
            error: #"etc/mnemond.yaml:8:3: unknown key "chanels" in alerting (did you mean "channels"?)"#),
        Invalid(
            name: "the webhook URL inline is refused without repeating it",
            yaml:
                "alerting:\n  channels:\n    slack:\n      webhook_url: https://hooks.example.invalid/services/T1/B1/SECRET",
            error:
                "etc/mnemond.yaml:10:7: alerting.channels.slack.webhook_url: the webhook URL is a secret and is never written in the config — put it in a file (webhook_url_file, e.g. a systemd credential) or an environment variable (webhook_url_env)"
        ),
        Invalid(
            name: "both webhook sources",
            yaml: "alerting:\n  channels:\n    slack:\n      webhook_url_file: /etc/x\n      webhook_url_env: X",
            error: "etc/mnemond.yaml:11:7: alerting.channels.slack: set webhook_url_file or webhook_url_env, not both"),
        Invalid(
            name: "no webhook source",
            yaml: "alerting:\n  channels:\n    slack: {}",
            error: "etc/mnemond.yaml:9:12: alerting.channels.slack needs webhook_url_file or webhook_url_env"),
        Invalid(
            name: "relative webhook file",
            yaml: "alerting:\n  channels:\n    slack:\n      webhook_url_file: slack-webhook",
            error:
                #"etc/mnemond.yaml:10:25: alerting.channels.slack.webhook_url_file must be an absolute path (or start with ${CREDENTIALS_DIRECTORY}), found "slack-webhook""#
        ),
        Invalid(
            name: "an Alertmanager token inline is refused without repeating it",
            yaml:
                "alerting:\n  channels:\n    alertmanager:\n      url: http://127.0.0.1:9093\n      bearer_token: SECRETtoken",
            error:
                "etc/mnemond.yaml:11:7: alerting.channels.alertmanager.bearer_token: a credential is never written in the config — put it in a file (bearer_token_file, e.g. a systemd credential) or an environment variable (bearer_token_env)"
        ),
        Invalid(
            name: "a password in the Alertmanager URL is refused without repeating it",
            yaml: "alerting:\n  channels:\n    alertmanager:\n      url: https://mnemond:SECRET@am.example:9093",
            error:
                "etc/mnemond.yaml:10:12: alerting.channels.alertmanager.url must not hold a user or password — use username with password_file or password_env"
        ),
        Invalid(
            name: "an Alertmanager URL that is not http",
            yaml: "alerting:\n  channels:\n    alertmanager:\n      url: ftp://am.example",
            error:
                #"etc/mnemond.yaml:10:12: alerting.channels.alertmanager.url must be an http(s) URL like http://127.0.0.1:9093, found "ftp://am.example""#
        ),
        Invalid(
            name: "an Alertmanager without URL",
            yaml: "alerting:\n  channels:\n    alertmanager:\n      estate: prod",
            error: #"etc/mnemond.yaml:10:7: missing key "url" in alerting.channels.alertmanager"#),
        Invalid(
            name: "a credential over plain http to another host",
            yaml:
                "alerting:\n  channels:\n    alertmanager:\n      url: http://am.example:9093\n      bearer_token_env: AM_TOKEN",
            error:
                "etc/mnemond.yaml:10:12: alerting.channels.alertmanager.url is plain http:// to am.example: the credential would cross the network unencrypted — use https:// (plain http is accepted only on loopback)"
        ),
        Invalid(
            name: "a username without password",
            yaml:
                "alerting:\n  channels:\n    alertmanager:\n      url: http://127.0.0.1:9093\n      username: mnemond",
            error:
                "etc/mnemond.yaml:11:7: alerting.channels.alertmanager.username needs password_file or password_env"),
        Invalid(
            name: "a resend interval too short for Alertmanager",
            yaml:
                "alerting:\n  channels:\n    alertmanager:\n      url: http://127.0.0.1:9093\n      resend_interval: 5s",
            error:
                "etc/mnemond.yaml:11:24: alerting.channels.alertmanager.resend_interval must be between 10s and 10m, found 5s"
        ),
        Invalid(
            name: "not a topic ARN",
            yaml: "alerting:\n  channels:\n    sns:\n      topic_arn: mnemonica-backup-alerts",
            error:
                #"etc/mnemond.yaml:10:18: alerting.channels.sns.topic_arn must be a topic ARN like arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts, found "mnemonica-backup-alerts""#
        ),
        Invalid(
            name: "for is neither a count nor a duration",
            yaml: "alerting:\n  rules:\n    critical: {for: twice}",
            error:
                #"etc/mnemond.yaml:9:21: alerting.rules.critical.for must be a number of consecutive evaluations (2) or a duration (30m, 2h), found "twice""#
        ),
        Invalid(
            name: "repeat too short",
            yaml: "alerting:\n  rules:\n    warning: {repeat: 10s}",
            error: "etc/mnemond.yaml:9:23: alerting.rules.warning.repeat must be between 1m and 30d, found 10s"),
        Invalid(
            name: "unknown check with suggestion",
            yaml: "alerting:\n  checks:\n    s3.lifecycle.noncurent:\n      critical: {for: 1}",
            error:
                #"etc/mnemond.yaml:9:5: alerting.checks: unknown check "s3.lifecycle.noncurent" (did you mean "s3.lifecycle.noncurrent"?)"#
        ),
        Invalid(
            name: "bad duration",
            yaml: "alerting:\n  delivery:\n    max_backoff: soon",
            error:
                #"etc/mnemond.yaml:9:18: alerting.delivery.max_backoff must be a duration like 30s, 10m, 4h or 1d, found "soon""#
        ),
    ]

    @Test(arguments: invalid)
    func invalidSectionsNameFileLineAndKey(_ c: Invalid) {
        #expect(throws: ConfigError.self) { try parse(c.yaml) }
        do {
            _ = try parse(c.yaml)
        } catch let error as ConfigError {
            #expect(error.description == c.error)
            #expect(!error.description.contains("SECRET"))
        } catch {
            Issue.record("not a ConfigError: \(error)")
        }
    }

    @Test func theOutboxLeaseFollowsTheHTTPTimeouts() throws {
        // The shipped timeouts (30 s + 5 s): a 35 s attempt, a 40 s lease.
        #expect(try Config.load(path: repoConfig).alerting.retry.lease == .seconds(40))
        let config = try parse(
            """
            aws:
              request_timeout_seconds: 8
              connect_timeout_seconds: 2
            """)
        #expect(config.alerting.retry.attemptTimeout == .seconds(10))
        #expect(config.alerting.retry.lease == .seconds(15))
    }
}
