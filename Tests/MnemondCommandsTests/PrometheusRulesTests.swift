import Foundation
import MnemondCommands
import MnemondModel
import MnemondTestSupport
import Testing

/// deploy/prometheus/mnemond-rules.yml: valid for the real `promtool`, its own unit tests pass,
/// and it reads only series mnemond writes, so renaming a series breaks this test rather than
/// silently muting an alert.
@Suite struct PrometheusRulesTests {
    static let rules = PeerProcess.repoRoot().appendingPathComponent("deploy/prometheus/mnemond-rules.yml").path
    static let ruleTests = PeerProcess.repoRoot().appendingPathComponent("deploy/prometheus/mnemond-rules.test.yml")
        .path

    @Test func promtoolChecksTheRules() async throws {
        let result = try await Promtool.checkRules(Self.rules)
        #expect(result.status == 0, "promtool: \(result.output)")
        #expect(result.output.contains("SUCCESS: 16 rules found"), "promtool: \(result.output)")
    }

    /// Each alert is shown firing on a fixture where it should and silent where it should not.
    @Test func promtoolUnitTestsOfTheRulesPass() async throws {
        let result = try await Promtool.testRules(Self.ruleTests)
        #expect(result.status == 0, "promtool: \(result.output)")
        #expect(result.output.contains("SUCCESS"), "promtool: \(result.output)")
    }

    /// Every `mnemond_…` name in the rules and in their fixtures is a metric the exposition
    /// carries (recording rules are named `mnemond:…`, so they are not counted).
    @Test func everySeriesTheRulesReadIsOneMnemondWrites() throws {
        let written = Self.writtenNames()
        #expect(written.contains("mnemond_check_state"))
        #expect(written.contains("mnemond_rds_pitr_lag_seconds"))
        for path in [Self.rules, Self.ruleTests] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let referenced = Self.referencedNames(text)
            #expect(referenced.count >= 7, "\(path): \(referenced.sorted())")
            let unknown = referenced.subtracting(written)
            #expect(unknown.isEmpty, "\(path) reads series mnemond does not write: \(unknown.sorted())")
        }
    }

    @Test func aRenamedSeriesIsCaught() {
        let text = "expr: mnemond_rds_pitr_lag_minutes > 10 and mnemond:last_cycle_age_seconds > 1"
        #expect(Self.referencedNames(text) == ["mnemond_rds_pitr_lag_minutes"])
        #expect(!Self.writtenNames().contains("mnemond_rds_pitr_lag_minutes"))
    }

    /// The metric names of an exposition holding a finding, API calls and every stored series.
    static func writtenNames() -> Set<String> {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        let findings = [Finding(check: "rds.pitr_lag", resource: "db1", state: .ok, message: "")]
        let samples = Series.all.map { series in
            Sample(
                series: series,
                labels: series == .cycleDurationSeconds ? ["families": "pitr+metrics"] : ["resource": "r1"],
                time: t0, value: 1)
        }
        let text = PrometheusTextfile.render(
            findings: findings, samples: samples, cycleFinishedAt: t0, apiCallsTotal: ["rds": 1])
        return Set(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
                String($0.prefix { $0 != "{" && $0 != " " })
            })
    }

    static func referencedNames(_ text: String) -> Set<String> {
        Set(text.matches(of: /mnemond_[a-zA-Z0-9_]+/).map { String($0.output) })
    }
}
