import Foundation
import MnemondModel

/// The lifecycle promises of guide Phases 1, 2, 2A and 2B.
public enum S3LifecycleChecks {
    public static let all: [Check] = [noncurrent]

    /// Guide Phases 1 and 2A: sources keep noncurrent versions 35 days (the PITR window);
    /// Phases 2 and 2B: replicas keep them 180 days (the Deep Archive minimum, Scenario 2's window).
    public static let noncurrent = Check(
        id: "s3.lifecycle.noncurrent",
        promise: "Noncurrent versions expire after exactly the guide's days (sources 35 d, replicas 180 d)"
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

    /// The decision, separated so it can be table-tested. Severity: a window shorter than promised
    /// loses recoverable versions (critical); a longer or missing one keeps data the plan says to
    /// drop — cost and a plan deviation, but nothing lost (warning).
    public static func noncurrentFinding(_ bucket: BucketPolicy, rules: [LifecycleRule]) -> Finding {
        let want = bucket.noncurrentDays
        let enabled = rules.filter(\.enabled)
        let whole = enabled.filter(\.coversWholeBucket).compactMap(\.noncurrentExpirationDays)
        // A narrower rule (prefix, tags, size) with fewer days shortens the window for part of the bucket.
        let partialShorter = enabled.filter { !$0.coversWholeBucket }
            .compactMap { rule in rule.noncurrentExpirationDays.map { (rule, $0) } }
            .filter { $0.1 < want }
            .min { $0.1 < $1.1 }
        let effective = whole.min()
        let runbook = "Apply the guide's lifecycle for \(bucket.name) (\(bucket.guide)): "
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
        return finding(.ok, "noncurrent versions expire after \(days(effective)) as the guide requires", found: days(effective))
    }
}
