import Foundation
import MnemondModel

/// Bucket-level settings every recovery scenario depends on.
public enum S3BucketChecks {
    public static let all: [Check] = [versioning]

    /// Guide Phases 1–2B: versioning is Enabled on all four buckets. Without it a deleted or
    /// overwritten object has no noncurrent version to restore (Scenario 1) and replication stops.
    public static let versioning = Check(
        id: "s3.versioning",
        promise: "Versioning is Enabled on every source and replica bucket"
    ) { policy, observations, _, _ in
        policy.buckets.map { bucket in
            guard let observed = observations.bucket(bucket.name) else {
                return Catalog.notCollected("s3.versioning", resource: bucket.name)
            }
            switch observed.versioning {
            case .unavailable(let reason):
                return Catalog.unknown("s3.versioning", resource: bucket.name, reason, guide: bucket.guide)
            case .value(let status):
                return versioningFinding(bucket, status: status)
            }
        }
    }

    static func versioningFinding(_ bucket: BucketPolicy, status: VersioningStatus) -> Finding {
        let ok = status == .enabled
        return Finding(
            check: "s3.versioning", resource: bucket.name, state: ok ? .ok : .critical,
            message: ok
                ? "\(bucket.name): versioning Enabled"
                : "\(bucket.name): versioning is \(status.rawValue); guide requires Enabled (\(bucket.guide)) — deleted objects cannot be restored",
            expected: "Enabled", found: status.rawValue, guide: bucket.guide,
            runbook: ok
                ? nil
                : "aws s3api put-bucket-versioning --bucket \(bucket.name) --versioning-configuration Status=Enabled --region \(bucket.region)"
        )
    }
}
