import MnemondChecks
import MnemondModel
import Testing

/// Which collection families bring each check new evidence: the cycle uses it so that `for: N`
/// counts fresh evidence, not re-evaluations of an old sample.
@Suite struct CheckFamiliesTests {
    @Test(arguments: [
        ("rds.pitr_lag", [CheckFamily.pitr]), ("rds.backup_retention", [.pitr]),
        ("backup.job_freshness", [.backupJobs]), ("backup.plan", [.backupJobs]),
        ("s3.replication.latency", [.metrics]), ("s3.replication.failures", [.metrics]),
        ("s3.replica.object_count", [.storageMetrics]), ("s3.replication.config", [.configuration]),
        ("s3.lifecycle.noncurrent", [.configuration]), ("alerting.sns", [.configuration]),
        ("account.identity", [.configuration]), ("iam.app_role", [.configuration]),
    ])
    func aCheckGetsNewEvidenceOnlyFromTheFamiliesThatCollectIt(_ check: String, _ families: [CheckFamily]) {
        #expect(Catalog.families(of: CheckID(check)) == Set(families))
    }

    @Test func aCycleOfOtherFamiliesLeavesThePITRCheckUnchanged() {
        let unchanged = Catalog.unchanged(collected: [.backupJobs, .metrics, .configuration])
        #expect(unchanged.contains("rds.pitr_lag"))
        #expect(!unchanged.contains("backup.job_freshness"))
        #expect(Catalog.unchanged(collected: Set(CheckFamily.allCases)).isEmpty)
        // An ID the catalog does not hold counts any collection as new evidence.
        #expect(Catalog.families(of: "recovery.something_new") == Set(CheckFamily.allCases))
    }

    /// Each check declares its evidence; none may declare none (it would never count as fresh).
    @Test func everyCheckDeclaresWhereItsEvidenceComesFrom() {
        for check in Catalog.all {
            #expect(!check.evidence.isEmpty, "\(check.id)")
        }
        #expect(Set(Catalog.all.map(\.id)).count == Catalog.all.count)
    }
}
