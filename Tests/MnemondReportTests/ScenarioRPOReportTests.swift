import Foundation
import MnemondModel
import MnemondStore
import Testing

@testable import MnemondReport

/// The weekly report's ledger lines: the worst RPO per recovery scenario and the time it spent over
/// the guide's promise, in the model, the text and the HTML.
@Suite struct ScenarioRPOReportTests {
    /// Every 5 min through the week: Scenario 2 at 2 h; Scenario 3 at 2 h except Wednesday
    /// 00:00–02:00, when the newest DR copy was 8 h 20 m old (24 samples over the 6 h promise).
    static func weekOfSamples() -> [SeriesHistory] {
        let times = stride(from: week47.start.timeIntervalSince1970, to: week47.end.timeIntervalSince1970, by: 300)
            .map(Date.init(timeIntervalSince1970:))
        let breach = (local(2, 0), local(2, 2))
        return [
            SeriesHistory(
                series: .recoveryRPOSeconds,
                labels: ["scenario": "scenario-2", "resource": "eks-mnemonica-prod-vault"],
                points: times.map { HistoryPoint.raw($0, 7200) }),
            SeriesHistory(
                series: .recoveryRPOSeconds,
                labels: ["scenario": "scenario-3", "resource": "eks-mnemonica-prod-vault-dr"],
                points: times.map { t in HistoryPoint.raw(t, t >= breach.0 && t < breach.1 ? 30_000 : 7200) }),
        ]
    }

    @Test func eachScenarioShowsItsWorstValueAndTimeOverThePromise() {
        let report = build(snapshot([], series: Self.weekOfSamples()))
        let scenarios = report.rpo.filter { $0.kind == .scenario }
        #expect(scenarios.map(\.subject) == ["Scenario 2 — deleted file 35-180 d", "Scenario 3 — region loss"])
        let s3 = scenarios.last
        #expect(s3?.maxSeconds == 30_000)
        #expect(s3?.overPromiseSeconds == 7200)
        #expect(s3?.state == .critical)  // past the 8 h the plan allows without its rule in the store
        #expect(
            s3?.promise
                == "RPO ≤ 6 h (Recovery Procedures), alert past 8 h; over the promise for 2 h")
        #expect(scenarios.first?.overPromiseSeconds == 0)
        #expect(scenarios.first?.state == .ok)

        let text = TextReport.render(report)
        let row = text.split(separator: "\n").first { $0.contains("RPO Scenario 3 — region loss") }.map(String.init)
        #expect(row?.contains("8 h 20 min") == true, "\(row ?? text)")
        #expect(row?.contains("CRITICAL") == true, "\(row ?? text)")
        #expect(
            text.contains("      promise: RPO ≤ 6 h (Recovery Procedures), alert past 8 h; over the promise for 2 h\n"))
        #expect(
            text.contains("      promise: RPO ≤ 6 h (Recovery Procedures), alert past 7 h; over the promise for 0 s\n"))

        let html = HTMLReport.render(report)
        #expect(html.contains("Scenario 3 — region loss"))
        #expect(html.contains("<b>8 h 20 min</b>"))
        #expect(html.contains("over the promise for 2 h"))
    }

    @Test func timeOverThePromiseStopsAtAGapInTheSamples() {
        let points = [
            HistoryPoint.raw(local(0, 0), 30_000), HistoryPoint.raw(local(0, 0, 5), 30_000),
            // The daemon was down for 3 h: only one step (at most the gap threshold) counts.
            HistoryPoint.raw(local(0, 3, 5), 100),
        ]
        #expect(Computation.timeOver(21_600, points, until: local(1, 0), step: 900) == 300 + 900)
        #expect(
            Computation.timeOver(21_600, [HistoryPoint.raw(local(0, 0), 30_000)], until: local(0, 0, 10), step: 900)
                == 600)
    }
}
