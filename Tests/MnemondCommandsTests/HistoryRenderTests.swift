import Foundation
import MnemondModel
import MnemondStore
import Testing

@testable import MnemondCommands

/// `mnemond history`: statistics, sparkline, CSV and `--since`, as pure functions.
@Suite struct HistoryRenderTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_035_200)

    @Test func statisticsOfRawSamplesAreNearestRank() {
        let points = (1...100).map { HistoryPoint.raw(Self.t0 + Double($0), Double($0)) }
        let stats = HistoryRender.statistics(points)
        #expect(stats == HistoryRender.Statistics(min: 1, median: 50, p95: 95, max: 100, count: 100))
        #expect(HistoryRender.statistics([]) == nil)
    }

    @Test func aRollupWeighsByItsCountAndKeepsItsExtremes() {
        let points = [
            HistoryPoint(time: Self.t0, min: 1, max: 900, mean: 10, count: 60, rolledUp: true),
            HistoryPoint.raw(Self.t0 + 3600, 500),
        ]
        let stats = HistoryRender.statistics(points)
        #expect(stats == HistoryRender.Statistics(min: 1, median: 10, p95: 10, max: 900, count: 61))
    }

    struct SparkCase: Sendable, CustomTestStringConvertible {
        var name: String
        var values: [Double?]
        var line: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        SparkCase(name: "rising", values: [0, 1, 2, 3, 4, 5, 6, 7], line: "▁▂▃▄▅▆▇█"),
        SparkCase(name: "a spike", values: [1, 1, 1, 8, 1, 1, 1, 1], line: "▁▁▁█▁▁▁▁"),
        SparkCase(name: "flat", values: [5, 5, 5, 5], line: "▄▄▄▄"),
        SparkCase(name: "a gap while the daemon was down", values: [1, nil, nil, 2], line: "▁  █"),
        SparkCase(name: "nothing stored", values: [nil, nil], line: "  "),
    ])
    func sparkline(_ c: SparkCase) {
        let points = c.values.enumerated().compactMap { i, v in v.map { HistoryPoint.raw(Self.t0 + Double(i) * 60, $0) }
        }
        let line = HistoryRender.sparkline(
            points, from: Self.t0, to: Self.t0 + Double(c.values.count) * 60, width: c.values.count)
        #expect(line == c.line)
    }

    struct SinceCase: Sendable, CustomTestStringConvertible {
        var text: String
        var seconds: Int?
        var testDescription: String { text }
    }

    @Test(arguments: [
        SinceCase(text: "7d", seconds: 604_800), SinceCase(text: "12h", seconds: 43200),
        SinceCase(text: "30m", seconds: 1800),
        SinceCase(text: "45s", seconds: 45), SinceCase(text: "2w", seconds: 1_209_600),
        SinceCase(text: "7", seconds: nil),
        SinceCase(text: "d", seconds: nil), SinceCase(text: "-1d", seconds: nil), SinceCase(text: "1y", seconds: nil),
    ])
    func sinceParses(_ c: SinceCase) {
        #expect(HistoryRender.parseSince(c.text) == c.seconds.map { .seconds($0) })
    }

    @Test func textShowsStatisticsInTheSeriesUnitAndASparkline() {
        let history = SeriesHistory(
            series: .rdsPitrLagSeconds, labels: ["instance": "eks-mnemonica-prod"],
            points: [120, 150, 180, 1800].enumerated().map { HistoryPoint.raw(Self.t0 + Double($0) * 900, $1) })
        let text = HistoryRender.text([history], since: Self.t0, now: Self.t0 + 3600, width: 4)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(
            lines[0]
                == "rds_pitr_lag_seconds  instance=eks-mnemonica-prod  (4 samples, 2026-09-22T00:00:00Z → 2026-09-22T00:45:00Z)"
        )
        #expect(lines[1] == "  min 2 min  median 2 min 30 s  p95 30 min  max 30 min  now 30 min")
        #expect(lines[2] == "  ▁▁▁█")
    }

    @Test func csvQuotesLabelsAndMarksRollups() {
        let history = SeriesHistory(
            series: .s3ReplicationLatencySeconds, labels: ["bucket": "mne-media-prod", "rule": "r1"],
            points: [
                HistoryPoint(time: Self.t0, min: 1, max: 9, mean: 4.5, count: 12, rolledUp: true),
                HistoryPoint.raw(Self.t0 + 3600, 7),
            ])
        #expect(
            HistoryRender.csv([history]) == """
                time,series,labels,value,min,max,count,rolled_up
                2026-09-22T00:00:00Z,s3_replication_latency_seconds,"bucket=mne-media-prod,rule=r1",4.5,1,9,12,true
                2026-09-22T01:00:00Z,s3_replication_latency_seconds,"bucket=mne-media-prod,rule=r1",7,7,7,1,false

                """)
    }

    @Test func anUnknownSeriesSuggestsTheClosest() {
        #expect(
            HistoryRender.unknownSeries(
                "rds_pitr_lag_second", known: ["cycle_duration_seconds", "rds_pitr_lag_seconds"])
                == #"no series "rds_pitr_lag_second" in the store (did you mean "rds_pitr_lag_seconds"?); known: cycle_duration_seconds, rds_pitr_lag_seconds"#
        )
    }
}
