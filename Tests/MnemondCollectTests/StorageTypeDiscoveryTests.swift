import Foundation
import MnemondModel
import Synchronization
import Testing

@testable import MnemondAWS
@testable import MnemondCollect

/// Storage types discovered with ListMetrics, at most daily, and only those asked for; where a
/// listing fails, every type is asked for that cycle. The listings are fakes answering from
/// values; the clock is a parameter.
@Suite struct StorageTypeDiscoveryTests {
    static let buckets = MonitoringTranslationTests.buckets
    /// 2026-11-20 14:03:20 UTC.
    static let t0 = MonitoringTranslationTests.now
    static let hour: TimeInterval = 3600

    static func metric(_ bucket: String, _ type: String, name: String = "BucketSizeBytes") -> CloudWatch.ListedMetric {
        CloudWatch.ListedMetric(
            namespace: "AWS/S3", metricName: name,
            dimensions: [.init("BucketName", bucket), .init("StorageType", type)])
    }

    /// What ListMetrics of AWS/S3 BucketSizeBytes lists in each region of the guide's estate (as the
    /// simulator seeds it), plus a bucket the policy does not name.
    static let listed: [String: [CloudWatch.ListedMetric]] = [
        "eu-west-1": [
            metric("mne-media-prod", "IntelligentTieringAIAStorage"), metric("mne-media-prod", "StandardStorage"),
            metric("mne-media-prod", "IntelligentTieringFAStorage"),
            metric("mne-vault-prod", "IntelligentTieringFAStorage"),
            metric("someone-elses-bucket", "GlacierStorage"),
        ],
        "eu-west-3": [
            metric("mne-media-replica", "DeepArchiveStorage"), metric("mne-media-replica", "DeepArchiveObjectOverhead"),
        ],
        "eu-north-1": [metric("mne-vault-replica", "DeepArchiveStorage")],
    ]

    /// A fake ListMetrics that counts its calls per region and fails where told.
    final class Lister: Sendable {
        let answers: Mutex<[String: [CloudWatch.ListedMetric]]>
        let failing = Mutex<Set<String>>([])
        let calls = Mutex<[String]>([])

        init(_ answers: [String: [CloudWatch.ListedMetric]] = StorageTypeDiscoveryTests.listed) {
            self.answers = Mutex(answers)
        }

        func list(_ region: String) throws -> [CloudWatch.ListedMetric] {
            calls.withLock { $0.append(region) }
            if failing.withLock({ $0.contains(region) }) {
                throw AWSError(
                    kind: .service, service: "cloudwatch", action: "ListMetrics", region: region, status: 400,
                    code: "Throttling", message: "Rate exceeded")
            }
            return answers.withLock { $0[region] ?? [] }
        }

        /// The regions listed since the last call, sorted.
        func taken() -> [String] {
            calls.withLock { calls in
                defer { calls = [] }; return calls.sorted()
            }
        }
    }

    static func discover(
        _ discovery: StorageTypeDiscovery, _ lister: Lister, buckets: [BucketPolicy] = buckets, at time: Date
    ) async -> (types: [String: [String]], failed: [Unavailable]) {
        await discovery.storageTypes(for: buckets, now: time) { try lister.list($0) }
    }

