import Foundation
import MnemondAWS
import MnemondChecks
import MnemondCollect
import MnemondHTTP
import MnemondModel
import MnemondSigV4
import MnemondTestSupport
import Testing

/// The AWS Backup area against the simulator: the collector reads every answer the checks need,
/// the target estate is clean, the current one shows the daily/35 d plan, and each AWS Backup
/// fault of `Tests/Simulator/faults.py` turns exactly the intended check.
@Suite(.serialized, .timeLimit(.minutes(15))) struct BackupCollectorTests {
    /// The guide's Phase 6 promises.
    static let backup = BackupPolicy(
        region: "eu-west-1", planName: "eks-mnemonica-6h-snapshots-180d",
        ruleName: "6-Hour-Snapshots-180-Day-Retention-DR-Copy", schedule: "cron(0 */6 * * ? *)", intervalHours: 6,
        graceHours: 1, retentionDays: 180, vault: "eks-mnemonica-prod-vault",
        resourceARN: "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod", drRegion: "eu-west-3",
        drVault: "eks-mnemonica-prod-vault-dr", drRetentionDays: 180)
    static let policy = Policy(accountID: "828879644785", buckets: [], backup: backup)

    static func client(endpoint: String, key: String, secret: String) -> AWSClient {
        let credentials = AWSCredentials(
            signing: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nil), source: "test")
        // The shared simulator serves several suites at once: on a loaded machine an answer has
        // taken over 30 s (the shipped timeout), which is not what these tests are about.
        return AWSClient(
            credentials: StaticCredentialProvider(credentials),
            http: HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: .seconds(180))),
            endpoints: EndpointResolver(environment: ["AWS_ENDPOINT_URL": endpoint]), retry: RetryPolicy(maxAttempts: 1)
        )
    }

    static func client(_ simulator: AWSSimulator) -> AWSClient {
        client(
            endpoint: simulator.endpoint.absoluteString, key: simulator.accessKeyID, secret: simulator.secretAccessKey)
    }

    /// What one run of the backup collector brought back, through the daemon's runner.
    struct Collection {
        var observation: BackupObservation
        var samples: [Sample]
        var report: CollectorReport
    }

    /// One collection (as the daemon runs it) and evaluation; findings keyed `check resource`.
    static func cycle(_ client: AWSClient) async -> (result: Collection, findings: [String: Finding]) {
        let run = await CollectorRunner(collectors: [BackupCollector(client: client)])
            .run(policy, families: [.backupJobs])
        let now = Date()
        var observations = Observations(collectedAt: now)
        run.merge(into: &observations)
        let result = Collection(
            // The policy promises a plan, so the collector always runs and merges its observation.
            observation: observations.backup!, samples: run.samples, report: run.reports[0])
        let findings = BackupChecks.all.flatMap {
            $0.evaluate(policy, Observations(collectedAt: now, backup: result.observation), History(), now)
        }
        return (result, Dictionary(uniqueKeysWithValues: findings.map { ("\($0.check) \($0.resource)", $0) }))
    }

    static let everyFinding: Set<String> = [
        "backup.plan eks-mnemonica-6h-snapshots-180d", "backup.selection eks-mnemonica-prod",
        "backup.job_freshness eks-mnemonica-prod", "backup.job_failures eks-mnemonica-prod",
        "backup.copy eks-mnemonica-prod-vault-dr", "backup.coverage eks-mnemonica-prod-vault",
        "backup.coverage eks-mnemonica-prod-vault-dr", "backup.restore_tested eu-west-1",
        "backup.restore_tested eu-west-3",
    ]

    @Test func targetStateIsAllOKWithSamples() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let client = Self.client(simulator)
        let (result, findings) = await Self.cycle(client)
        #expect(result.report.success)
        #expect(Set(findings.keys) == Self.everyFinding)
        for (key, finding) in findings.sorted(by: { $0.key < $1.key }) {
            #expect(finding.state == .ok, "\(key): \(finding.message)")
        }
        let observation = result.observation
        #expect((observation.jobs.value?.count ?? 0) >= 719, "a COMPLETED job per 6-hour slot of 180 days")
        #expect((observation.recoveryPoints["eks-mnemonica-prod-vault-dr"]?.value?.count ?? 0) >= 719)
        let series = Set(result.samples.map { "\($0.series) \($0.labelKey)" })
        for expected in [
            "backup_snapshot_rpo_seconds vault=eks-mnemonica-prod-vault",
            "backup_snapshot_rpo_seconds vault=eks-mnemonica-prod-vault-dr",
            "backup_largest_gap_seconds vault=eks-mnemonica-prod-vault", "backup_newest_job_age_seconds ",
            "backup_jobs state=COMPLETED", "collector_success collector=backup",
        ] {
            #expect(series.contains(expected), "\(expected) in \(series.sorted())")
        }
        let rpo = result.samples.first {
            $0.series == .backupSnapshotRPOSeconds && $0.labels["vault"] == "eks-mnemonica-prod-vault"
        }
        #expect((rpo?.value ?? .infinity) <= 7 * 3600)
        // Every call is one of the issue's operations, authorised by its own IAM action.
        let actions = await client.calls.iamActions()
        #expect(
            actions == [
                "backup:ListBackupPlans", "backup:GetBackupPlan", "backup:ListBackupSelections",
                "backup:GetBackupSelection", "backup:ListBackupJobs", "backup:ListCopyJobs",
                "backup:ListRecoveryPointsByBackupVault", "backup:ListRestoreJobs",
            ])
    }

    @Test func listsFollowNextTokenToTheEnd() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let client = Self.client(simulator)
        let since = Date().addingTimeInterval(-181 * 86_400)
        let whole = try await Backup(client: client).listRecoveryPointsByBackupVault(
            vault: "eks-mnemonica-prod-vault", resourceARN: Self.backup.resourceARN, createdAfter: since,
            region: "eu-west-1")
        let paged = try await Backup(client: client, pageSize: 100).listRecoveryPointsByBackupVault(
            vault: "eks-mnemonica-prod-vault", resourceARN: Self.backup.resourceARN, createdAfter: since,
            region: "eu-west-1")
        #expect(whole.count > 700)
        #expect(paged.map { $0.string("RecoveryPointArn") } == whole.map { $0.string("RecoveryPointArn") })
        // createdAfter is a real filter: the last 2 days hold 8 or 9 six-hourly points.
        let recent = try await Backup(client: client).listRecoveryPointsByBackupVault(
            vault: "eks-mnemonica-prod-vault", resourceARN: Self.backup.resourceARN,
            createdAfter: Date().addingTimeInterval(-2 * 86_400), region: "eu-west-1")
        #expect((7...9).contains(recent.count), "\(recent.count)")
    }

    @Test func currentStateReportsTheDailyPlanInsteadOfTheGuides() async throws {
        let simulator = try await AWSSimulator.shared(.current)
        let (result, findings) = await Self.cycle(Self.client(simulator))
        let plan = try #require(findings["backup.plan eks-mnemonica-6h-snapshots-180d"])
        #expect(plan.state == .critical)
        #expect(
            plan.message.hasPrefix(
                "eks-mnemonica-6h-snapshots-180d: plan not found in eu-west-1; found instead Daily-35d-retention"))
        #expect(plan.message.contains("cron(0 5 ? * * *), 35 d, vault Default, no copy"))
        #expect(plan.message.hasSuffix("(Phase 6)"))
        // The DR vault does not exist yet: AWS answers ResourceNotFoundException, which is a
        // finding about the estate, not a failed collection.
        guard case .unavailable(let missing)? = result.observation.recoveryPoints["eks-mnemonica-prod-vault-dr"] else {
            Issue.record("the DR vault should not be listable in the current state")
            return
        }
        #expect(missing.code == "ResourceNotFoundException")
        #expect(findings["backup.copy eks-mnemonica-prod-vault-dr"]?.state == .critical)
    }

    struct FaultCase: Sendable, CustomTestStringConvertible {
        var fault: String
        /// `check resource` → state; every other backup finding stays OK.
        var expected: [String: CheckState]
        /// A fragment the first expected finding's message must contain.
        var says: String
        var testDescription: String { fault }
    }

    static let faults: [FaultCase] = [
        FaultCase(
            fault: "copy-action-missing", expected: ["backup.plan eks-mnemonica-6h-snapshots-180d": .critical],
            says: "no copy action to eks-mnemonica-prod-vault-dr (eu-west-3)"),
        FaultCase(
            fault: "backup-plan-daily", expected: ["backup.plan eks-mnemonica-6h-snapshots-180d": .critical],
            says: "schedule cron(0 5 ? * * *), recovery points deleted after 35 d, no copy action"),
        FaultCase(
            fault: "backup-selection-missing", expected: ["backup.selection eks-mnemonica-prod": .critical],
            says: "not covered by plan eks-mnemonica-6h-snapshots-180d (no selections)"),
        FaultCase(
            fault: "dr-vault-stale", expected: ["backup.copy eks-mnemonica-prod-vault-dr": .critical],
            says: "newest COMPLETED recovery point in eu-west-3 is 1"),
        // faults.py: "last-job-14h also makes the DR vault stale" — both freshness checks see it.
        // The newest copy is 14 h to 20 h old: when a scheduled run straddles the cut, the fault
        // removes that whole run (job and copy), leaving the run 6 h before it.
        FaultCase(
            fault: "last-job-14h",
            expected: [
                "backup.job_freshness eks-mnemonica-prod": .critical,
                "backup.copy eks-mnemonica-prod-vault-dr": .critical,
            ],
            says: "newest COMPLETED recovery point in eu-west-3 is "),
        FaultCase(
            fault: "failed-backup-job", expected: ["backup.job_failures eks-mnemonica-prod": .warning],
            says: "FAILED"),
        FaultCase(
            fault: "failed-copy-job", expected: ["backup.copy eks-mnemonica-prod-vault-dr": .warning],
            says: "Copy job failed: access denied to the destination vault's key."),
        FaultCase(
            fault: "coverage-gap", expected: ["backup.coverage eks-mnemonica-prod-vault": .warning],
            says: "1 gap longer than 6 h (+1 h grace) in the last 180 d"),
        FaultCase(
            fault: "no-restore-test",
            expected: ["backup.restore_tested eu-west-1": .warning, "backup.restore_tested eu-west-3": .warning],
            says: "newest COMPLETED restore job is 1"),
    ]

    @Test(arguments: faults) func eachFaultTurnsExactlyItsCheck(_ c: FaultCase) async throws {
        let simulator = try await AWSSimulator.start(state: .target)
        defer { Task { await simulator.stop() } }
        try await simulator.apply(fault: c.fault)
        let (result, findings) = await Self.cycle(Self.client(simulator))
        #expect(result.report.success, "every call answered")
        #expect(Set(findings.keys) == Self.everyFinding)
        let changed = findings.filter { $0.value.state != .ok }.mapValues(\.state)
        #expect(changed == c.expected, "\(findings.values.filter { $0.state != .ok }.map(\.message))")
        for key in c.expected.keys {
            let finding = try #require(findings[key])
            #expect(finding.message.hasPrefix("\(finding.resource): "), "\(finding.message)")
            #expect(finding.runbook != nil)
        }
        let first = try #require(findings[c.expected.keys.sorted()[0]])
        #expect(first.message.contains(c.says), "\(first.message)")
    }

    @Test func anUnreachableEndpointMakesEveryBackupCheckUnknown() async throws {
        // Port 1 on loopback refuses connections: every call fails, none crashes the cycle.
        let client = Self.client(endpoint: "http://127.0.0.1:1", key: "AKIDSIMULATOR", secret: "simulator-secret")
        let (result, findings) = await Self.cycle(client)
        #expect(!result.report.success)
        #expect(Set(findings.keys) == Self.everyFinding)
        for (key, finding) in findings {
            #expect(finding.state == .unknown, "\(key): \(finding.message)")
            #expect(finding.message.contains("backup:List"), "\(finding.message)")
            #expect(finding.message.contains("ConnectionFailed"), "\(finding.message)")
        }
        #expect(result.samples.map(\.series).sorted() == [Series.collectorDurationSeconds, Series.collectorSuccess])
    }
}
