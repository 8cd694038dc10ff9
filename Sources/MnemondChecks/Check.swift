import Foundation
import MnemondModel

/// Stored measurements a check may look back on (e.g. a robust band over 14 days of object counts).
/// Loaded by the daemon before evaluation, so checks stay pure.
public struct History: Sendable {
    public var samples: [Sample] { didSet { index = Self.index(samples) } }
    /// The recovery points the store keeps per vault name (the retention window, merged from every
    /// cycle's listing). A vault present here replaces the cycle's listing of it, which may hold
    /// only the newest points (`BackupObservation.listings`).
    public var recoveryPoints: [String: [RecoveryPoint]]

    public init(samples: [Sample] = [], recoveryPoints: [String: [RecoveryPoint]] = [:]) {
        self.samples = samples
        self.recoveryPoints = recoveryPoints
        index = Self.index(samples)
    }

    /// One series' samples, oldest first.
    public func series(_ name: Series, labels: [String: String]) -> [Sample] {
        index[SeriesKey(series: name, labels: labels)] ?? []
    }

    /// The samples by series, each oldest first: a check asks for one series per bucket, and
    /// filtering every sample for each of a thousand buckets made evaluation quadratic.
    private var index: [SeriesKey: [Sample]]

    private struct SeriesKey: Hashable, Sendable {
        var series: Series
        var labels: [String: String]
    }

    private static func index(_ samples: [Sample]) -> [SeriesKey: [Sample]] {
        var index: [SeriesKey: [Sample]] = [:]
        for sample in samples {
            index[SeriesKey(series: sample.series, labels: sample.labels), default: []].append(sample)
        }
        // Stable, as the filter-then-sort it replaces: samples of one time keep their order.
        return index.mapValues { samples in
            samples.enumerated().sorted {
                $0.element.time != $1.element.time ? $0.element.time < $1.element.time : $0.offset < $1.offset
            }.map(\.element)
        }
    }

    /// `observations` with each vault's listed recovery points replaced by the stored ones. A
    /// listing that failed stays `.unavailable` (the checks say UNKNOWN with the API error).
    public func withStoredRecoveryPoints(_ observations: Observations) -> Observations {
        guard !recoveryPoints.isEmpty, var backup = observations.backup else { return observations }
        for (vault, stored) in recoveryPoints {
            guard case .value? = backup.recoveryPoints[vault] else { continue }
            backup.recoveryPoints[vault] = .value(stored)
        }
        var out = observations
        out.backup = backup
        return out
    }
}

/// One promise of the guide, evaluated by a pure function: no network, no clock, no disk.
public struct Check: Sendable {
    public let id: CheckID
    /// The collection families whose collection gives this check new evidence; an evaluation
    /// after a cycle that collected none of them re-reads old evidence and does not advance an
    /// alert's `for: N` count.
    public let evidence: Set<CheckFamily>
    /// The promise in one line, as the guide states it.
    public let promise: String
    /// The recovery window of the status headline this check's findings speak for (nil: none).
    public let recoveryWindow: RecoveryWindow?
    /// The stored series `evaluate` looks back on; the cycle loads them before evaluating.
    public let history: [SeriesQuery]
    /// Samples derived from freshly collected observations (what the check reads in the raw
    /// values, recorded so `status` and `history` can show it). nil: none.
    public let measure: (@Sendable (_ fresh: Observations, _ time: Date) -> [Sample])?
    public let evaluate:
        @Sendable (_ policy: Policy, _ observations: Observations, _ history: History, _ now: Date) -> [Finding]

    public init(
        id: CheckID, evidence: Set<CheckFamily>, promise: String, recoveryWindow: RecoveryWindow? = nil,
        history: [SeriesQuery] = [],
        measure: (@Sendable (Observations, Date) -> [Sample])? = nil,
        evaluate: @escaping @Sendable (Policy, Observations, History, Date) -> [Finding]
    ) {
        self.id = id
        self.evidence = evidence
        self.promise = promise
        self.recoveryWindow = recoveryWindow
        self.history = history
        self.measure = measure
        self.evaluate = evaluate
    }
}

/// The part of the status headline ("PITR 0-35 d, snapshots …, DR copies …, versions …,
/// replicas …") whose state a check's findings make up.
public enum RecoveryWindow: Sendable, Equatable {
    /// PITR of the RDS instance named by the finding's resource.
    case pitr
    /// AWS Backup snapshots in the primary vault.
    case snapshots
    /// Their copies in the DR vault.
    case drCopies
    /// The noncurrent versions of the finding's bucket: "versions" for a source, "replicas" for a
    /// replica.
    case bucketVersions
    /// Replication into the replicas, whichever bucket the finding names.
    case replication
}

/// A stored series a check reads, and how far back, derived from the policy.
public struct SeriesQuery: Sendable {
    public var series: Series
    public var lookBackSeconds: @Sendable (Policy) -> TimeInterval

    public init(_ series: Series, lookBackSeconds: @escaping @Sendable (Policy) -> TimeInterval) {
        self.series = series
        self.lookBackSeconds = lookBackSeconds
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
        + RecoveryPathChecks.all
        + RecoverabilityLedger.all

    public static func check(_ id: CheckID) -> Check? { all.first { $0.id == id } }

    /// The stored history the catalog needs for `policy`: each series once, with the longest
    /// look-back any check asks for, in seconds before now.
    public static func historyNeeded(_ policy: Policy) -> [(series: Series, lookBackSeconds: TimeInterval)] {
        var longest: [Series: TimeInterval] = [:]
        for query in all.flatMap(\.history) {
            longest[query.series] = max(longest[query.series] ?? 0, query.lookBackSeconds(policy))
        }
        return longest.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The samples the checks derive from what a cycle has just collected (`fresh` holds only
    /// that), stamped `time`.
    public static func measure(_ fresh: Observations, at time: Date, history: History = History()) -> [Sample] {
        let fresh = history.withStoredRecoveryPoints(fresh)
        return all.flatMap { $0.measure?(fresh, time) ?? [] }
    }

    /// Runs every check and attaches accepted risks from the policy. Findings come back ordered by
    /// check ID, then resource, so output and stored rows are stable.
    ///
    /// Credentials of another account make every other observation describe the wrong estate:
    /// then only `account.identity` judges, and every other finding is UNKNOWN "not evaluated",
    /// so a wrong profile pages once, not once per check.
    public static func evaluate(
        _ policy: Policy, _ observations: Observations, _ history: History = History(), now: Date
    ) -> [Finding] {
        let observations = history.withStoredRecoveryPoints(observations)
        let wrongAccount = AccountChecks.foreignAccount(policy, observations)
        return all.flatMap { check in
            check.evaluate(policy, observations, history, now).map { finding in
                var finding = finding
                if let wrongAccount, finding.check != AccountChecks.identity.id {
                    finding = notEvaluated(finding, account: wrongAccount, expected: policy.accountID)
                }
                finding.acceptedRisk = policy.acceptedRisk(for: finding.check, resource: finding.resource, at: now)
                return finding
            }
        }
        .sorted { ($0.check, $0.resource) < ($1.check, $1.resource) }
    }

    /// The finding a check would have made, withheld: its evidence came from another account.
    static func notEvaluated(_ finding: Finding, account: String, expected: String) -> Finding {
        Finding(
            check: finding.check, resource: finding.resource, state: .unknown,
            message:
                "\(finding.resource): not evaluated: credentials resolve to account \(account), expected \(expected)",
            expected: finding.expected, found: nil, guide: "Prerequisites",
            runbook: "Fix the credentials first (account.identity); this check runs again on the next cycle")
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
