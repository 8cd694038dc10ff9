import Foundation
import MnemondModel

/// Guide Phase 3: cross-region replication of each source to its replica.
public enum S3ReplicationChecks {
    public static let all: [Check] = [config]

    /// Guide Phase 3: rule Enabled to the replica, DEEP_ARCHIVE, delete markers replicated, a
    /// role, and replication metrics on — without metrics the latency and failure metrics never
    /// exist, so the Phase 8 alarms watching them can never fire. A rule that does not replicate
    /// at all (missing, disabled, wrong destination) is critical: new objects have no DR copy.
    /// Wrong storage class, delete markers or metrics are warnings except metrics (critical: the
    /// monitoring is blind).
    public static let config = Check(
        id: "s3.replication.config", evidence: [.configuration],
        promise: "Each source replicates to its replica: rule Enabled, DEEP_ARCHIVE, delete markers, metrics on",
        recoveryWindow: .replication
    ) { policy, observations, _, _ in
        Catalog.perBucket(
            "s3.replication.config", policy, observations, where: { $0.replication != nil },
            field: { $0.replication }
        ) { bucket, found in
            replicationFinding(bucket, found: found)
        }
    }

    public static func replicationFinding(_ bucket: BucketPolicy, found: ReplicationConfiguration?) -> Finding {
        let want = bucket.replication!
        let runbook =
            "Restore the replication rule of \(bucket.name) to \(want.destinationBucket) (\(want.guide), Step 3.1/3.2): aws s3api put-bucket-replication --bucket \(bucket.name) --region \(bucket.region)"
        func finding(_ state: CheckState, _ problem: String, found: String) -> Finding {
            Finding(
                check: "s3.replication.config", resource: bucket.name, state: state,
                message: "\(bucket.name): \(problem)", expected: "→ \(want.destinationBucket) \(want.storageClass)",
                found: found, guide: want.guide, runbook: state == .ok ? nil : runbook)
        }
        guard let found, !found.rules.isEmpty else {
            return finding(
                .critical,
                "no replication configuration; guide requires CRR to \(want.destinationBucket) (\(want.guide)) — new objects have no DR copy",
                found: "none")
        }
        let toReplica = found.rules.filter { $0.destinationBucket == want.destinationBucket }
        let candidates =
            want.ruleID.map { id in toReplica.filter { $0.id == id } }.flatMap { $0.isEmpty ? nil : $0 } ?? toReplica
        guard let rule = candidates.first(where: \.enabled) ?? candidates.first else {
            let destinations = found.rules.map(\.destinationBucket).joined(separator: ", ")
            return finding(
                .critical, "replicates to \(destinations); guide requires \(want.destinationBucket) (\(want.guide))",
                found: destinations)
        }
        let name = "rule \(rule.id ?? "unnamed")"
        if !rule.enabled {
            return finding(
                .critical,
                "\(name) to \(want.destinationBucket) is Disabled; guide requires Enabled (\(want.guide)) — new objects have no DR copy",
                found: "Disabled")
        }
        if found.role.isEmpty {
            return finding(
                .critical, "replication has no IAM role; guide requires one (\(want.guide))", found: "no role")
        }
        if want.metricsEnabled && !rule.metricsEnabled {
            return finding(
                .critical,
                "\(name) has replication metrics off; guide requires them (\(want.guide)) — without them ReplicationLatency and OperationsFailedReplication never exist and the Phase 8 alarms can never fire",
                found: "metrics off")
        }
        var problems: [String] = []
        if let storageClass = rule.storageClass ?? Optional("source class"), storageClass != want.storageClass {
            problems.append("storage class \(storageClass) (guide: \(want.storageClass))")
        }
        if want.deleteMarkerReplication && !rule.deleteMarkerReplication {
            problems.append("delete markers not replicated (guide: Enabled)")
        }
        if !problems.isEmpty {
            return finding(
                .warning, "\(name): \(problems.joined(separator: "; ")) (\(want.guide))",
                found: problems.joined(separator: "; "))
        }
        return finding(
            .ok,
            "\(name) replicates to \(want.destinationBucket) as \(want.storageClass) with delete markers and metrics",
            found: "→ \(want.destinationBucket) \(want.storageClass)")
    }
}
