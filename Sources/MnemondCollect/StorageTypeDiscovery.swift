import Foundation
import MnemondAWS
import MnemondModel
import Synchronization

/// Which BucketSizeBytes storage types each bucket has, learned from CloudWatch ListMetrics in
/// the region S3 publishes the bucket's metrics in, so that the daily storage family asks only
/// for those: a bucket costs 1 + the types it uses instead of 1 + 22 metric requests (CloudWatch
/// bills GetMetricData per metric requested; ListMetrics is not).
///
/// The listings live in memory, per region, with the time they were made, and in the `ledger`
/// (the store) when there is one: a new process (`check --once`, a restarted daemon) starts from
/// the kept listings instead of listing again. A region is listed again `rediscoverAfter` later,
/// when the policy names a bucket of that region the listing did not cover, or when the clock
/// went back. A region whose listing fails gets every storage type this cycle, never none, and
/// is listed again the next time the storage family runs. A ledger that cannot be read or
/// written costs listings, never types: the regions are listed as with nothing kept.
///
/// What this trades: a storage type a bucket starts using after a listing (a lifecycle
/// transition into a new class) is asked for from the next listing, at most a day later. A type
/// that is listed but not answered is still the query's own failure (its series carries the
/// reason), so the checks never sum bytes over a type that was asked for and not read.
public final class StorageTypeDiscovery: Sendable {
    /// How long one region's listing is trusted. The storage family runs every 6 h; S3 publishes
    /// its storage metrics once a day.
    public static let rediscoverAfter: TimeInterval = 86_400

    typealias Listing = StorageTypeListing

    private let listings = Mutex<[String: Listing]>([:])
    private let ledger: (any StorageTypeLedger)?
    /// Whether the ledger's listings were read (once per process).
    private let loaded = Mutex(false)

    public init(ledger: (any StorageTypeLedger)? = nil) {
        self.ledger = ledger
    }

    /// Takes the ledger's listings for the regions not listed in this process, once.
    func loadKept() async {
        guard let ledger else { return }
        let first = loaded.withLock { done in
            let first = !done
            done = true
            return first
        }
        guard first, let kept = try? await ledger.storageTypeListings() else { return }
        listings.withLock { listings in listings.merge(kept) { current, _ in current } }
    }

    /// The region whose ListMetrics names a bucket's storage metrics (MonitoringCollector.publishedIn).
    static func region(of bucket: BucketPolicy) -> String { bucket.region }

    /// Regions due a listing at `now`, each with the policy's buckets there.
    func due(_ buckets: [BucketPolicy], now: Date) -> [String: Set<String>] {
        let wanted = Dictionary(grouping: buckets, by: Self.region(of:)).mapValues { Set($0.map(\.name)) }
        let known = listings.withLock { $0 }
        return wanted.filter { region, names in
            guard let listing = known[region] else { return true }
            let age = now.timeIntervalSince(listing.at)
            return age < 0 || age >= Self.rediscoverAfter || !names.isSubset(of: listing.buckets)
        }
    }

    /// The storage types to ask for, per bucket, for the buckets of regions that have a listing;
    /// a bucket not in the answer gets every type (`MonitoringCollector.storageTypes`).
    func types(_ buckets: [BucketPolicy], excluding failed: Set<String> = []) -> [String: [String]] {
        let known = listings.withLock { $0 }
        var out: [String: [String]] = [:]
        for bucket in buckets {
            let region = Self.region(of: bucket)
            guard !failed.contains(region), let listing = known[region], listing.buckets.contains(bucket.name)
            else { continue }
            out[bucket.name] = listing.types[bucket.name] ?? []
        }
        return out
    }

    /// Keeps one region's listing. Metrics of buckets the policy does not name are ignored; a
    /// BucketSizeBytes metric without its BucketName or StorageType cannot be attributed, and
    /// makes the listing unreadable rather than "this bucket has no such type".
    @discardableResult
    func record(region: String, buckets: Set<String>, metrics: [CloudWatch.ListedMetric], at: Date)
        throws(UnreadableField) -> Listing
    {
        var types: [String: Set<String>] = [:]
        for (index, metric) in metrics.enumerated()
        where metric.namespace == "AWS/S3" && metric.metricName == "BucketSizeBytes" {
            guard let bucket = metric.dimension("BucketName") else {
                throw UnreadableField("Metrics[\(index)].Dimensions.BucketName", "(absent)")
            }
            guard let type = metric.dimension("StorageType") else {
                throw UnreadableField("Metrics[\(index)].Dimensions.StorageType", "(absent)")
            }
            if buckets.contains(bucket) { types[bucket, default: []].insert(type) }
        }
        let listing = Listing(at: at, buckets: buckets, types: types.mapValues(Self.ordered))
        listings.withLock { $0[region] = listing }
        return listing
    }

    /// AWS's order of the types (`MonitoringCollector.storageTypes`), then any type it added
    /// since, by name: the plan stays the same from one cycle to the next.
    static func ordered(_ types: Set<String>) -> [String] {
        let known = MonitoringCollector.storageTypes.filter(types.contains)
        return known + types.subtracting(known).sorted()
    }

    /// Lists the regions that are due (concurrently, one ListMetrics listing each; each new
    /// listing kept in the ledger) and answers the types to ask for per bucket, with the
    /// listings that failed. `list` is ListMetrics of AWS/S3 BucketSizeBytes in one region.
    func storageTypes(
        for buckets: [BucketPolicy], now: Date,
        list: @escaping @Sendable (_ region: String) async throws -> [CloudWatch.ListedMetric]
    ) async -> (types: [String: [String]], failed: [Unavailable]) {
        await loadKept()
        let due = due(buckets, now: now)
        let listed = await concurrentMap(Array(due), by: \.key) { region, names in
            await observe("cloudwatch:ListMetrics", resource: nil, region: region) {
                let metrics = try await list(region)
                let listing = try self.record(region: region, buckets: names, metrics: metrics, at: now)
                try? await self.ledger?.keepStorageTypeListing(listing, region: region)
            }
        }
        let failed = listed.compactMapValues { observed -> Unavailable? in
            if case .unavailable(let reason) = observed { return reason }
            return nil
        }
        let reasons = failed.sorted { $0.key < $1.key }.map(\.value)
        return (types(buckets, excluding: Set(failed.keys)), reasons)
    }
}
