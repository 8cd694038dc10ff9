import Foundation
import MnemondModel

/// Stored measurements a check may look back on (e.g. a robust band over 14 days of object counts).
/// Loaded by the daemon before evaluation, so checks stay pure.
public struct History: Sendable {
    public var samples: [Sample]
    public init(samples: [Sample] = []) { self.samples = samples }
    public func series(_ name: String, labels: [String: String]) -> [Sample] {
        samples.filter { $0.series == name && $0.labels == labels }.sorted { $0.time < $1.time }
    }
}

/// One promise of the guide, evaluated by a pure function: no network, no clock, no disk.
public struct Check: Sendable {
    public let id: CheckID
    /// The promise in one line, as the guide states it.
    public let promise: String
    public let evaluate: @Sendable (_ policy: Policy, _ observations: Observations, _ history: History, _ now: Date) -> [Finding]

    public init(
        id: CheckID, promise: String,
        evaluate: @escaping @Sendable (Policy, Observations, History, Date) -> [Finding]
    ) {
        self.id = id
        self.promise = promise
        self.evaluate = evaluate
    }
}

/// Every check mnemond knows, and the one entry point the daemon calls.
public enum Catalog {
    public static let all: [Check] =
        AccountChecks.all
        + S3BucketChecks.all
        + S3LifecycleChecks.all
        + S3ReplicationChecks.all
        + RDSChecks.all
        + BackupChecks.all
        + IAMChecks.all
        + ReplicationMetricChecks.all
        + AlertPlumbingChecks.all

    public static func check(_ id: CheckID) -> Check? { all.first { $0.id == id } }

    /// Runs every check and attaches accepted risks from the policy. Findings come back ordered by
    /// check ID, then resource, so output and stored rows are stable.
    public static func evaluate(
        _ policy: Policy, _ observations: Observations, _ history: History = History(), now: Date
    ) -> [Finding] {
        all.flatMap { check in
            check.evaluate(policy, observations, history, now).map { finding in
                var finding = finding
                finding.acceptedRisk = policy.acceptedRisk(for: finding.check, resource: finding.resource, at: now)
                return finding
            }
        }
        .sorted { ($0.check, $0.resource) < ($1.check, $1.resource) }
    }

    /// The finding for evidence that could not be collected: UNKNOWN, naming the API action and code.
    static func unknown(_ check: CheckID, resource: String, _ reason: Unavailable, guide: String? = nil) -> Finding {
        Finding(
            check: check, resource: resource, state: .unknown,
            message: "\(resource): cannot evaluate — \(reason)", guide: guide)
    }

    /// The finding for a configured resource that the collectors did not report at all.
    static func notCollected(_ check: CheckID, resource: String) -> Finding {
        Finding(
            check: check, resource: resource, state: .unknown,
            message: "\(resource): no observation was collected for this resource")
    }
}

extension Catalog {
    /// The common shape of a per-bucket check: for each configured bucket the filter selects,
    /// find its observation and field; "not collected" and "unavailable" become UNKNOWN;
    /// otherwise `decide` judges the value.
    static func perBucket<T>(
        _ id: CheckID, _ policy: Policy, _ observations: Observations,
        where include: (BucketPolicy) -> Bool = { _ in true },
        field: (BucketObservation) -> Observed<T>?,
        decide: (BucketPolicy, T) -> Finding
    ) -> [Finding] {
        policy.buckets.filter(include).map { bucket in
            guard let observed = observations.bucket(bucket.name), let value = field(observed) else {
                return notCollected(id, resource: bucket.name)
            }
            switch value {
            case .unavailable(let reason): return unknown(id, resource: bucket.name, reason, guide: bucket.guide)
            case .value(let v): return decide(bucket, v)
            }
        }
    }
}

/// "1 d" / "35 d": days always carry their unit in messages.
func days(_ n: Int) -> String { "\(n) d" }
