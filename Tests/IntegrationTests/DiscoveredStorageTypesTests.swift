import Foundation
import Logging
import MnemondAWS
import MnemondChecks
import MnemondCollect
import MnemondModel
import MnemondTestSupport
import Synchronization
import Testing

/// Storage types discovered with ListMetrics against the simulator: the guide's estate asks for
/// its 13 storage types instead of 88, with the same findings and the same stored storage
/// samples; a later storage run reuses the listing; a failed listing asks for every type of its
/// region and says so in the log.
@Suite(.serialized, .timeLimit(.minutes(15))) struct DiscoveredStorageTypesTests {
    /// Log events kept for the test to read.
    final class LogLines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    struct Capture: LogHandler {
        let sink: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            sink.lines.withLock {
                $0.append(([event.level.rawValue, event.message.description] + fields).joined(separator: " "))
            }
        }
    }

    struct Run {
        var samples: [Sample]
        var calls: [String: Int]
        var findings: [Finding]
        /// cloudwatch_metrics_requested by region.
        var requested: [String: Double] {
            Dictionary(
                uniqueKeysWithValues: samples.filter { $0.series == .cloudWatchMetricsRequested }.map {
                    ($0.labels["region"]!, $0.value)
                })
        }
        var storageSamples: Set<String> {
            Set(
                samples.filter { $0.series == .s3BucketBytes || $0.series == .s3Objects }.map {
                    "\($0.series.name) \($0.labels.sorted { $0.key < $1.key }) \($0.time.timeIntervalSince1970) \($0.value)"
                })
        }
    }

    /// One run of both metric families, then every monitoring check on what it read (the alert
    /// plumbing collected once, beforehand, and shared), judged at `now`, the instant the
    /// collectors were given: every run reads the same time windows.
    static func run(
        _ collector: MonitoringCollector, client: AWSClient, plumbing: CollectorRunner.Run, now: Date
    ) async -> Run {
        _ = await client.calls.reset()
        let metrics = await CollectorRunner(collectors: [CloudWatchMetricsCollector(monitoring: collector)])
            .run(MonitoringCollectorTests.policy, families: [.metrics, .storageMetrics])
        let calls = await client.calls.reset()
        var observations = Observations(collectedAt: now)
        metrics.merge(into: &observations)
        plumbing.merge(into: &observations)
        let findings = MonitoringCollectorTests.checks.flatMap {
            $0.evaluate(MonitoringCollectorTests.policy, observations, History(), now)
        }
        return Run(samples: metrics.samples, calls: calls, findings: findings)
    }

    static func plumbing(_ client: AWSClient) async -> CollectorRunner.Run {
        await CollectorRunner(collectors: [AlertPlumbingCollector(monitoring: MonitoringCollector(client: client))])
            .run(MonitoringCollectorTests.policy, families: [.configuration])
    }

    static func judged(_ findings: [Finding]) -> [String] {
        findings.map { "\($0.check) \($0.resource) \($0.state) \($0.message)" }.sorted()
    }

    @Test func theGuidesEstateAsksOnlyForItsStorageTypesWithTheSameFindings() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let client = MonitoringCollectorTests.client(simulator)
        let plumbing = await Self.plumbing(client)
        let now = Date()
        let log = LogLines()
        let discovering = MonitoringCollector(
            client: client, now: { now }, discovery: StorageTypeDiscovery(),
            logger: Logger(label: "mnemond.collect") { _ in Capture(sink: log) })

        let every = await Self.run(
            MonitoringCollector(client: client, now: { now }), client: client, plumbing: plumbing, now: now)
        let discovered = await Self.run(discovering, client: client, plumbing: plumbing, now: now)
        let reused = await Self.run(discovering, client: client, plumbing: plumbing, now: now)

        // Before: 8 replication queries + 4 × (object count + 22 storage types).
        #expect(every.requested == ["eu-west-1": 48, "eu-west-3": 26, "eu-north-1": 26])
        // A storage run: per region one GetMetricData for the replication family, one for storage.
        #expect(every.calls == ["cloudwatch": 6])
        // After: the 13 types the estate has (7 in eu-west-1, Deep Archive and its 2 overheads
        // on each replica): 25 queries. One ListMetrics per bucket region, then GetMetricData.
        #expect(discovered.requested == ["eu-west-1": 11, "eu-west-3": 7, "eu-north-1": 7])
        #expect(discovered.calls == ["cloudwatch": 3 + 6])
        // The next storage run within the day reuses the listing: GetMetricData only.
        #expect(reused.requested == discovered.requested)
        #expect(reused.calls == ["cloudwatch": 6])

        // Nothing the checks or the store see differs.
        #expect(!every.findings.isEmpty)
        #expect(Self.judged(discovered.findings) == Self.judged(every.findings))
        #expect(Self.judged(reused.findings) == Self.judged(every.findings))
        #expect(discovered.storageSamples.count >= 4 * 20 + 13 * 20)
        #expect(discovered.storageSamples == every.storageSamples)
        #expect(log.all.filter { $0.hasPrefix("warning") }.isEmpty, "\(log.all)")
    }

    @Test func aFailedListingAsksForEveryTypeOfItsRegionAndSaysSo() async throws {
        let simulator = try await AWSSimulator.start(state: .target)
        defer { Task { await simulator.stop() } }
        let client = MonitoringCollectorTests.client(simulator)
        let plumbing = await Self.plumbing(client)
        let now = Date()
        let every = await Self.run(
            MonitoringCollector(client: client, now: { now }), client: client, plumbing: plumbing, now: now)

        try await simulator.failRequests(action: "ListMetrics", region: "eu-west-3", code: "Throttling", times: 1)
        let log = LogLines()
        let discovering = MonitoringCollector(
            client: client, now: { now }, discovery: StorageTypeDiscovery(),
            logger: Logger(label: "mnemond.collect") { _ in Capture(sink: log) })
        let failed = await Self.run(discovering, client: client, plumbing: plumbing, now: now)
        // eu-west-3 as without discovery (3 replication + 1 + 22), the others as discovered.
        #expect(failed.requested == ["eu-west-1": 11, "eu-west-3": 26, "eu-north-1": 7])
        #expect(Self.judged(failed.findings) == Self.judged(every.findings))
        #expect(failed.storageSamples == every.storageSamples)
        let warnings = log.all.filter { $0.hasPrefix("warning") }
        #expect(warnings.count == 1, "\(log.all)")
        #expect(warnings.first?.contains("storage types not discovered") == true, "\(warnings)")
        #expect(warnings.first?.contains("region=eu-west-3") == true, "\(warnings)")
        #expect(warnings.first?.contains("cloudwatch:ListMetrics (eu-west-3): Throttling") == true, "\(warnings)")
        // The listing is due again at the next storage run, and then answered.
        let retried = await Self.run(discovering, client: client, plumbing: plumbing, now: now)
        #expect(retried.requested == ["eu-west-1": 11, "eu-west-3": 7, "eu-north-1": 7])
        #expect(retried.calls == ["cloudwatch": 1 + 6])
    }
}
