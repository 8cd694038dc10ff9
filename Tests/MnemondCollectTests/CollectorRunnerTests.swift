import Foundation
import MnemondModel
import Testing

@testable import MnemondCollect

/// A collector that answers from values: the runner's contract without AWS.
private struct Fixed: Collector {
    var name: String
    var families: Set<CheckFamily>
    var success = true
    var configured = true
    var samples: [Sample] = []
    var merge: @Sendable (inout Observations) -> Void = { _ in }

    func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected {
        guard configured else { return .notConfigured }
        var samples = samples
        // Say which of its families were due, so the test can see what the runner passed.
        samples.append(
            Sample(
                series: Series("due"), labels: ["families": due.sorted().map(\.rawValue).joined(separator: "+")],
                time: time,
                value: 1))
        return Collected(samples: samples, success: success, merge: merge)
    }
}

@Suite struct CollectorRunnerTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let policy = Policy(accountID: "1", buckets: [])

    /// A clock that moves 2 s each time it is read.
    final class Ticking: @unchecked Sendable {
        private let lock = NSLock()
        private var current = CollectorRunnerTests.t0
        func read() -> Date {
            lock.lock()
            defer { lock.unlock() }
            current = current.addingTimeInterval(2)
            return current
        }
    }

    @Test func runsOnlyTheCollectorsOfDueFamiliesAndReportsEachOne() async {
        let clock = Ticking()
        let runner = CollectorRunner(
            collectors: [
                Fixed(name: "rds", families: [.pitr]),
                Fixed(name: "metrics", families: [.metrics, .storageMetrics]),
                Fixed(name: "s3", families: [.configuration], success: false),
            ],
            now: { clock.read() })
        let run = await runner.run(Self.policy, families: [.metrics, .configuration])
        #expect(run.reports.map(\.collector) == ["metrics", "s3"])
        #expect(run.reports.map(\.success) == [true, false])
        #expect(run.reports.allSatisfy { $0.durationSeconds > 0 })
        let due = run.samples.filter { $0.series == Series("due") }.map { $0.labels["families"] ?? "" }
        #expect(due == ["metrics", "configuration"])
        let success = run.samples.filter { $0.series == .collectorSuccess }
        #expect(success.map { $0.labels["collector"] ?? "" } == ["metrics", "s3"])
        #expect(success.map(\.value) == [1, 0])
        #expect(run.samples.filter { $0.series == .collectorDurationSeconds }.count == 2)
    }

    @Test func aCollectorWithNothingConfiguredRecordsNothing() async {
        let runner = CollectorRunner(collectors: [Fixed(name: "backup", families: [.backupJobs], configured: false)])
        let run = await runner.run(Self.policy, families: Set(CheckFamily.allCases))
        #expect(run.samples.isEmpty)
        #expect(run.reports.isEmpty)
    }

    @Test func mergesReplaceOnlyTheFieldsEachCollectorCollected() async {
        let identity = CallerIdentity(account: "1", arn: "arn:aws:iam::1:user/x")
        let runner = CollectorRunner(collectors: [
            Fixed(name: "iam", families: [.configuration], merge: { $0.identity = .value(identity) }),
            Fixed(name: "rds", families: [.pitr], merge: { $0.rds = [:] }),
        ])
        let run = await runner.run(Self.policy, families: [.configuration])
        var latest = Observations(
            collectedAt: Self.t0,
            rds: ["db": .unavailable(.init(action: "a", resource: nil, region: nil, code: "c", message: "m"))])
        run.merge(into: &latest)
        #expect(latest.identity == .value(identity))
        #expect(latest.rds.count == 1, "the rds collector was not due: its field stays")
    }

    @Test(arguments: [
        // (storage due, old has storage series) → metrics kept
        (false, ["ReplicationLatency", "NumberOfObjects"]),
        (true, ["ReplicationLatency"]),
    ])
    func aMetricsOnlyRunKeepsTheDailyStorageSeries(storage: Bool, kept: [String]) {
        func series(_ metric: String) -> MetricSeries {
            MetricSeries(metric: metric, dimensions: [:], statistic: "Maximum", periodSeconds: 300, points: [])
        }
        let old: Observed<[MetricSeries]> = .value([series("ReplicationLatency"), series("NumberOfObjects")])
        let merged = CloudWatchMetricsCollector.mergeSeries(
            old: old, new: .value([series("ReplicationLatency")]), storage: storage)
        #expect(merged.value?.map(\.metric) == kept)
    }
}
