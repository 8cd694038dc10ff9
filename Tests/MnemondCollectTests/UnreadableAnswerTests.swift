import Foundation
import MnemondModel
import Testing

@testable import MnemondAWS
@testable import MnemondCollect

/// Table-driven over recorded answer shapes. Absent and unreadable differ: absent is an answer, unreadable is an InvalidResponse naming the
/// field and the API action, which makes the checks that depend on it UNKNOWN — never a false
/// CRITICAL from a `?? 0` default.
@Suite struct UnreadableAnswerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var action: String
        var translate: @Sendable () throws -> Void
        /// `UnreadableField` description, or nil when the answer must translate.
        var invalid: String?
        var testDescription: String { name }
    }

    static func xml(_ text: String) throws -> XMLTree { try XMLTree.parse(Data(text.utf8)) }
    static func record(_ json: String) throws -> Backup.Record { try Backup.Record(json: Data(json.utf8)) }

    static func dbInstance(_ fields: String) -> String {
        "<DBInstance><DBInstanceIdentifier>eks-mnemonica-prod</DBInstanceIdentifier><Engine>postgres</Engine>"
            + "<DBInstanceStatus>available</DBInstanceStatus>\(fields)</DBInstance>"
    }

    static let alarmHead =
        "<member><AlarmName>a</AlarmName><StateValue>OK</StateValue><MetricName>ReplicationLatency</MetricName>"

    static let cases: [Case] = [
        // RDS DescribeDBInstances
        Case(
            name: "RDS retention as text", action: "rds:DescribeDBInstances",
            translate: {
                _ = try RDSCollector.instance(
                    try xml(dbInstance("<BackupRetentionPeriod>thirty-five</BackupRetentionPeriod>")),
                    region: "eu-west-1")
            }, invalid: #"BackupRetentionPeriod is not valid: "thirty-five""#),
        Case(
            name: "RDS retention absent", action: "rds:DescribeDBInstances",
            translate: { _ = try RDSCollector.instance(try xml(dbInstance("")), region: "eu-west-1") },
            invalid: #"BackupRetentionPeriod is not valid: "(absent)""#),
        Case(
            name: "RDS LatestRestorableTime garbage", action: "rds:DescribeDBInstances",
            translate: {
                _ = try RDSCollector.instance(
                    try xml(
                        dbInstance(
                            "<BackupRetentionPeriod>35</BackupRetentionPeriod><LatestRestorableTime>garbage</LatestRestorableTime>"
                        )), region: "eu-west-1")
            }, invalid: #"LatestRestorableTime is not valid: "garbage""#),
        Case(
            name: "RDS LatestRestorableTime absent is an answer", action: "rds:DescribeDBInstances",
            translate: {
                let instance = try RDSCollector.instance(
                    try xml(dbInstance("<BackupRetentionPeriod>0</BackupRetentionPeriod>")), region: "eu-west-1")
                #expect(instance.latestRestorableTime == nil && instance.backupRetentionDays == 0)
            }, invalid: nil),
        // S3
        Case(
            name: "S3 noncurrent days as text", action: "s3:GetBucketLifecycleConfiguration",
            translate: {
                _ = try S3Collector.lifecycleRules(
                    try xml(
                        "<LifecycleConfiguration><Rule><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>35d</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>"
                    ))
            }, invalid: #"NoncurrentVersionExpiration.NoncurrentDays is not valid: "35d""#),
        Case(
            name: "S3 lifecycle status unknown", action: "s3:GetBucketLifecycleConfiguration",
            translate: {
                _ = try S3Collector.lifecycleRules(
                    try xml("<LifecycleConfiguration><Rule><Status>On</Status></Rule></LifecycleConfiguration>"))
            }, invalid: #"Status is not valid: "On""#),
        Case(
            name: "S3 versioning status unknown", action: "s3:GetBucketVersioning",
            translate: {
                _ = try S3Collector.versioning(
                    try xml("<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>"))
            }, invalid: #"Status is not valid: "enabled""#),
        Case(
            name: "S3 bucket key not a boolean", action: "s3:GetBucketEncryption",
            translate: {
                _ = try S3Collector.encryption(
                    try xml(
                        "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>yes</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>"
                    ))
            }, invalid: #"BucketKeyEnabled is not valid: "yes""#),
        Case(
            name: "S3 object lock days as text", action: "s3:GetObjectLockConfiguration",
            translate: {
                _ = try S3Collector.objectLock(
                    try xml(
                        "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>many</Days></DefaultRetention></Rule></ObjectLockConfiguration>"
                    ))
            }, invalid: #"Rule.DefaultRetention.Days is not valid: "many""#),
        Case(
            name: "S3 replication metrics status unknown", action: "s3:GetBucketReplication",
            translate: {
                _ = try S3Collector.replication(
                    try xml(
                        "<ReplicationConfiguration><Role>r</Role><Rule><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::b</Bucket><Metrics><Status>Yes</Status></Metrics></Destination></Rule></ReplicationConfiguration>"
                    ))
            }, invalid: #"Destination.Metrics.Status is not valid: "Yes""#),
        // IAM
        Case(
            name: "IAM statement without Effect", action: "iam:GetRole",
            translate: { _ = try IAMCollector.statements(#"{"Statement":[{"Action":"s3:*","Resource":"*"}]}"#) },
            invalid: #"Statement[0].Effect is not valid: "(absent)""#),
        Case(
            name: "IAM action list with a number", action: "iam:GetRole",
            translate: {
                _ = try IAMCollector.statements(
                    #"{"Statement":[{"Effect":"Deny","Action":["s3:DeleteObjectVersion",7],"Resource":"*"}]}"#)
            }, invalid: #"Statement[0].Action is not valid: "7""#),
        // AWS Backup
        Case(
            name: "Backup DeleteAfterDays 1e300", action: "backup:GetBackupPlan",
            translate: {
                _ = try BackupCollector.plan(
                    try record(
                        #"{"BackupPlanId":"p","BackupPlan":{"BackupPlanName":"n","Rules":[{"RuleName":"r","Lifecycle":{"DeleteAfterDays":1e300}}]}}"#
                    ), selections: [], region: "eu-west-1")
            }, invalid: "Rules.Lifecycle.DeleteAfterDays is not valid"),
        Case(
            name: "Backup selection resource not a string", action: "backup:GetBackupPlan",
            translate: {
                _ = try BackupCollector.plan(
                    try record(#"{"BackupPlanId":"p","BackupPlan":{"BackupPlanName":"n","Rules":[]}}"#),
                    selections: [try record(#"{"SelectionId":"s","BackupSelection":{"Resources":["arn:a",{"x":1}]}}"#)],
                    region: "eu-west-1")
            }, invalid: "BackupSelection.Resources[1] is not valid"),
        // CloudWatch
        Case(
            name: "Alarm threshold as text", action: "cloudwatch:DescribeAlarms",
            translate: {
                _ = try MonitoringCollector.alarm(
                    try xml(alarmHead + "<Threshold>fifteen minutes</Threshold></member>"), region: "eu-west-1")
            }, invalid: #"Threshold is not valid: "fifteen minutes""#),
        Case(
            name: "Alarm state time garbage", action: "cloudwatch:DescribeAlarms",
            translate: {
                _ = try MonitoringCollector.alarm(
                    try xml(alarmHead + "<StateUpdatedTimestamp>yesterday</StateUpdatedTimestamp></member>"),
                    region: "eu-west-1")
            }, invalid: #"StateUpdatedTimestamp is not valid: "yesterday""#),
    ]

    @Test(arguments: cases)
    func anUnreadableValueIsAnInvalidResponseNotADefault(_ row: Case) async {
        let observed = await observe(row.action, resource: "r", region: "eu-west-1") { try row.translate() }
        switch (observed, row.invalid) {
        case (.value, nil): break
        case (.unavailable(let reason), let want?):
            #expect(reason.code == "InvalidResponse")
            #expect(reason.action == row.action)
            #expect(reason.message.hasPrefix(want), "\(reason.message)")
        case (.unavailable(let reason), nil):
            Issue.record("unexpected: \(reason)")
        case (.value, let want?):
            Issue.record("translated although \(want)")
        }
    }
}
