import Foundation
import MnemondModel

/// Bucket-level settings every recovery scenario depends on.
public enum S3BucketChecks {
    public static let all: [Check] = [versioning, region, encryption, objectLock]

    /// Guide Phases 1–2B: versioning is Enabled on all four buckets. Without it a deleted or
    /// overwritten object has no noncurrent version to restore (Scenario 1) and replication stops.
    public static let versioning = Check(
        id: "s3.versioning", evidence: [.configuration],
        promise: "Versioning is Enabled on every source and replica bucket",
        recoveryWindow: .bucketVersions
    ) { policy, observations, _, _ in
        Catalog.perBucket("s3.versioning", policy, observations, field: { $0.versioning }) { bucket, status in
            versioningFinding(bucket, status: status)
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

    /// Prerequisites: each bucket lives in the region the guide names. A replica in the wrong
    /// region is no protection against a regional failure (Scenario 3).
    public static let region = Check(
        id: "s3.region", evidence: [.configuration], promise: "Each bucket lives in the region the guide names",
        recoveryWindow: .bucketVersions
    ) { policy, observations, _, _ in
        Catalog.perBucket("s3.region", policy, observations, field: { $0.location }) { bucket, found in
            let ok = found == bucket.region
            return Finding(
                check: "s3.region", resource: bucket.name, state: ok ? .ok : .critical,
                message: ok
                    ? "\(bucket.name): in \(found)"
                    : "\(bucket.name): lives in \(found); guide requires \(bucket.region) (Prerequisites)",
                expected: bucket.region, found: found, guide: "Prerequisites")
        }
    }

    /// Steps 2A.1/2B.1: the vault buckets' default encryption is SSE AES256 with bucket key (the
    /// guide states it for no other bucket). Missing or different encryption is a compliance
    /// deviation, not a recoverability loss (warning). Findings cite the promise's own `guide`.
    public static let encryption = Check(
        id: "s3.encryption", evidence: [.configuration],
        promise: "Default encryption as the guide states (AES256 with bucket key)",
        recoveryWindow: .bucketVersions
    ) { policy, observations, _, _ in
        Catalog.perBucket(
            "s3.encryption", policy, observations, where: { $0.encryption != nil }, field: { $0.encryption }
        ) { bucket, found in
            encryptionFinding(bucket, found: found)
        }
    }

    public static func encryptionFinding(_ bucket: BucketPolicy, found: BucketEncryption?) -> Finding {
        let want = bucket.encryption!
        let wantText = want.algorithm + (want.bucketKey ? " with bucket key" : "")
        let foundText = found.map { $0.algorithm + ($0.bucketKeyEnabled ? " with bucket key" : "") } ?? "none"
        let ok = found.map { $0.algorithm == want.algorithm && (!want.bucketKey || $0.bucketKeyEnabled) } ?? false
        let guide = want.guide ?? bucket.guide
        return Finding(
            check: "s3.encryption", resource: bucket.name, state: ok ? .ok : .warning,
            message: ok
                ? "\(bucket.name): default encryption \(foundText)"
                : "\(bucket.name): default encryption is \(foundText); guide requires \(wantText) (\(guide))",
            expected: wantText, found: foundText, guide: guide,
            runbook: ok
                ? nil
                : "aws s3api put-bucket-encryption --bucket \(bucket.name) --region \(bucket.region) --server-side-encryption-configuration '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"\(want.algorithm)\"},\"BucketKeyEnabled\":\(want.bucketKey)}]}'"
        )
    }

    /// Guide "[DEFERRABLE] Object Lock": replicas should hold GOVERNANCE retention for 180 days
    /// against ransomware and admin error. The default config accepts the deferral as a risk,
    /// so it is reported but never paged.
    public static let objectLock = Check(
        id: "s3.object_lock", evidence: [.configuration],
        promise: "Replicas have Object Lock GOVERNANCE 180 d (deferred by the guide)",
        recoveryWindow: .bucketVersions
    ) { policy, observations, _, _ in
        Catalog.perBucket(
            "s3.object_lock", policy, observations, where: { $0.objectLock != nil }, field: { $0.objectLock }
        ) { bucket, found in
            let want = bucket.objectLock!
            let wantText = "\(want.mode) \(days(want.days))"
            guard let found, found.enabled else {
                return Finding(
                    check: "s3.object_lock", resource: bucket.name, state: .warning,
                    message:
                        "\(bucket.name): Object Lock is not enabled; guide requires \(wantText) ([DEFERRABLE] Object Lock)",
                    expected: wantText, found: "not enabled", guide: "[DEFERRABLE] Object Lock",
                    runbook:
                        "Object Lock can only be enabled on a new bucket: guide Option A (new replica bucket with Object Lock)"
                )
            }
            let foundText = [found.mode, found.retentionDays.map(days)].compactMap { $0 }.joined(separator: " ")
            let ok = found.mode == want.mode && (found.retentionDays ?? 0) >= want.days
            return Finding(
                check: "s3.object_lock", resource: bucket.name, state: ok ? .ok : .warning,
                message: ok
                    ? "\(bucket.name): Object Lock \(foundText)"
                    : "\(bucket.name): Object Lock default retention is \(foundText.isEmpty ? "none" : foundText); guide requires \(wantText)",
                expected: wantText, found: foundText.isEmpty ? "no default retention" : foundText,
                guide: "[DEFERRABLE] Object Lock")
        }
    }
}
