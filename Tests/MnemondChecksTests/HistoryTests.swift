import Foundation
import MnemondModel
import Testing

@testable import MnemondChecks

/// `History.series` answers from an index built when the samples are set: the same samples, in
/// the same order, as filtering and sorting all of them would give.
@Suite struct HistoryTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static func sample(_ bucket: String, _ hours: Double, _ value: Double, series: Series = .s3Objects) -> Sample {
        Sample(series: series, labels: ["bucket": bucket], time: t0.addingTimeInterval(hours * 3600), value: value)
    }

    @Test func aSeriesIsItsOwnSamplesOldestFirstInTheOrderGivenForOneTime() {
        let samples = [
            Self.sample("a", 3, 30), Self.sample("b", 1, 10), Self.sample("a", 1, 11), Self.sample("a", 2, 20),
            Self.sample("a", 1, 12), Self.sample("a", 1, 99, series: Series("other")),
            Sample(series: .s3Objects, labels: ["bucket": "a", "region": "eu-west-1"], time: Self.t0, value: 1),
        ]
        let history = History(samples: samples)
        #expect(history.series(.s3Objects, labels: ["bucket": "a"]).map(\.value) == [11, 12, 20, 30])
        #expect(history.series(.s3Objects, labels: ["bucket": "b"]).map(\.value) == [10])
        #expect(history.series(.s3Objects, labels: ["bucket": "c"]).isEmpty)
        #expect(history.series(.s3Objects, labels: [:]).isEmpty)
        let reference = samples.filter { $0.series == .s3Objects && $0.labels == ["bucket": "a"] }
            .sorted { $0.time < $1.time }
        #expect(history.series(.s3Objects, labels: ["bucket": "a"]) == reference)
    }

    @Test func settingTheSamplesRebuildsTheIndex() {
        var history = History(samples: [Self.sample("a", 1, 1)])
        history.samples.append(Self.sample("a", 0, 0))
        #expect(history.series(.s3Objects, labels: ["bucket": "a"]).map(\.value) == [0, 1])
        history.samples = []
        #expect(history.series(.s3Objects, labels: ["bucket": "a"]).isEmpty)
    }
}
