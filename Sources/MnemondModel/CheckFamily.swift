/// Checks are collected in families, each on its own interval: PITR lag moves by the minute,
/// lifecycle rules change rarely, S3 storage metrics arrive once a day.
public enum CheckFamily: String, Sendable, Codable, CaseIterable, Comparable {
    /// RDS LatestRestorableTime: the measured PITR RPO.
    case pitr
    /// AWS Backup jobs, copy jobs, recovery points, restore jobs.
    case backupJobs = "backup_jobs"
    /// CloudWatch replication metrics.
    case metrics
    /// Settings: S3 bucket configuration, backup plans, IAM, SNS, alarms, EventBridge, account.
    case configuration
    /// S3 storage metrics (NumberOfObjects, BucketSizeBytes), published once a day.
    case storageMetrics = "storage_metrics"

    /// Default collection interval, in seconds.
    public var defaultIntervalSeconds: Int {
        switch self {
        case .pitr: 60
        case .backupJobs: 300
        case .metrics: 300
        case .configuration: 900
        case .storageMetrics: 21600
        }
    }

    public static func < (lhs: CheckFamily, rhs: CheckFamily) -> Bool { lhs.rawValue < rhs.rawValue }
}
