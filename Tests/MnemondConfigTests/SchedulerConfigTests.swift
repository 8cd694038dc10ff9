import Foundation
import MnemondConfig
import MnemondModel
import Testing

/// The `schedule:` and `prometheus_textfile:` sections; errors asserted verbatim.
@Suite struct SchedulerConfigTests {
    static let base = """
        account_id: "828879644785"
        buckets:
          - name: mne-media-prod
            region: eu-west-1
            role: source
            noncurrent_days: 35

        """

    @Test func defaultsAreTheIssuesIntervalsAndTheTextfileIsOff() throws {
        let config = try Config.parse(Self.base, file: "etc/mnemond.yaml")
        #expect(
            config.schedule.intervalSeconds == [
                .pitr: 60, .backupJobs: 300, .metrics: 300, .configuration: 900, .storageMetrics: 21600,
            ])
        #expect(config.schedule.jitterPercent == 10)
        #expect(config.schedule.stallAfterSeconds == 900)
        #expect(config.schedule.drainTimeoutSeconds == 20)
        #expect(config.schedule.shortestIntervalSeconds == 60)
        #expect(config.prometheusTextfile == nil)
    }

    @Test func theShippedConfigSpellsOutTheDefaults() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("etc/mnemond.yaml")
        let config = try Config.load(path: url.path)
        #expect(config.schedule == Config.Schedule())
        #expect(config.prometheusTextfile == nil)
    }

    @Test func everyKeyIsRead() throws {
        let config = try Config.parse(
            Self.base + """
                schedule:
                  interval_seconds:
                    pitr: 30
                    storage_metrics: 43200
                  jitter_percent: 0
                  stall_after_seconds: 120
                  drain_timeout_seconds: 5
                prometheus_textfile: /var/lib/prometheus/node-exporter/mnemond.prom
                """, file: "etc/mnemond.yaml")
        #expect(config.schedule.intervalSeconds[.pitr] == 30)
        #expect(config.schedule.intervalSeconds[.storageMetrics] == 43200)
        #expect(config.schedule.intervalSeconds[.configuration] == 900)
        #expect(config.schedule.jitter == 0)
        #expect(config.schedule.stallAfterSeconds == 120)
        #expect(config.schedule.drainTimeoutSeconds == 5)
        #expect(config.prometheusTextfile == "/var/lib/prometheus/node-exporter/mnemond.prom")
        #expect(config.metrics == nil)
    }

    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464), ("0.0.0.0:9100", "0.0.0.0", 9100), ("\"[::1]:9464\"", "::1", 9464),
    ])
    func metricsListenIsAnAddressAndPort(_ yaml: String, _ host: String, _ port: Int) throws {
        let config = try Config.parse(Self.base + "metrics:\n  listen: \(yaml)\n", file: "etc/mnemond.yaml")
        #expect(config.metrics?.listen.host == host)
        #expect(config.metrics?.listen.port == port)
        #expect(config.metrics?.listen.description == yaml.replacingOccurrences(of: "\"", with: ""))
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var error: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Invalid(
            name: "misspelt family",
            yaml: "schedule:\n  interval_seconds:\n    pitrr: 30\n",
            error: #"etc/mnemond.yaml:9:5: unknown key "pitrr" in schedule.interval_seconds (did you mean "pitr"?)"#),
        Invalid(
            name: "interval of zero",
            yaml: "schedule:\n  interval_seconds:\n    pitr: 0\n",
            error: "etc/mnemond.yaml:9:11: schedule.interval_seconds.pitr must be between 1 and 604800, found 0"),
        Invalid(
            name: "jitter too large",
            yaml: "schedule:\n  jitter_percent: 80\n",
            error: "etc/mnemond.yaml:8:19: schedule.jitter_percent must be between 0 and 50, found 80"),
        Invalid(
            name: "unknown schedule key",
            yaml: "schedule:\n  stall_after_second: 5\n",
            error:
                #"etc/mnemond.yaml:8:3: unknown key "stall_after_second" in schedule (did you mean "stall_after_seconds"?)"#
        ),
        Invalid(
            name: "textfile not .prom",
            yaml: "prometheus_textfile: /var/lib/node-exporter/mnemond.txt\n",
            error:
                #"etc/mnemond.yaml:7:22: prometheus_textfile must end in .prom (node_exporter's textfile collector reads only *.prom), found "/var/lib/node-exporter/mnemond.txt""#
        ),
        Invalid(
            name: "textfile relative",
            yaml: "prometheus_textfile: mnemond.prom\n",
            error: #"etc/mnemond.yaml:7:22: prometheus_textfile must be an absolute path, found "mnemond.prom""#),
        Invalid(
            name: "listen without a port",
            yaml: "metrics:\n  listen: 127.0.0.1\n",
            error:
                #"etc/mnemond.yaml:8:11: metrics.listen must be an IP address and port such as 127.0.0.1:9464 or [::1]:9464 (no port), found "127.0.0.1""#
        ),
        Invalid(
            name: "listen port out of range",
            yaml: "metrics:\n  listen: 127.0.0.1:70000\n",
            error:
                #"etc/mnemond.yaml:8:11: metrics.listen must be an IP address and port such as 127.0.0.1:9464 or [::1]:9464 (port must be a number from 1 to 65535), found "127.0.0.1:70000""#
        ),
        Invalid(
            name: "listen port not a number",
            yaml: "metrics:\n  listen: \"127.0.0.1:http\"\n",
            error:
                #"etc/mnemond.yaml:8:11: metrics.listen must be an IP address and port such as 127.0.0.1:9464 or [::1]:9464 (port must be a number from 1 to 65535), found "127.0.0.1:http""#
        ),
        Invalid(
            name: "listen on a host name",
            yaml: "metrics:\n  listen: localhost:9464\n",
            error:
                #"etc/mnemond.yaml:8:11: metrics.listen must be an IP address and port such as 127.0.0.1:9464 or [::1]:9464 ("localhost" is not an IP address), found "localhost:9464""#
        ),
        Invalid(
            name: "listen on IPv6 without brackets",
            yaml: "metrics:\n  listen: \"::1:9464\"\n",
            error:
                #"etc/mnemond.yaml:8:11: metrics.listen must be an IP address and port such as 127.0.0.1:9464 or [::1]:9464 (an IPv6 address goes in brackets, [::1]:9464), found "::1:9464""#
        ),
        Invalid(
            name: "misspelt metrics key",
            yaml: "metrics:\n  listn: 127.0.0.1:9464\n",
            error: #"etc/mnemond.yaml:8:3: unknown key "listn" in metrics (did you mean "listen"?)"#),
        Invalid(
            name: "misspelt top-level key",
            yaml: "schedul:\n  jitter_percent: 5\n",
            error: #"etc/mnemond.yaml:7:1: unknown key "schedul" (did you mean "schedule"?)"#),
    ])
    func invalid(_ c: Invalid) {
        #expect {
            try Config.parse(Self.base + c.yaml, file: "etc/mnemond.yaml")
        } throws: { error in
            (error as? ConfigError)?.description == c.error
        }
    }
}
