import Foundation
import MnemondCommands
import MnemondModel
import MnemondTestSupport
import Testing

/// The textfile node_exporter serves: exposition format, escapes, and an atomic replace.
@Suite struct PrometheusTextfileTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func stateGaugesAcceptedRisksAndTheNewestOfEachSeries() {
        let findings = [
            Finding(check: "rds.pitr_lag", resource: "eks-mnemonica-prod", state: .warning, message: ""),
            Finding(
                check: "s3.object_lock", resource: "mne-media-replica", state: .warning, message: "",
                acceptedRisk: AcceptedRisk(check: "s3.object_lock", reason: "deferred")),
        ]
        let samples = [
            Sample(
                series: .rdsPitrLagSeconds, labels: ["instance": "eks-mnemonica-prod"], time: Self.t0, value: 720),
            Sample(
                series: .s3ReplicationLatencySeconds, labels: ["bucket": "mne-media-prod"], time: Self.t0,
                value: 41.5),
            Sample(series: Series("odd-name.x"), labels: ["rule id": #"a"b\c"#], time: Self.t0, value: 1),
        ]
        let text = PrometheusTextfile.render(findings: findings, samples: samples, cycleFinishedAt: Self.t0)
        #expect(
            text == #"""
                # HELP mnemond_check_state State of a check on a resource: 0 OK, 1 warning, 2 critical, 3 unknown.
                # TYPE mnemond_check_state gauge
                mnemond_check_state{check="rds.pitr_lag",resource="eks-mnemonica-prod"} 1
                mnemond_check_state{check="s3.object_lock",resource="mne-media-replica"} 1
                # HELP mnemond_check_accepted_risk 1 when the check's deviation is an accepted risk (reported, not paged).
                # TYPE mnemond_check_accepted_risk gauge
                mnemond_check_accepted_risk{check="rds.pitr_lag",resource="eks-mnemonica-prod"} 0
                mnemond_check_accepted_risk{check="s3.object_lock",resource="mne-media-replica"} 1
                # HELP mnemond_last_cycle_timestamp_seconds When the last collection and evaluation cycle ended.
                # TYPE mnemond_last_cycle_timestamp_seconds gauge
                mnemond_last_cycle_timestamp_seconds 1790000000
                # HELP mnemond_odd_name_x mnemond series odd-name.x, newest sample.
                # TYPE mnemond_odd_name_x gauge
                mnemond_odd_name_x{rule_id="a\"b\\c"} 1
                # HELP mnemond_rds_pitr_lag_seconds mnemond series rds_pitr_lag_seconds, newest sample.
                # TYPE mnemond_rds_pitr_lag_seconds gauge
                mnemond_rds_pitr_lag_seconds{instance="eks-mnemonica-prod"} 720
                # HELP mnemond_s3_replication_latency_seconds mnemond series s3_replication_latency_seconds, newest sample.
                # TYPE mnemond_s3_replication_latency_seconds gauge
                mnemond_s3_replication_latency_seconds{bucket="mne-media-prod"} 41.5

                """#)
    }

    @Test func aWriteReplacesTheFileWholeAndLeavesNoTemporary() throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("mnemond.prom").path
        try PrometheusTextfile.write("a 1\n", to: path)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        try PrometheusTextfile.write("b 2\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "b 2\n")
        // A rename, not a rewrite in place: a scrape holding the old file keeps reading it whole.
        let after = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        #expect(before != after)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["mnemond.prom"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    /// The shipped unit runs with UMask=0077; node_exporter runs as another user and must still
    /// read the file. (umask only removes group/other bits, so concurrent tests are unaffected.)
    @Test func theFileIsWorldReadableUnderARestrictiveUmask() throws {
        let path = temporaryDirectory().appendingPathComponent("mnemond.prom").path
        let previous = umask(0o077)
        defer { umask(previous) }
        try PrometheusTextfile.write("a 1\n", to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test func aMissingDirectoryIsATypedErrorNamingThePath() {
        #expect {
            try PrometheusTextfile.write("x 1\n", to: "/nonexistent/mnemond.prom")
        } throws: { error in
            "\(error)"
                == "prometheus_textfile /nonexistent/mnemond.prom: create /nonexistent/.mnemond.prom.\(getpid()).tmp failed: No such file or directory"
        }
    }

    /// Prometheus's conventions, applied to the exposition only (the store keeps its names):
    /// base units, a `_total` counter for the API calls, no label value that combines values.
    @Test func daysBecomeSecondsCycleFamiliesSplitAndAPICallsAreACounter() {
        let samples = [
            Sample(series: .rdsBackupRetentionDays, labels: ["instance": "db1"], time: Self.t0, value: 35),
            Sample(
                series: .cycleDurationSeconds, labels: ["families": "backup_jobs+pitr"], time: Self.t0, value: 2.5),
            Sample(
                series: .cycleDurationSeconds, labels: ["families": "pitr"], time: Self.t0 + 60, value: 0.5),
            Sample(series: .awsAPICalls, labels: ["service": "s3"], time: Self.t0, value: 5),
        ]
        let text = PrometheusTextfile.render(
            findings: [], samples: samples, cycleFinishedAt: Self.t0, apiCallsTotal: ["s3": 12, "rds": 3])
        #expect(
            text == #"""
                # HELP mnemond_check_state State of a check on a resource: 0 OK, 1 warning, 2 critical, 3 unknown.
                # TYPE mnemond_check_state gauge
                # HELP mnemond_check_accepted_risk 1 when the check's deviation is an accepted risk (reported, not paged).
                # TYPE mnemond_check_accepted_risk gauge
                # HELP mnemond_last_cycle_timestamp_seconds When the last collection and evaluation cycle ended.
                # TYPE mnemond_last_cycle_timestamp_seconds gauge
                mnemond_last_cycle_timestamp_seconds 1790000000
                # HELP mnemond_aws_api_calls_total AWS API calls made since the daemon started, per service.
                # TYPE mnemond_aws_api_calls_total counter
                mnemond_aws_api_calls_total{service="rds"} 3
                mnemond_aws_api_calls_total{service="s3"} 12
                # HELP mnemond_cycle_duration_seconds Duration of the newest cycle that collected the family, in seconds.
                # TYPE mnemond_cycle_duration_seconds gauge
                mnemond_cycle_duration_seconds{family="backup_jobs"} 2.5
                mnemond_cycle_duration_seconds{family="pitr"} 0.5
                # HELP mnemond_rds_backup_retention_seconds mnemond series rds_backup_retention_days in seconds, newest sample.
                # TYPE mnemond_rds_backup_retention_seconds gauge
                mnemond_rds_backup_retention_seconds{instance="db1"} 3024000

                """#)
    }

    /// The real `promtool check metrics` (Debian package `prometheus`) accepts the exposition of
    /// every series mnemond writes, without a lint remark.
    @Test func promtoolAcceptsEverySeriesMnemondWrites() async throws {
        let findings = [Finding(check: "rds.pitr_lag", resource: "db1", state: .ok, message: "")]
        var samples: [Sample] = []
        for series in Series.all {
            let labels =
                series == .cycleDurationSeconds ? ["families": "backup_jobs+metrics+pitr"] : ["resource": "r1"]
            samples.append(Sample(series: series, labels: labels, time: Self.t0, value: 1.5))
        }
        let text = PrometheusTextfile.render(
            findings: findings, samples: samples, cycleFinishedAt: Self.t0, apiCallsTotal: ["s3": 4])
        let result = try await Promtool.checkMetrics(text)
        #expect(result.status == 0, "promtool: \(result.output)\n\(text)")
        #expect(result.output.isEmpty, "promtool: \(result.output)")
        // Only the HELP text still names the stored `_days` series.
        #expect(!text.split(separator: "\n").contains { !$0.hasPrefix("#") && $0.contains("_days") })
    }

    /// Several estates as one exposition: every series has its `estate` label, each family one
    /// HELP and TYPE, and promtool accepts it.
    @Test func estatesMergeIntoOneExpositionPromtoolAccepts() async throws {
        func families(_ estate: String, _ state: CheckState, lag: Double) -> [PrometheusTextfile.Family] {
            PrometheusTextfile.families(
                findings: [Finding(check: "rds.pitr_lag", resource: "eks-mnemonica-prod", state: state, message: "")],
                samples: [
                    Sample(
                        series: .rdsPitrLagSeconds, labels: ["instance": "eks-mnemonica-prod"], time: Self.t0,
                        value: lag)
                ], cycleFinishedAt: Self.t0, apiCallsTotal: ["s3": 4], estate: estate)
        }
        let text = PrometheusTextfile.text(
            PrometheusTextfile.merged([families("alpha", .ok, lag: 180), families("bravo", .critical, lag: 3600)]))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("# TYPE ") }.count == 5, "\(text)")
        #expect(lines.filter { $0 == "# TYPE mnemond_check_state gauge" }.count == 1)
        for line in lines where !line.hasPrefix("#") {
            #expect(line.contains("estate=\"alpha\"") || line.contains("estate=\"bravo\""), "\(line)")
        }
        #expect(
            lines.contains(#"mnemond_check_state{check="rds.pitr_lag",estate="bravo",resource="eks-mnemonica-prod"} 2"#)
        )
        #expect(lines.contains(#"mnemond_rds_pitr_lag_seconds{estate="alpha",instance="eks-mnemonica-prod"} 180"#))
        #expect(lines.contains(#"mnemond_aws_api_calls_total{estate="bravo",service="s3"} 4"#))
        #expect(lines.contains(#"mnemond_last_cycle_timestamp_seconds{estate="alpha"} 1790000000"#))
        _ = try PrometheusTools.require(PrometheusTools.promtool, package: "prometheus")
        let check = try await Promtool.checkMetrics(text)
        #expect(check.status == 0, "\(check.output)")
        // One estate alone renders as before, with its label.
        #expect(PrometheusTextfile.text(families("alpha", .ok, lag: 1)).contains("mnemond_check_state{check="))
    }
}
