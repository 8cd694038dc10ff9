import Foundation

/// Everything one collection cycle saw, as typed values. Collectors fill it; checks read it.
/// A family that was never collected leaves its field nil: checks then say "not collected".
public struct Observations: Sendable, Codable, Equatable {
    public var collectedAt: Date
    public var buckets: [BucketObservation] { didSet { bucketIndex = BucketIndex(buckets) } }
    /// STS GetCallerIdentity.
    public var identity: Observed<CallerIdentity>?
    /// RDS instances by identifier.
    public var rds: [String: Observed<RDSInstanceObservation>]
    /// AWS Backup plans, jobs, recovery points and restores.
    public var backup: BackupObservation?
    /// CloudWatch metrics and alarms, SNS topics, EventBridge rules.
    public var monitoring: MonitoringObservation?
    /// IAM roles by name.
    public var roles: [String: Observed<RoleObservation>]
    /// What the guide's restore procedures depend on (keys, service roles, DR landing zone).
    public var recoveryPath: RecoveryPathObservation?

    public init(
        collectedAt: Date, buckets: [BucketObservation] = [], identity: Observed<CallerIdentity>? = nil,
        rds: [String: Observed<RDSInstanceObservation>] = [:], backup: BackupObservation? = nil,
        monitoring: MonitoringObservation? = nil, roles: [String: Observed<RoleObservation>] = [:],
        recoveryPath: RecoveryPathObservation? = nil
    ) {
        self.collectedAt = collectedAt
        self.buckets = buckets
        self.bucketIndex = BucketIndex(buckets)
        self.identity = identity
        self.rds = rds
        self.backup = backup
        self.monitoring = monitoring
        self.roles = roles
        self.recoveryPath = recoveryPath
    }

    public func bucket(_ name: String) -> BucketObservation? {
        if let position = bucketIndex.positions[name], position < buckets.count, buckets[position].bucket == name {
            return buckets[position]
        }
        return buckets.first { $0.bucket == name }
    }

    /// Where each bucket is in `buckets`, so the checks' lookups by name (every check, every
    /// bucket) do not scan the list: quadratic at 1,000 buckets. Not part of what was observed:
    /// never encoded (a decoded value finds its buckets by scanning) and not compared.
    private var bucketIndex = BucketIndex([])

    private struct BucketIndex: Sendable, Equatable {
        var positions: [String: Int] = [:]
        init(_ buckets: [BucketObservation]) {
            for (position, bucket) in buckets.enumerated() where positions[bucket.bucket] == nil {
                positions[bucket.bucket] = position
            }
        }
        static func == (_: BucketIndex, _: BucketIndex) -> Bool { true }
    }

    private enum CodingKeys: String, CodingKey {
        case collectedAt, buckets, identity, rds, backup, monitoring, roles, recoveryPath
    }
}

public struct CallerIdentity: Sendable, Codable, Equatable {
    public var account: String
    public var arn: String
    public init(account: String, arn: String) {
        self.account = account
        self.arn = arn
    }
}

public struct BucketObservation: Sendable, Codable, Equatable {
    public var bucket: String
    public var region: String
    public var versioning: Observed<VersioningStatus>
    /// An empty list means the bucket has no lifecycle configuration (S3 answers
    /// NoSuchLifecycleConfiguration): an outcome, not an error.
    public var lifecycle: Observed<[LifecycleRule]>
    /// GetBucketLocation: the region the bucket really lives in.
    public var location: Observed<String>?
    /// nil inside `.value`: no default encryption configured.
    public var encryption: Observed<BucketEncryption?>?
    /// nil inside `.value`: Object Lock not enabled.
    public var objectLock: Observed<ObjectLockSettings?>?
    /// nil inside `.value`: no replication configuration.
    public var replication: Observed<ReplicationConfiguration?>?

    public init(
        bucket: String, region: String, versioning: Observed<VersioningStatus>, lifecycle: Observed<[LifecycleRule]>,
        location: Observed<String>? = nil, encryption: Observed<BucketEncryption?>? = nil,
        objectLock: Observed<ObjectLockSettings?>? = nil, replication: Observed<ReplicationConfiguration?>? = nil
    ) {
        self.bucket = bucket
        self.region = region
        self.versioning = versioning
        self.lifecycle = lifecycle
        self.location = location
        self.encryption = encryption
        self.objectLock = objectLock
        self.replication = replication
    }
}

public struct BucketEncryption: Sendable, Codable, Equatable {
    /// `AES256`, `aws:kms`, `aws:kms:dsse`.
    public var algorithm: String
    public var bucketKeyEnabled: Bool
    public var kmsKeyID: String?
    public init(algorithm: String, bucketKeyEnabled: Bool, kmsKeyID: String? = nil) {
        self.algorithm = algorithm
        self.bucketKeyEnabled = bucketKeyEnabled
        self.kmsKeyID = kmsKeyID
    }
}

public struct ObjectLockSettings: Sendable, Codable, Equatable {
    public var enabled: Bool
    /// `GOVERNANCE` or `COMPLIANCE`; nil without a default retention.
    public var mode: String?
    public var days: Int?
    public var years: Int?
    public init(enabled: Bool, mode: String? = nil, days: Int? = nil, years: Int? = nil) {
        self.enabled = enabled
        self.mode = mode
        self.days = days
        self.years = years
    }
    /// Default retention in days (years count 365).
    public var retentionDays: Int? { days ?? years.map { $0 * 365 } }
}

public struct ReplicationConfiguration: Sendable, Codable, Equatable {
    public var role: String
    public var rules: [ReplicationRule]
    public init(role: String, rules: [ReplicationRule]) {
        self.role = role
        self.rules = rules
    }
}

public struct ReplicationRule: Sendable, Codable, Equatable {
    public var id: String?
    public var enabled: Bool
    public var priority: Int?
    public var prefix: String
    /// Destination bucket name (from its ARN).
    public var destinationBucket: String
    /// nil: same class as the source object.
    public var storageClass: String?
    public var deleteMarkerReplication: Bool
    /// `Metrics.Status`: without it S3 publishes no replication latency or failure metrics.
    public var metricsEnabled: Bool
    public var replicationTimeEnabled: Bool

    public init(
        id: String?, enabled: Bool, priority: Int? = nil, prefix: String = "", destinationBucket: String,
        storageClass: String?, deleteMarkerReplication: Bool, metricsEnabled: Bool, replicationTimeEnabled: Bool = false
    ) {
        self.id = id
        self.enabled = enabled
        self.priority = priority
        self.prefix = prefix
        self.destinationBucket = destinationBucket
        self.storageClass = storageClass
        self.deleteMarkerReplication = deleteMarkerReplication
        self.metricsEnabled = metricsEnabled
        self.replicationTimeEnabled = replicationTimeEnabled
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
