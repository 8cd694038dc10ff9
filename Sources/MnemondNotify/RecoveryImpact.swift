import MnemondModel

/// How directly a failing check costs recoverable data, by the guide's own account: lost
/// noncurrent versions and replicas, then the RDS point-in-time window, then AWS Backup's
/// snapshots and copies, then the settings that guard them, and last the plumbing that reports
/// failures. Used to order a grouped message, so a cut message keeps the data-loss findings.
public enum RecoveryImpact {
    /// Check-ID prefixes, most damaging first; the longest matching prefix wins.
    static let ranks: [(prefix: String, rank: Int)] = [
        // Versions older than the window are gone for good (guide Phases 2, 2B).
        ("s3.lifecycle.noncurrent", 0), ("s3.lifecycle.current_expiration", 0), ("s3.versioning", 0),
        // The replicas are the copy that survives a region or an account loss.
        ("s3.replication", 1), ("s3.replica", 1),
        // The RDS point-in-time window: the promised RPO of the database.
        ("rds", 2),
        // AWS Backup snapshots, their DR copies and restores.
        ("backup", 3),
        // The wrong account means nothing above was really evaluated.
        ("account", 4),
        // Settings that guard the data but lose none by themselves.
        ("iam", 5), ("s3", 5),
        // Alert plumbing: it reports failures, it holds no data.
        ("alerting", 7),
    ]

    /// The rank of a check: lower is worse; a check no prefix names ranks before the plumbing.
    public static func rank(_ check: CheckID) -> Int {
        var best: (length: Int, rank: Int)?
        for (prefix, rank) in ranks
        where check.rawValue == prefix || check.rawValue.hasPrefix(prefix + ".")
            || check.rawValue.hasPrefix(prefix + "_")
        {
            if prefix.count > best?.length ?? -1 { best = (prefix.count, rank) }
        }
        return best?.rank ?? 6
    }
}
