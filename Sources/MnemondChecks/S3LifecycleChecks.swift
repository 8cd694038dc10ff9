import Foundation
import MnemondModel

/// The lifecycle promises of guide Phases 1, 2, 2A and 2B.
public enum S3LifecycleChecks {
    public static let all: [Check] = [noncurrent, currentExpiration, tiering, abortMultipart]

    /// Guide Phases 1 and 2A: sources keep noncurrent versions 35 days (the PITR window);
    /// Phases 2 and 2B: replicas keep them 180 days (the Deep Archive minimum, Scenario 2's window).
    public static let noncurrent = Check(
        id: "s3.lifecycle.noncurrent", evidence: [.configuration],
        promise: "Noncurrent versions expire after exactly the guide's days (sources 35 d, replicas 180 d)",
        recoveryWindow: .bucketVersions, measure: { noncurrentSamples($0, at: $1) }
    ) { policy, observations, _, _ in
        policy.buckets.map { bucket in
            guard let observed = observations.bucket(bucket.name) else {
                return Catalog.notCollected("s3.lifecycle.noncurrent", resource: bucket.name)
            }
            switch observed.lifecycle {
            case .unavailable(let reason):
                return Catalog.unknown("s3.lifecycle.noncurrent", resource: bucket.name, reason, guide: bucket.guide)
            case .value(let rules):
                return noncurrentFinding(bucket, rules: rules)
            }
        }
    }

    /// The bucket-wide noncurrent window: the shortest noncurrent expiration of the enabled rules
    /// that cover the whole bucket (nil: none expires noncurrent versions).
    public static func effectiveNoncurrentDays(_ rules: [LifecycleRule]) -> Int? {
        rules.filter { $0.enabled && $0.coversWholeBucket }.compactMap(\.noncurrentExpirationDays).min()
    }

    /// `s3_lifecycle_noncurrent_days{bucket}`: the effective window of every bucket whose
    /// lifecycle was read, for the headline's "versions 0-35 d".
    static func noncurrentSamples(_ fresh: Observations, at time: Date) -> [Sample] {
        fresh.buckets.compactMap { bucket in
            guard case .value(let rules) = bucket.lifecycle, let days = effectiveNoncurrentDays(rules) else {
                return nil
            }
            return Sample(
                series: .s3LifecycleNoncurrentDays, labels: ["bucket": bucket.bucket], time: time,
                value: Double(days))
        }
    }

    /// The decision, separated so it can be table-tested. Severity: a window shorter than promised
    /// loses recoverable versions (critical); a longer or missing one keeps data the plan says to
    /// drop — cost and a plan deviation, but nothing lost (warning).
    public static func noncurrentFinding(_ bucket: BucketPolicy, rules: [LifecycleRule]) -> Finding {
        let want = bucket.noncurrentDays
        let enabled = rules.filter(\.enabled)
        // A narrower rule (prefix, tags, size) with fewer days shortens the window for part of the bucket.
        let partialShorter = enabled.filter { !$0.coversWholeBucket }
            .compactMap { rule in rule.noncurrentExpirationDays.map { (rule, $0) } }
            .filter { $0.1 < want }
            .min { $0.1 < $1.1 }
        let effective = effectiveNoncurrentDays(rules)
        let runbook =
            "Apply the guide's lifecycle for \(bucket.name) (\(bucket.guide)): "
            + "aws s3api put-bucket-lifecycle-configuration --bucket \(bucket.name) --region \(bucket.region)"
        func finding(_ state: CheckState, _ message: String, found: String) -> Finding {
            Finding(
                check: "s3.lifecycle.noncurrent", resource: bucket.name, state: state,
                message: "\(bucket.name): \(message)", expected: days(want), found: found, guide: bucket.guide,
                runbook: state == .ok ? nil : runbook)
        }
        if let effective, effective < want {
            return finding(
                .critical,
                "noncurrent versions expire after \(days(effective)); guide requires \(days(want)) (\(bucket.guide)) — versions older than \(days(effective)) are unrecoverable",
                found: days(effective))
        }
        if let (rule, shorter) = partialShorter {
            let scope = rule.prefix.isEmpty ? "a filtered rule" : "prefix \"\(rule.prefix)\""
            return finding(
                .critical,
                "noncurrent versions under \(scope) (rule \(rule.id ?? "unnamed")) expire after \(days(shorter)); guide requires \(days(want)) (\(bucket.guide))",
                found: days(shorter))
        }
        guard let effective else {
            let what = rules.isEmpty ? "no lifecycle configuration" : "no rule expires noncurrent versions"
            return finding(
                .warning,
                "\(what) — noncurrent versions are kept forever; guide requires expiry after \(days(want)) (\(bucket.guide))",
                found: rules.isEmpty ? "no lifecycle" : "none")
        }
        if effective > want {
            return finding(
                .warning,
                "noncurrent versions expire after \(days(effective)); guide requires \(days(want)) (\(bucket.guide))",
                found: days(effective))
        }
        return finding(
            .ok, "noncurrent versions expire after \(days(effective)) as the guide requires", found: days(effective))
    }

