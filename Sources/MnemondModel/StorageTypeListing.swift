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

/// Where settled AWS answers (a bucket's region, a policy version, a backup selection: answers AWS
/// documents as fixed for the question) outlive the process, so the next cycle of any process on
/// the store does not ask them again within a day. Keys are digests of the question; bodies are
/// AWS's answers as received. Any failure throws: the run then asks as if nothing were kept.
public protocol SettledAnswerLedger: Sendable {
    /// The answers kept since `since`, by key: the body and when it was asked.
    func settledAnswers(since: Date) async throws -> [String: (body: Data, at: Date)]
    /// Keeps these answers (replacing any kept under the same key) and forgets every answer
    /// asked before `forgetBefore`.
    func keepSettledAnswers(_ answers: [String: (body: Data, at: Date)], forgetBefore: Date) async throws
}