    @Test func onlyTheListedTypesOfEachBucketAreAskedFor() async {
        let discovery = StorageTypeDiscovery()
        let lister = Lister()
        let found = await Self.discover(discovery, lister, at: Self.t0)
        #expect(lister.taken() == ["eu-north-1", "eu-west-1", "eu-west-3"])
        #expect(found.failed.isEmpty)
        // In AWS's documented order, whatever order ListMetrics answered in; others' buckets ignored.
        #expect(
            found.types == [
                "mne-media-prod": ["StandardStorage", "IntelligentTieringFAStorage", "IntelligentTieringAIAStorage"],
                "mne-vault-prod": ["IntelligentTieringFAStorage"],
                "mne-media-replica": ["DeepArchiveStorage", "DeepArchiveObjectOverhead"],
                "mne-vault-replica": ["DeepArchiveStorage"],
            ])
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.t0, storage: true, storageTypes: found.types)
        let sized = plan.regions["eu-west-1"]!.filter { $0.query.metricName == "BucketSizeBytes" }
        #expect(
            sized.map { "\($0.labels["bucket"]!) \($0.labels["storage_type"]!)" } == [
                "mne-media-prod StandardStorage", "mne-media-prod IntelligentTieringFAStorage",
                "mne-media-prod IntelligentTieringAIAStorage", "mne-vault-prod IntelligentTieringFAStorage",
            ])
        // 8 replication queries + 4 object counts + 7 listed types (was 8 + 4 × 23 = 100).
        let total: Int = plan.regions.values.map(\.count).reduce(0, +)
        #expect(total == 19)
        // The object count every check needs is still asked for every bucket.
        let queries: [MonitoringCollector.PlannedQuery] = plan.regions.values.flatMap { $0 }
        let counts = queries.filter { $0.query.metricName == "NumberOfObjects" }.compactMap { $0.labels["bucket"] }
        #expect(counts.sorted() == Self.buckets.map(\.name).sorted())
    }

    @Test func listingsAreKeptForADayThenListedAgain() async {
        let discovery = StorageTypeDiscovery()
        let lister = Lister()
        let first = await Self.discover(discovery, lister, at: Self.t0)
        #expect(lister.taken().count == 3)
        // The storage family's next runs (every 6 h) reuse the listings.
        for run in 1...3 {
            let again = await Self.discover(discovery, lister, at: Self.t0 + Double(run) * 6 * Self.hour)
            #expect(lister.taken().isEmpty, "run \(run)")
            #expect(again.types == first.types)
        }
        // 24 h after: every region again, and what it lists now is what is asked for.
        lister.answers.withLock { $0["eu-north-1"] = [Self.metric("mne-vault-replica", "GlacierStorage")] }
        let daily = await Self.discover(discovery, lister, at: Self.t0 + 24 * Self.hour)
        #expect(lister.taken() == ["eu-north-1", "eu-west-1", "eu-west-3"])
        #expect(daily.types["mne-vault-replica"] == ["GlacierStorage"])
        // A clock that went back does not keep a listing from the future.
        _ = await Self.discover(discovery, lister, at: Self.t0)
        #expect(lister.taken().count == 3)
    }

    @Test func aNewBucketHasItsRegionListedAtOnce() async {
        let discovery = StorageTypeDiscovery()
        let lister = Lister()
        _ = await Self.discover(discovery, lister, at: Self.t0)
        _ = lister.taken()
        let added =
            Self.buckets + [
                BucketPolicy(
                    name: "mne-media-archive", region: "eu-west-3", role: .replica, noncurrentDays: 180,
                    guide: "Phase 2")
            ]
        lister.answers.withLock { $0["eu-west-3"]?.append(Self.metric("mne-media-archive", "GlacierStorage")) }
        let found = await Self.discover(discovery, lister, buckets: added, at: Self.t0 + Self.hour)
        #expect(lister.taken() == ["eu-west-3"])
        #expect(found.types["mne-media-archive"] == ["GlacierStorage"])
        #expect(found.types["mne-media-prod"]?.count == 3)
    }

    @Test func aBucketWithNoStorageMetricsIsAskedOnlyForItsObjectCountAndNotListedAgain() async {
        let discovery = StorageTypeDiscovery()
        let lister = Lister(Self.listed.filter { $0.key != "eu-north-1" })
        let found = await Self.discover(discovery, lister, at: Self.t0)
        #expect(found.types["mne-vault-replica"] == [])
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.t0, storage: true, storageTypes: found.types)
        #expect(
            plan.regions["eu-north-1"]!.filter { $0.query.periodSeconds == 86400 }.map(\.query.metricName) == [
                "NumberOfObjects"
            ])
        _ = lister.taken()
        _ = await Self.discover(discovery, lister, at: Self.t0 + 6 * Self.hour)
        #expect(lister.taken().isEmpty)
    }

    @Test func aFailedListingAsksForEveryTypeOfItsRegionThatCycleAndIsRetried() async {
        let discovery = StorageTypeDiscovery()
        let lister = Lister()
        lister.failing.withLock { $0 = ["eu-west-3"] }
        let found = await Self.discover(discovery, lister, at: Self.t0)
        #expect(
            found.failed.map(\.description) == [
                "cloudwatch:ListMetrics (eu-west-3): Throttling — Rate exceeded (HTTP 400)"
            ])
        #expect(found.types["mne-media-replica"] == nil)
        #expect(found.types["mne-media-prod"]?.count == 3)
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.t0, storage: true, storageTypes: found.types)
        let replica = plan.regions["eu-west-3"]!.filter { $0.query.metricName == "BucketSizeBytes" }
        #expect(replica.compactMap { $0.labels["storage_type"] } == MonitoringCollector.storageTypes)
        // The next storage run lists the failed region again, and only it.
        _ = lister.taken()
        lister.failing.withLock { $0 = [] }
        let retried = await Self.discover(discovery, lister, at: Self.t0 + 6 * Self.hour)
        #expect(lister.taken() == ["eu-west-3"])
        #expect(retried.types["mne-media-replica"] == ["DeepArchiveStorage", "DeepArchiveObjectOverhead"])
    }

    /// A listing that fails when it is due again does not fall back to the old one (a type the
    /// bucket started using would be missed) nor to none: every type, that cycle.
    @Test func aFailedDailyListingFallsBackToEveryTypeNotToTheOldListing() async {
        let discovery = StorageTypeDiscovery()
        let lister = Lister()
        _ = await Self.discover(discovery, lister, at: Self.t0)
        lister.failing.withLock { $0 = ["eu-west-1"] }
        let found = await Self.discover(discovery, lister, at: Self.t0 + 25 * Self.hour)
        #expect(found.failed.map(\.region) == ["eu-west-1"])
        #expect(found.types["mne-media-prod"] == nil && found.types["mne-vault-prod"] == nil)
        #expect(found.types["mne-media-replica"] == ["DeepArchiveStorage", "DeepArchiveObjectOverhead"])
    }

    @Test func aListedMetricThatNamesNoStorageTypeMakesTheListingUnreadable() async {
        let discovery = StorageTypeDiscovery()
        let lister = Lister()
        lister.answers.withLock {
            $0["eu-north-1"] = [
                Self.metric("mne-vault-replica", "DeepArchiveStorage"),
                CloudWatch.ListedMetric(
                    namespace: "AWS/S3", metricName: "BucketSizeBytes",
                    dimensions: [.init("BucketName", "mne-vault-replica")]),
            ]
        }
        let found = await Self.discover(discovery, lister, at: Self.t0)
        #expect(
            found.failed.map(\.description) == [
                #"cloudwatch:ListMetrics (eu-north-1): InvalidResponse — Metrics[1].Dimensions.StorageType is not valid: "(absent)""#
            ])
        #expect(found.types["mne-vault-replica"] == nil)
    }

    @Test func aTypeAWSAddedLaterIsAskedForAfterTheKnownOnes() {
        #expect(
            StorageTypeDiscovery.ordered(["ExpressOneZoneStorage", "DeepArchiveStorage", "StandardStorage"]) == [
                "StandardStorage", "DeepArchiveStorage", "ExpressOneZoneStorage",
            ])
    }

    /// A discovered type whose page failed is still "asked, and not answered": its series keeps
    /// the reason, so the checks never sum the bucket's bytes without it.
    @Test func aDiscoveredTypeThatWasNotReadKeepsItsReason() {
        let types = ["mne-media-replica": ["DeepArchiveStorage", "DeepArchiveObjectOverhead"]]
        let plan = MonitoringCollector.metricPlan(Self.buckets, now: Self.t0, storage: true, storageTypes: types)
        let queries = plan.regions["eu-west-3"]!
        let failure = Unavailable(
            action: "cloudwatch:GetMetricData", region: "eu-west-3", code: "InternalFailure", message: "simulated")
        let (observed, _) = MonitoringCollector.regionSeries(
            queries,
            pages: [
                .init(range: 0..<(queries.count - 1), answer: .value(.init(results: [], calls: 1))),
                .init(range: (queries.count - 1)..<queries.count, answer: .unavailable(failure)),
            ], replicationSince: plan.replicationStart)
        let sized = observed.value?.filter { $0.metric == "BucketSizeBytes" } ?? []
        #expect(sized.map { $0.dimensions["StorageType"] } == ["DeepArchiveObjectOverhead"])
        #expect(sized.first?.unavailable == failure)
    }
}
