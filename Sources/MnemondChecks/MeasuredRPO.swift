import Foundation
import MnemondModel

/// The verdict on a measured RPO over a period (the weekly report's RPO table): the limits come
/// from the same policy fields the live checks use, so the report and the alerts agree on what
/// is too old.
public enum MeasuredRPO {
    /// What is judged: PITR lag (`rds.pitr_lag`), the age of the newest snapshot per vault
    /// (`backup.job_freshness` / `backup.copy`), replication latency (`s3.replication.latency`).
    public enum Kind: Sendable, Equatable {
        case pitr(instance: String)
        case snapshot(vault: String)
        case replication(source: String)
        /// A recovery scenario of the ledger (`recovery_rpo_seconds{scenario="scenario-N"}`).
        case scenario(Int)
    }

    public struct Limits: Sendable, Equatable {
        /// The line the report draws ("alert past …").
        public var limitSeconds: Double
        /// The maximum above this is a warning.
        public var warningSeconds: Double?
        /// The maximum above this is critical.
        public var criticalSeconds: Double?
        /// The p95 above this is critical: most of the period was over the limit.
        public var p95CriticalSeconds: Double?

        public init(
            limitSeconds: Double, warningSeconds: Double? = nil, criticalSeconds: Double? = nil,
            p95CriticalSeconds: Double? = nil
        ) {
            self.limitSeconds = limitSeconds
            self.warningSeconds = warningSeconds
            self.criticalSeconds = criticalSeconds
            self.p95CriticalSeconds = p95CriticalSeconds
        }
    }

    /// The limits of `kind` under `policy`; without a policy (or a promise for the subject), the
    /// defaults the config would give: PITR 10 / 30 min (RDS trails ~5 min), snapshots 6 h + 1 h
    /// grace, replication 15 min.
    /// The policy's defaults: the interval plus its grace (7 h).
    static let defaultSnapshotLimitSeconds =
        (BackupPolicy.defaultIntervalHours + BackupPolicy.defaultGraceHours) * 3600

    public static func limits(_ kind: Kind, policy: Policy?) -> Limits {
        switch kind {
        case .pitr(let instance):
            let rds = policy?.rds.first { $0.identifier == instance }
            let warning = Double(rds?.pitrWarningSeconds ?? RDSPolicy.defaultPITRWarningSeconds)
            let critical = Double(rds?.pitrCriticalSeconds ?? RDSPolicy.defaultPITRCriticalSeconds)
            return Limits(limitSeconds: warning, warningSeconds: warning, criticalSeconds: critical)
        case .snapshot:
            // A missed snapshot is a lost recovery point, not a slow one: past the limit is critical.
            let limit = Double(policy?.backup?.maxAgeSeconds ?? Self.defaultSnapshotLimitSeconds)
            return Limits(limitSeconds: limit, criticalSeconds: limit)
        case .replication(let source):
            // Single spikes are warnings; a period mostly over the promise (p95) is critical, as the
            // guide's alarm needs 2 consecutive periods over it.
            let limit = Double(
                policy?.bucket(source)?.replication?.latencyCriticalSeconds
                    ?? ReplicationPromise.defaultLatencyCriticalSeconds)
            return Limits(limitSeconds: limit, warningSeconds: limit, p95CriticalSeconds: limit)
        case .scenario(let number):
            // As `recovery.rpo` judges each moment: Scenario 1 at the PITR limits, Scenarios 2 and 3
            // past the plan's own limit (the rule is not in the store: the policy's grace stands in).
            guard number != 1 else {
                let rds = policy?.rds.first
                let warning = Double(rds?.pitrWarningSeconds ?? RDSPolicy.defaultPITRWarningSeconds)
                return Limits(
                    limitSeconds: warning, warningSeconds: warning,
                    criticalSeconds: Double(rds?.pitrCriticalSeconds ?? RDSPolicy.defaultPITRCriticalSeconds))
            }
            guard let backup = policy?.backup else {
                let limit =
                    Double(Self.defaultSnapshotLimitSeconds)
                    + (number == 3 ? Double(BackupPolicy.defaultCopyGraceMinutes * 60) : 0)
                return Limits(limitSeconds: limit, criticalSeconds: limit)
            }
            let windows = RecoverabilityLedger.windows(backup, plans: nil)
            let limit =
                number == 3
                ? RecoverabilityLedger.drLimitSeconds(backup, windows)
                : RecoverabilityLedger.primaryLimitSeconds(backup, windows)
            return Limits(limitSeconds: limit, criticalSeconds: limit)
        }
    }

    /// What the guide promises a scenario, in seconds: Scenario 1 < 1 min, 2 and 3 the backup
    /// interval (6 h).
    public static func scenarioPromiseSeconds(_ number: Int, policy: Policy?) -> Double {
        number == 1 ? 60 : snapshotIntervalSeconds(policy: policy)
    }

    /// The promised schedule of snapshots (the report's "≤ 6 h").
    public static func snapshotIntervalSeconds(policy: Policy?) -> Double {
        Double((policy?.backup?.intervalHours ?? BackupPolicy.defaultIntervalHours) * 3600)
    }

    public struct Verdict: Sendable, Equatable {
        public var state: CheckState
        /// Why, in words: `max 41 m over 30 m`, `no samples`.
        public var reason: String
    }

    /// CRITICAL when the maximum passes `criticalSeconds` or the p95 passes `p95CriticalSeconds`;
    /// WARNING when the maximum passes `warningSeconds`; UNKNOWN without samples (`max` nil).
    public static func verdict(maxSeconds: Double?, p95Seconds: Double?, limits: Limits) -> Verdict {
        guard let max = maxSeconds else { return Verdict(state: .unknown, reason: "no samples") }
        if let critical = limits.criticalSeconds, max > critical {
            return Verdict(state: .critical, reason: "max \(seconds(max)) over \(seconds(critical))")
        }
        if let p95Critical = limits.p95CriticalSeconds, let p95 = p95Seconds, p95 > p95Critical {
            return Verdict(state: .critical, reason: "p95 \(seconds(p95)) over \(seconds(p95Critical))")
        }
        if let warning = limits.warningSeconds, max > warning {
            return Verdict(state: .warning, reason: "max \(seconds(max)) over \(seconds(warning))")
        }
        return Verdict(state: .ok, reason: "max \(seconds(max)) within the limits")
    }

    static func seconds(_ value: Double) -> String { DurationText.measured(value) }
}
