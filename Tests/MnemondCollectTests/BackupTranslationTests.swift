import Foundation
import MnemondModel
import Testing

@testable import MnemondAWS
@testable import MnemondCollect

/// AWS Backup's answers (shapes recorded from the simulator, which builds them from botocore's
/// output shapes: timestamps are epoch seconds) → typed observations and samples.
@Suite struct BackupTranslationTests {
    static let rdsARN = "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod"

    static func record(_ json: String) throws -> Backup.Record { try Backup.Record(json: Data(json.utf8)) }

    @Test func aPlanWithItsRuleCopyActionAndSelection() throws {
        let plan = try Self.record(
            """
            {"BackupPlanId": "cce8f3e4-aa3e-4a68-9f6e-8fb871e79a00",
             "BackupPlanArn": "arn:aws:backup:eu-west-1:828879644785:backup-plan:cce8f3e4-aa3e-4a68-9f6e-8fb871e79a00",
             "CreationDate": 1795571495.099352, "VersionId": "YNl4D7Qu0iG31fRVxE0Wl1DnSXmRjABefP1lCGmQ2CIwDrGp",
             "BackupPlan": {"BackupPlanName": "eks-mnemonica-6h-snapshots-180d", "Rules": [
               {"RuleName": "6-Hour-Snapshots-180-Day-Retention-DR-Copy", "TargetBackupVaultName": "eks-mnemonica-prod-vault",
                "ScheduleExpression": "cron(0 */6 * * ? *)", "ScheduleExpressionTimezone": "Etc/UTC",
                "StartWindowMinutes": 60, "CompletionWindowMinutes": 360, "Lifecycle": {"DeleteAfterDays": 180},
                "EnableContinuousBackup": false,
                "CopyActions": [{"DestinationBackupVaultArn": "arn:aws:backup:eu-west-3:828879644785:backup-vault:eks-mnemonica-prod-vault-dr",
                                 "Lifecycle": {"DeleteAfterDays": 180}}],
                "RuleId": "4fc9c8f2-7002-421e-bae3-23f584fbacc7"}]},
             "CreatorRequestId": "c7fe6229-96f9-4902-b9ec-eb73868eb6cb"}
            """)
        let selection = try Self.record(
            """
            {"BackupSelection": {"SelectionName": "eks-mnemonica-prod-rds",
               "IamRoleArn": "arn:aws:iam::828879644785:role/service-role/AWSBackupDefaultServiceRole",
               "Resources": ["arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod"]},
             "SelectionId": "4195ae6a-df64-4ebb-a4dc-7191ba985833", "BackupPlanId": "cce8f3e4-aa3e-4a68-9f6e-8fb871e79a00",
             "CreationDate": 1795571495.102, "CreatorRequestId": "c2f68416-5d73-4c24-80a9-d050e768a9a0"}
            """)
        let translated = try BackupCollector.plan(plan, selections: [selection], region: "eu-west-1")
        #expect(
            translated
                == BackupPlan(
                    id: "cce8f3e4-aa3e-4a68-9f6e-8fb871e79a00", name: "eks-mnemonica-6h-snapshots-180d",
                    rules: [
                        BackupRule(
                            name: "6-Hour-Snapshots-180-Day-Retention-DR-Copy", schedule: "cron(0 */6 * * ? *)",
                            targetVault: "eks-mnemonica-prod-vault", deleteAfterDays: 180, continuousBackup: false,
                            copyActions: [
                                .init(
                                    destinationVaultARN:
                                        "arn:aws:backup:eu-west-3:828879644785:backup-vault:eks-mnemonica-prod-vault-dr",
                                    deleteAfterDays: 180)
                            ], startWindowMinutes: 60, completionWindowMinutes: 360, scheduleTimeZone: "Etc/UTC")
                    ],
                    selections: [BackupSelection(name: "eks-mnemonica-prod-rds", resources: [Self.rdsARN])]))
    }

    @Test func aRuleWithoutLifecycleOrCopiesAndContinuousBackupOn() throws {
        let plan = try Self.record(
            """
            {"BackupPlanId": "p", "BackupPlan": {"BackupPlanName": "Daily-35d-retention", "Rules": [
              {"RuleName": "pitr", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(0 5 ? * * *)",
               "EnableContinuousBackup": true}]}}
            """)
        let rule = try BackupCollector.plan(plan, selections: [], region: "eu-west-1").rules[0]
        #expect(rule.deleteAfterDays == nil)
        #expect(rule.continuousBackup)
        #expect(rule.copyActions.isEmpty)
    }

    @Test func aPlanAnswerWithoutItsDocumentIsInvalid() throws {
        #expect(throws: AWSError.self) {
            try BackupCollector.plan(try Self.record(#"{"BackupPlanId": "p"}"#), selections: [], region: "eu-west-1")
        }
    }

    @Test func backupJobsKeepStateDatesVaultAndStatusMessage() throws {
        let page = try Self.record(
            """
            {"BackupJobs": [
              {"AccountId": "828879644785", "BackupJobId": "FF9F7A3F-7155-D774-1E10-9D894F8A1586",
               "BackupVaultName": "eks-mnemonica-prod-vault",
               "BackupVaultArn": "arn:aws:backup:eu-west-1:828879644785:backup-vault:eks-mnemonica-prod-vault",
               "RecoveryPointArn": "arn:aws:rds:eu-west-1:828879644785:snapshot:awsbackup:job-ff9f7a3f-7155-d774-1e10-9d894f8a1586",
               "ResourceArn": "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod",
               "CreationDate": 1795564800, "CompletionDate": 1795565683, "State": "COMPLETED", "PercentDone": "100.0",
               "BackupSizeInBytes": 52961000000, "StartBy": 1795568400, "ResourceType": "RDS", "MessageCategory": "SUCCESS"},
              {"BackupJobId": "F41", "BackupVaultName": "eks-mnemonica-prod-vault",
               "ResourceArn": "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod",
               "CreationDate": 1795561200.5, "State": "FAILED",
               "StatusMessage": "Backup job failed because the DB instance was in an incompatible state."}]}
            """)
        let jobs = try BackupCollector.backupJobs(page.records("BackupJobs"), region: "eu-west-1")
        #expect(
            jobs == [
                BackupJob(
                    id: "FF9F7A3F-7155-D774-1E10-9D894F8A1586", state: "COMPLETED", resourceARN: Self.rdsARN,
                    vault: "eks-mnemonica-prod-vault", createdAt: Date(timeIntervalSince1970: 1_795_564_800),
                    completedAt: Date(timeIntervalSince1970: 1_795_565_683), statusMessage: nil),
                BackupJob(
                    id: "F41", state: "FAILED", resourceARN: Self.rdsARN, vault: "eks-mnemonica-prod-vault",
                    createdAt: Date(timeIntervalSince1970: 1_795_561_200.5), completedAt: nil,
                    statusMessage: "Backup job failed because the DB instance was in an incompatible state."),
            ])
    }

    @Test func aJobWithoutCreationDateMakesTheAnswerInvalid() throws {
        let page = try Self.record(#"{"BackupJobs": [{"BackupJobId": "x", "State": "COMPLETED"}]}"#)
        do {
            _ = try BackupCollector.backupJobs(page.records("BackupJobs"), region: "eu-west-1")
            Issue.record("accepted a job without CreationDate")
        } catch let error as AWSError {
            #expect(error.code == "InvalidResponse")
            #expect(error.qualifiedAction == "backup:ListBackupJobs")
            #expect(error.message == "BackupJobs[0] lacks BackupJobId, State or CreationDate")
        }
    }

    @Test func copyJobsKeepTheirDestinationVault() throws {
        let page = try Self.record(
            """
            {"CopyJobs": [{"AccountId": "828879644785", "CopyJobId": "3558925C-901D-DF5E-039C-AB4B321BDEBA",
              "SourceBackupVaultArn": "arn:aws:backup:eu-west-1:828879644785:backup-vault:eks-mnemonica-prod-vault",
              "DestinationBackupVaultArn": "arn:aws:backup:eu-west-3:828879644785:backup-vault:eks-mnemonica-prod-vault-dr",
              "ResourceArn": "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod",
              "SourceRecoveryPointArn": "arn:aws:rds:eu-west-1:828879644785:snapshot:awsbackup:job-1",
              "DestinationRecoveryPointArn": "arn:aws:rds:eu-west-3:828879644785:snapshot:awsbackup:copyjob-1",
              "CreationDate": 1795565829, "CompletionDate": 1795567389, "State": "COMPLETED", "ResourceType": "RDS"}]}
            """)
        #expect(
            try BackupCollector.copyJobs(page.records("CopyJobs"), region: "eu-west-1") == [
                CopyJob(
                    id: "3558925C-901D-DF5E-039C-AB4B321BDEBA", state: "COMPLETED", resourceARN: Self.rdsARN,
                    destinationVaultARN:
                        "arn:aws:backup:eu-west-3:828879644785:backup-vault:eks-mnemonica-prod-vault-dr",
                    createdAt: Date(timeIntervalSince1970: 1_795_565_829),
                    completedAt: Date(timeIntervalSince1970: 1_795_567_389), statusMessage: nil,
                    sourceRecoveryPointARN: "arn:aws:rds:eu-west-1:828879644785:snapshot:awsbackup:job-1",
                    destinationRecoveryPointARN: "arn:aws:rds:eu-west-3:828879644785:snapshot:awsbackup:copyjob-1")
            ])
    }

    @Test func recoveryPointsOfTheDRVault() throws {
        let page = try Self.record(
            """
            {"NextToken": "MQ==", "RecoveryPoints": [{
              "RecoveryPointArn": "arn:aws:rds:eu-west-3:828879644785:snapshot:awsbackup:copyjob-3558925c-901d-df5e-039c-ab4b321bdeba",
              "BackupVaultName": "eks-mnemonica-prod-vault-dr",
              "BackupVaultArn": "arn:aws:backup:eu-west-3:828879644785:backup-vault:eks-mnemonica-prod-vault-dr",
              "SourceBackupVaultArn": "arn:aws:backup:eu-west-1:828879644785:backup-vault:eks-mnemonica-prod-vault",
              "ResourceArn": "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod", "ResourceType": "RDS",
              "Status": "COMPLETED", "CreationDate": 1795565829, "CompletionDate": 1795567389,
              "CalculatedLifecycle": {"DeleteAt": 1811117829}, "Lifecycle": {"DeleteAfterDays": 180}}]}
            """)
        #expect(page.string("NextToken") == "MQ==")
        #expect(
            try BackupCollector.recoveryPoints(
                page.records("RecoveryPoints"), vault: "eks-mnemonica-prod-vault-dr", region: "eu-west-3")
                == [
                    RecoveryPoint(
                        arn:
                            "arn:aws:rds:eu-west-3:828879644785:snapshot:awsbackup:copyjob-3558925c-901d-df5e-039c-ab4b321bdeba",
                        vault: "eks-mnemonica-prod-vault-dr", resourceARN: Self.rdsARN,
                        createdAt: Date(timeIntervalSince1970: 1_795_565_829), status: "COMPLETED",
                        completedAt: Date(timeIntervalSince1970: 1_795_567_389),
                        deleteAt: Date(timeIntervalSince1970: 1_811_117_829))
                ])
    }

    @Test func restoreJobs() throws {
        let page = try Self.record(
            """
            {"RestoreJobs": [{"AccountId": "828879644785", "RestoreJobId": "81867C91-8994-4A99-8D76-4172B53C6ACD",
              "RecoveryPointArn": "arn:aws:rds:eu-west-1:828879644785:snapshot:awsbackup:job-0522c5f8-4546-84d4-79dd-ce2e137e32f3",
              "CreationDate": 1794707494.418, "CompletionDate": 1794710014.418, "Status": "COMPLETED", "PercentDone": "100.0",
              "CreatedResourceArn": "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod-restore-test",
              "ResourceType": "RDS", "RecoveryPointCreationDate": 1794679200}]}
            """)
        #expect(
            try BackupCollector.restoreJobs(page.records("RestoreJobs"), region: "eu-west-1") == [
                RestoreJob(
                    id: "81867C91-8994-4A99-8D76-4172B53C6ACD", status: "COMPLETED",
                    createdAt: Date(timeIntervalSince1970: 1_794_707_494.418),
                    completedAt: Date(timeIntervalSince1970: 1_794_710_014.418))
            ])
    }

    @Test(arguments: [
        (#"{"t": 1795564800}"#, 1_795_564_800.0), (#"{"t": 1795571495.099352}"#, 1_795_571_495.099352),
        (#"{"t": "2026-11-24T14:00:00Z"}"#, 1_795_528_800.0), (#"{"t": "2026-11-24T14:00:00.250Z"}"#, 1_795_528_800.25),
    ])
    func timestampsAreEpochSecondsOrISO8601(json: String, seconds: Double) throws {
        let date = try #require(try Self.record(json).date("t"))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.001)
    }

    @Test func queryTimestampsAreISO8601InUTC() {
        #expect(Backup.timestamp(Date(timeIntervalSince1970: 1_795_528_800.7)) == "2026-11-24T14:00:00Z")
    }

    @Test func samplesMeasureRPOJobAgeStatesAndGaps() {
        let now = Date(timeIntervalSince1970: 1_795_528_800)
        func ago(_ hours: Double) -> Date { now.addingTimeInterval(-hours * 3600) }
        func point(_ vault: String, _ hours: Double, status: String = "COMPLETED") -> RecoveryPoint {
            RecoveryPoint(
                arn: "rp-\(vault)-\(hours)", vault: vault, resourceARN: Self.rdsARN, createdAt: ago(hours),
                status: status)
        }
        func job(_ state: String, _ hours: Double) -> BackupJob {
            BackupJob(
                id: "\(state)-\(hours)", state: state, resourceARN: Self.rdsARN, vault: "v", createdAt: ago(hours),
                completedAt: nil, statusMessage: nil)
        }
        let observation = BackupObservation(
            plans: .value([]),
            jobs: .value([job("COMPLETED", 2), job("COMPLETED", 8), job("FAILED", 1)]),
            copyJobs: .value([]),
            recoveryPoints: [
                "eks-mnemonica-prod-vault": .value([
                    point("p", 2), point("p", 8), point("p", 26), point("p", 1, status: "PARTIAL"),
                ]),
                "eks-mnemonica-prod-vault-dr": .unavailable(
                    Unavailable(
                        action: "backup:ListRecoveryPointsByBackupVault", code: "ResourceNotFoundException", message: ""
                    )),
            ],
            restoreJobs: [:])
        let samples = BackupCollector.samples(observation, resourceARN: Self.rdsARN, at: now)
        func value(_ series: Series, _ labels: [String: String] = [:]) -> Double? {
            samples.first { $0.series == series && $0.labels == labels }?.value
        }
        // Dates count from 2001, so differences of epoch instants carry float noise: compare to the second.
        #expect(
            value(.backupSnapshotRPOSeconds, ["vault": "eks-mnemonica-prod-vault"]).map { $0.rounded() } == 7200)
        #expect(
            value(.backupLargestGapSeconds, ["vault": "eks-mnemonica-prod-vault"]).map { $0.rounded() } == 64800)
        #expect(value(.backupSnapshotRPOSeconds, ["vault": "eks-mnemonica-prod-vault-dr"]) == nil)
        #expect(value(.backupNewestJobAgeSeconds).map { $0.rounded() } == 7200)
        #expect(value(.backupJobs, ["state": "COMPLETED"]) == 2)
        #expect(value(.backupJobs, ["state": "FAILED"]) == 1)
        #expect(samples.allSatisfy { $0.time == now })
    }
}
