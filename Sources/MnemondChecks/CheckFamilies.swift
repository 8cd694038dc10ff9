import MnemondModel

extension Catalog {
    /// Which collection families a check's evidence comes from, by check-ID prefix (the longest
    /// matching prefix wins), as the standard collectors gather it: RDS instances with the PITR
    /// family, everything AWS Backup with the jobs family, CloudWatch replication metrics every
    /// 5 min, storage metrics daily, and the settings with the configuration family.
    static let evidence: [(prefix: String, families: Set<CheckFamily>)] = [
        ("account", [.configuration]),
        ("iam", [.configuration]),
        ("alerting", [.configuration]),
        ("s3", [.configuration]),
        ("s3.replication.latency", [.metrics]),
        ("s3.replication.failures", [.metrics]),
        ("s3.replication.backlog", [.metrics]),
        ("s3.replica.object_count", [.storageMetrics]),
        ("rds", [.pitr]),
        ("backup", [.backupJobs]),
        ("recovery_path", [.configuration]),
        // Scenario 1 reads PITR and the sources' versioning; Scenarios 2 and 3 the recovery points.
        ("recovery.rpo", [.pitr, .configuration, .backupJobs]),
        ("recovery.rpo_design", [.backupJobs]),
    ]

    /// The families whose collection gives `check` new evidence; every family for a check no
    /// prefix names (any collection then counts as new evidence, as it did before families).
    public static func families(of check: CheckID) -> Set<CheckFamily> {
        var best: (length: Int, families: Set<CheckFamily>)?
        for (prefix, families) in evidence
        where check.rawValue == prefix || check.rawValue.hasPrefix(prefix + ".") {
            if prefix.count > best?.length ?? -1 { best = (prefix.count, families) }
        }
        return best?.families ?? Set(CheckFamily.allCases)
    }

    /// The checks of the catalog whose evidence a cycle that collected `collected` left
    /// unchanged: their findings are re-evaluations of old evidence, which must not advance an
    /// alert's `for: N` count.
    public static func unchanged(collected: Set<CheckFamily>) -> Set<CheckID> {
        Set(all.map(\.id).filter { families(of: $0).isDisjoint(with: collected) })
    }
}