    /// Guide Phase 2 Step 2.2 / 2B: "Replica bucket should mirror the source bucket. Current
    /// versions stay as long as they exist in source." A current-version expiration on a replica
    /// silently deletes the DR copy of live objects: critical.
    public static let currentExpiration = Check(
        id: "s3.lifecycle.current_expiration", evidence: [.configuration],
        promise: "Replicas never expire current versions (they mirror the source)",
        recoveryWindow: .bucketVersions
    ) { policy, observations, _, _ in
        Catalog.perBucket(
            "s3.lifecycle.current_expiration", policy, observations, where: { $0.role == .replica },
            field: { $0.lifecycle }
        ) { bucket, rules in
            let expiring = rules.filter { $0.enabled && ($0.expirationDays != nil || $0.expirationDate != nil) }
            guard let rule = expiring.first else {
                return Finding(
                    check: "s3.lifecycle.current_expiration", resource: bucket.name, state: .ok,
                    message: "\(bucket.name): no current-version expiration", expected: "none", found: "none",
                    guide: bucket.guide)
            }
            let when = rule.expirationDays.map { "after \(days($0))" } ?? "on \(rule.expirationDate ?? "?")"
            let scope = rule.coversWholeBucket ? "" : " for prefix \"\(rule.prefix)\""
            return Finding(
                check: "s3.lifecycle.current_expiration", resource: bucket.name, state: .critical,
                message:
                    "\(bucket.name): rule \(rule.id ?? "unnamed") expires current versions \(when)\(scope); guide requires none — the replica must mirror the source (\(bucket.guide))",
                expected: "none", found: when, guide: bucket.guide,
                runbook:
                    "Remove the Expiration action from rule \(rule.id ?? "unnamed") of \(bucket.name) (\(bucket.guide), Step 2.2: replica-bucket-lifecycle-180d-mirror.json)"
            )
        }
    }

    /// Guide Phase 1 / 2A: sources move objects to Intelligent-Tiering on day 0. Missing it costs
    /// money, not recoverability: warning.
    public static let tiering = Check(
        id: "s3.lifecycle.tiering", evidence: [.configuration],
        promise: "Sources transition to INTELLIGENT_TIERING on day 0",
        recoveryWindow: .bucketVersions
    ) { policy, observations, _, _ in
        Catalog.perBucket(
            "s3.lifecycle.tiering", policy, observations, where: { $0.intelligentTieringDay0 },
            field: { $0.lifecycle }
        ) { bucket, rules in
            let transitions = rules.filter { $0.enabled && $0.coversWholeBucket }.flatMap(\.transitions)
            let tiering = transitions.filter { $0.storageClass == "INTELLIGENT_TIERING" }.compactMap(\.days).min()
            let ok = tiering == 0
            let found = tiering.map { "day \($0)" } ?? "none"
            return Finding(
                check: "s3.lifecycle.tiering", resource: bucket.name, state: ok ? .ok : .warning,
                message: ok
                    ? "\(bucket.name): Intelligent-Tiering from day 0"
                    : "\(bucket.name): Intelligent-Tiering transition is \(found); guide requires day 0 (\(bucket.guide))",
                expected: "day 0", found: found, guide: bucket.guide,
                runbook: ok
                    ? nil : "Re-apply the guide's source lifecycle (\(bucket.guide)): source-bucket-lifecycle-35d.json")
        }
    }

    /// Guide Phase 2B: the vault replica aborts incomplete multipart uploads after 180 days.
    /// Missing it only costs storage: warning.
    public static let abortMultipart = Check(
        id: "s3.lifecycle.abort_multipart", evidence: [.configuration],
        promise: "Incomplete multipart uploads are aborted where the guide sets it",
        recoveryWindow: .bucketVersions
    ) { policy, observations, _, _ in
        Catalog.perBucket(
            "s3.lifecycle.abort_multipart", policy, observations, where: { $0.abortMultipartDays != nil },
            field: { $0.lifecycle }
        ) { bucket, rules in
            let want = bucket.abortMultipartDays!
            let found = rules.filter { $0.enabled && $0.coversWholeBucket }.compactMap(\.abortIncompleteMultipartDays)
                .min()
            let ok = found == want
            return Finding(
                check: "s3.lifecycle.abort_multipart", resource: bucket.name, state: ok ? .ok : .warning,
                message: ok
                    ? "\(bucket.name): incomplete multipart uploads aborted after \(days(want))"
                    : "\(bucket.name): incomplete multipart uploads aborted after \(found.map(days) ?? "never"); guide requires \(days(want)) (\(bucket.guide))",
                expected: days(want), found: found.map(days) ?? "never", guide: bucket.guide)
        }
    }
}
