import Foundation

/// The name of a recorded time series. Every series mnemond writes is one of the constants
/// below, so a collector, a check's history query, `history`, the Prometheus textfile and the
/// weekly report name the same series the same way; `init(_:)` is for names read back from the
/// store. It is deliberately not `ExpressibleByStringLiteral`: a bare string never silently becomes
/// a series name. The unit is part of the name (`_seconds`, `_days`, `_bytes`), never implied.
public struct Series: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }
    public static func < (a: Series, b: Series) -> Bool { a.name < b.name }

    public init(from decoder: any Decoder) throws { name = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

extension Series {
    // RDS
    public static let rdsPitrLagSeconds = Series("rds_pitr_lag_seconds")
    public static let rdsBackupRetentionDays = Series("rds_backup_retention_days")
    // S3 configuration and CloudWatch storage/replication metrics
    public static let s3LifecycleNoncurrentDays = Series("s3_lifecycle_noncurrent_days")
    /// 1 while versioning is Enabled, 0 otherwise.
    public static let s3VersioningEnabled = Series("s3_versioning_enabled")
    public static let s3Objects = Series("s3_objects")
    public static let s3BucketBytes = Series("s3_bucket_bytes")
    public static let s3ReplicationLatencySeconds = Series("s3_replication_latency_seconds")
    public static let s3ReplicationFailedOperations = Series("s3_replication_failed_operations")
    public static let s3ReplicationPendingOperations = Series("s3_replication_pending_operations")
    public static let s3ReplicationPendingBytes = Series("s3_replication_pending_bytes")
    // AWS Backup
    public static let backupSnapshotRPOSeconds = Series("backup_snapshot_rpo_seconds")
    public static let backupLargestGapSeconds = Series("backup_largest_gap_seconds")
    public static let backupNewestJobAgeSeconds = Series("backup_newest_job_age_seconds")
    public static let backupJobs = Series("backup_jobs")
    // The recoverability ledger
    public static let recoveryRPOSeconds = Series("recovery_rpo_seconds")
    // mnemond itself
    public static let cycleDurationSeconds = Series("cycle_duration_seconds")
    public static let awsAPICalls = Series("aws_api_calls")
    public static let collectorSuccess = Series("collector_success")
    public static let collectorDurationSeconds = Series("collector_duration_seconds")
    public static let cloudWatchMetricsRequested = Series("cloudwatch_metrics_requested")
    public static let cloudWatchGetMetricDataCalls = Series("cloudwatch_getmetricdata_calls")

    /// Every series mnemond writes.
    public static let all: [Series] = [
        .rdsPitrLagSeconds, .rdsBackupRetentionDays, .s3LifecycleNoncurrentDays, .s3VersioningEnabled, .s3Objects,
        .s3BucketBytes,
        .s3ReplicationLatencySeconds, .s3ReplicationFailedOperations, .s3ReplicationPendingOperations,
        .s3ReplicationPendingBytes, .backupSnapshotRPOSeconds, .backupLargestGapSeconds, .backupNewestJobAgeSeconds,
        .backupJobs, .recoveryRPOSeconds, .cycleDurationSeconds, .awsAPICalls, .collectorSuccess,
        .collectorDurationSeconds, .cloudWatchMetricsRequested, .cloudWatchGetMetricDataCalls,
    ]
}
