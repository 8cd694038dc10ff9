import Foundation

/// One region's CloudWatch ListMetrics listing of S3 `BucketSizeBytes`: which storage types each
/// of the policy's buckets there has (`StorageTypeDiscovery`).
public struct StorageTypeListing: Sendable, Equatable {
    /// When it was listed.
    public var at: Date
    /// The policy's buckets of the region when it was listed.
    public var buckets: Set<String>
    /// Storage types per bucket; a covered bucket without an entry has none listed.
    public var types: [String: [String]]

    public init(at: Date, buckets: Set<String>, types: [String: [String]]) {
        self.at = at
        self.buckets = buckets
        self.types = types
    }
}

/// Where the storage type listings outlive the process (the store), so a `check --once` or a
/// restarted daemon lists each region at most daily too. Any failure throws: discovery then
/// lists as it would with nothing kept.
public protocol StorageTypeLedger: Sendable {
    /// The kept listing of each region.
    func storageTypeListings() async throws -> [String: StorageTypeListing]
    /// Replaces the region's kept listing.
    func keepStorageTypeListing(_ listing: StorageTypeListing, region: String) async throws
}
