import Foundation

/// Everything one collection cycle saw, as typed values. Collectors fill it; checks read it.
public struct Observations: Sendable, Codable, Equatable {
    public var collectedAt: Date
    public var buckets: [BucketObservation]

    public init(collectedAt: Date, buckets: [BucketObservation] = []) {
        self.collectedAt = collectedAt
        self.buckets = buckets
    }

    public func bucket(_ name: String) -> BucketObservation? { buckets.first { $0.bucket == name } }
}

public struct BucketObservation: Sendable, Codable, Equatable {
    public var bucket: String
    public var region: String
    public var versioning: Observed<VersioningStatus>
    /// An empty list means the bucket has no lifecycle configuration (S3 answers
    /// NoSuchLifecycleConfiguration): an outcome, not an error.
    public var lifecycle: Observed<[LifecycleRule]>

    public init(
        bucket: String, region: String, versioning: Observed<VersioningStatus>, lifecycle: Observed<[LifecycleRule]>
    ) {
        self.bucket = bucket
        self.region = region
        self.versioning = versioning
        self.lifecycle = lifecycle
    }
}

public enum VersioningStatus: String, Sendable, Codable, Equatable {
    case enabled = "Enabled"
    case suspended = "Suspended"
    /// Versioning was never turned on: GetBucketVersioning answers without a Status.
    case never = "Never enabled"
}

/// One lifecycle rule as S3 holds it, with the fields the guide's promises depend on.
public struct LifecycleRule: Sendable, Codable, Equatable {
    public var id: String?
    public var enabled: Bool
    /// Object key prefix the rule is limited to; empty when the rule applies to the whole bucket.
    public var prefix: String
    /// True when the filter also restricts by tag or object size, so the rule covers only part of the bucket.
    public var hasNarrowingFilter: Bool
    public var expirationDays: Int?
    public var expirationDate: String?
    public var noncurrentExpirationDays: Int?
    public var newerNoncurrentVersions: Int?
    public var transitions: [Transition]
    public var abortIncompleteMultipartDays: Int?

    public struct Transition: Sendable, Codable, Equatable {
        public var days: Int?
        public var storageClass: String
        public init(days: Int?, storageClass: String) {
            self.days = days
            self.storageClass = storageClass
        }
    }

    public init(
        id: String? = nil, enabled: Bool = true, prefix: String = "", hasNarrowingFilter: Bool = false,
        expirationDays: Int? = nil, expirationDate: String? = nil, noncurrentExpirationDays: Int? = nil,
        newerNoncurrentVersions: Int? = nil, transitions: [Transition] = [], abortIncompleteMultipartDays: Int? = nil
    ) {
        self.id = id
        self.enabled = enabled
        self.prefix = prefix
        self.hasNarrowingFilter = hasNarrowingFilter
        self.expirationDays = expirationDays
        self.expirationDate = expirationDate
        self.noncurrentExpirationDays = noncurrentExpirationDays
        self.newerNoncurrentVersions = newerNoncurrentVersions
        self.transitions = transitions
        self.abortIncompleteMultipartDays = abortIncompleteMultipartDays
    }

    /// Applies to every object in the bucket.
    public var coversWholeBucket: Bool { prefix.isEmpty && !hasNarrowingFilter }
}
