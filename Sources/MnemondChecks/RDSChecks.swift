import Foundation
import MnemondModel

/// Guide Phase 5: RDS automated backups give PITR over 0–35 days.
public enum RDSChecks {
    public static let all: [Check] = [retention, window, pitrLag]

    static func perInstance(
        _ id: CheckID, _ policy: Policy, _ observations: Observations,
        decide: (RDSPolicy, RDSInstanceObservation) -> Finding
    ) -> [Finding] {
        policy.rds.map { rds in
            guard let observed = observations.rds[rds.identifier] else {
                return Catalog.notCollected(id, resource: rds.identifier)
            }
            switch observed {
            case .unavailable(let reason):
                return Catalog.unknown(id, resource: rds.identifier, reason, guide: "Phase 5")
            case .value(let instance): return decide(rds, instance)
            }
        }
    }

    /// Phase 5: BackupRetentionPeriod 35. Shorter shrinks the PITR window (critical; 0 disables
    /// PITR entirely); longer only costs (warning).
    public static let retention = Check(
        id: "rds.backup_retention", evidence: [.pitr], promise: "Automated backups are kept exactly 35 days",
        recoveryWindow: .pitr
    ) { policy, observations, _, _ in
        perInstance("rds.backup_retention", policy, observations) { rds, instance in
            let found = instance.backupRetentionDays
            let want = rds.retentionDays
            let state: CheckState = found < want ? .critical : (found > want ? .warning : .ok)
            let message: String
            switch state {
            case .ok: message = "\(rds.identifier): automated backups kept \(days(found))"
            case .critical where found == 0:
                message =
                    "\(rds.identifier): automated backups are disabled (retention 0); guide requires \(days(want)) (Phase 5) — no PITR at all"
            case .critical:
                message =
                    "\(rds.identifier): automated backups kept \(days(found)); guide requires \(days(want)) (Phase 5) — PITR reaches back only \(days(found))"
            default:
                message =
                    "\(rds.identifier): automated backups kept \(days(found)); guide requires \(days(want)) (Phase 5)"
            }
            return Finding(
                check: "rds.backup_retention", resource: rds.identifier, state: state, message: message,
                expected: days(want), found: days(found), guide: "Phase 5",
                runbook: state == .ok
                    ? nil
                    : "aws rds modify-db-instance --db-instance-identifier \(rds.identifier) --backup-retention-period \(want) --apply-immediately --region \(rds.region)"
            )
        }
    }

    /// Phase 5: backup window 22:00–00:00 UTC, outside business hours. A moved window is a
    /// deviation, not a loss (warning).
    public static let window = Check(
        id: "rds.backup_window", evidence: [.pitr], promise: "The backup window is 22:00-00:00 UTC",
        recoveryWindow: .pitr
    ) { policy, observations, _, _ in
        perInstance("rds.backup_window", policy, observations) { rds, instance in
            guard let want = rds.backupWindow else {
                return Finding(
                    check: "rds.backup_window", resource: rds.identifier, state: .ok,
                    message:
                        "\(rds.identifier): backup window \(instance.preferredBackupWindow ?? "none") (not promised)")
            }
            let found = instance.preferredBackupWindow ?? "none"
            let ok = found == want
            return Finding(
                check: "rds.backup_window", resource: rds.identifier, state: ok ? .ok : .warning,
                message: ok
                    ? "\(rds.identifier): backup window \(found) UTC"
                    : "\(rds.identifier): backup window is \(found) UTC; guide requires \(want) UTC (Phase 5)",
                expected: want, found: found, guide: "Phase 5",
                runbook: ok
                    ? nil
                    : "aws rds modify-db-instance --db-instance-identifier \(rds.identifier) --preferred-backup-window \(want) --region \(rds.region)"
            )
        }
    }

    /// Phase 5 promises RPO < 1 min via PITR. The measured RPO is now − LatestRestorableTime;
    /// RDS typically trails by ~5 min, so the defaults warn above 10 min and are critical above
    /// 30 min. No LatestRestorableTime at all means PITR is not possible: critical.
    public static let pitrLag = Check(
        id: "rds.pitr_lag", evidence: [.pitr], promise: "PITR is live: LatestRestorableTime within minutes of now",
        recoveryWindow: .pitr
    ) { policy, observations, _, now in
        perInstance("rds.pitr_lag", policy, observations) { rds, instance in
            pitrFinding(rds, latestRestorable: instance.latestRestorableTime, status: instance.status, now: now)
        }
    }

    public static func pitrFinding(_ rds: RDSPolicy, latestRestorable: Date?, status: String, now: Date) -> Finding {
        let runbook =
            "Scenario 1 depends on PITR: check the instance (aws rds describe-db-instances --db-instance-identifier \(rds.identifier) --region \(rds.region)); until it recovers the newest restore point is the latest AWS Backup snapshot (Scenario 2)"
        guard let latestRestorable else {
            return Finding(
                check: "rds.pitr_lag", resource: rds.identifier, state: .critical,
                message:
                    "\(rds.identifier): no LatestRestorableTime (status \(status)) — point-in-time recovery is not possible; guide promises RPO < 1 min (Phase 5)",
                expected: "< \(rds.pitrWarningSeconds / 60) m", found: "none", guide: "Phase 5", runbook: runbook)
        }
        let lag = max(0, now.timeIntervalSince(latestRestorable))
        let state: CheckState =
            lag > Double(rds.pitrCriticalSeconds) ? .critical : (lag > Double(rds.pitrWarningSeconds) ? .warning : .ok)
        let lagText = DurationText.human(lag)
        return Finding(
            check: "rds.pitr_lag", resource: rds.identifier, state: state,
            message: state == .ok
                ? "\(rds.identifier): PITR lag \(lagText)"
                : "\(rds.identifier): PITR lag \(lagText) (LatestRestorableTime \(iso(latestRestorable))); limit \(DurationText.human(Double(state == .critical ? rds.pitrCriticalSeconds : rds.pitrWarningSeconds))), guide promises RPO < 1 min (Phase 5)",
            expected: "< \(DurationText.human(Double(rds.pitrWarningSeconds)))", found: lagText, guide: "Phase 5",
            runbook: state == .ok ? nil : runbook)
    }

    static func iso(_ date: Date) -> String { UTCText.iso(date) }
}
