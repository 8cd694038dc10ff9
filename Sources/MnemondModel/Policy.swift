import Foundation

/// The promises mnemond checks, decoded from the configuration. Pure values: the checks read
/// them, nothing here does I/O.
public struct Policy: Sendable, Equatable {
    /// The AWS account the credentials must resolve to (guide: 828879644785).
    public var accountID: String
    public var buckets: [BucketPolicy]
    public var acceptedRisks: [AcceptedRisk]
    public var rds: [RDSPolicy]
    public var backup: BackupPolicy?
    public var monitoring: MonitoringPolicy?
    public var appRole: AppRolePolicy?
    /// What the guide's restore procedures depend on (nil: not checked).
    public var recoveryPath: RecoveryPathPolicy?

    public init(
        accountID: String, buckets: [BucketPolicy], acceptedRisks: [AcceptedRisk] = [], rds: [RDSPolicy] = [],
        backup: BackupPolicy? = nil, monitoring: MonitoringPolicy? = nil, appRole: AppRolePolicy? = nil,
        recoveryPath: RecoveryPathPolicy? = nil
    ) {
        self.accountID = accountID
        self.buckets = buckets
        self.acceptedRisks = acceptedRisks
        self.rds = rds
        self.backup = backup
        self.monitoring = monitoring
        self.appRole = appRole
        self.recoveryPath = recoveryPath
    }

    public func bucket(_ name: String) -> BucketPolicy? { buckets.first { $0.name == name } }

    /// The accepted risk covering a finding, if any is in force at `now`.
    public func acceptedRisk(for check: CheckID, resource: String, at now: Date) -> AcceptedRisk? {
        acceptedRisks.first { $0.covers(check, resource: resource, at: now) }
    }
}

public struct BucketPolicy: Sendable, Equatable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        /// Written by the application, replicated elsewhere.
        case source
        /// The cross-region copy that the disaster-recovery scenarios restore from.
        case replica
    }

    public var name: String
    public var region: String
    public var role: Role
    /// Noncurrent versions must expire after exactly this many days.
    public var noncurrentDays: Int
    /// Where the guide configures this bucket (`Phase 2B`).
    public var guide: String
    /// Sources: objects move to Intelligent-Tiering on day 0.
    public var intelligentTieringDay0: Bool
    /// Incomplete multipart uploads are aborted after this many days (nil: not promised).
    public var abortMultipartDays: Int?
    /// Default encryption promised (nil: not checked).
    public var encryption: EncryptionPromise?
    /// Object Lock promised on this bucket (nil: not promised).
    public var objectLock: ObjectLockPromise?
    /// Sources: the replication rule promised (nil for replicas).
    public var replication: ReplicationPromise?

    public init(
        name: String, region: String, role: Role, noncurrentDays: Int, guide: String,
        intelligentTieringDay0: Bool = false, abortMultipartDays: Int? = nil, encryption: EncryptionPromise? = nil,
        objectLock: ObjectLockPromise? = nil, replication: ReplicationPromise? = nil
    ) {
        self.name = name
        self.region = region
        self.role = role
        self.noncurrentDays = noncurrentDays
        self.guide = guide
        self.intelligentTieringDay0 = intelligentTieringDay0
        self.abortMultipartDays = abortMultipartDays
        self.encryption = encryption
        self.objectLock = objectLock
        self.replication = replication
    }
}

public struct EncryptionPromise: Sendable, Equatable {
    public var algorithm: String
    public var bucketKey: Bool
    /// Where the guide states this encryption (`Step 2A.1`); nil: the bucket's `guide`.
    public var guide: String?
    public init(algorithm: String, bucketKey: Bool, guide: String? = nil) {
        self.algorithm = algorithm
        self.bucketKey = bucketKey
        self.guide = guide
    }
}

public struct ObjectLockPromise: Sendable, Equatable {
    public var mode: String
    public var days: Int
    public init(mode: String, days: Int) {
        self.mode = mode
        self.days = days
    }
}

public struct ReplicationPromise: Sendable, Equatable {
    public var destinationBucket: String
    public var storageClass: String
    public var deleteMarkerReplication: Bool
    public var metricsEnabled: Bool
    /// The rule ID the alarms' RuleId dimension uses (nil: any rule to the destination).
    public var ruleID: String?
    /// Replication latency (Maximum over 5-minute periods) above this is critical.
    public var latencyCriticalSeconds: Int
    /// How many consecutive 5-minute periods must breach (the guide's alarm: 2).
    public var latencyPeriods: Int
    public var guide: String

    /// Guide Phase 3: replication latency under 15 min, breached for 2 periods by the alarm.
    public static let defaultLatencyCriticalSeconds = 900
    public static let defaultLatencyPeriods = 2

    public init(
        destinationBucket: String, storageClass: String, deleteMarkerReplication: Bool, metricsEnabled: Bool,
        ruleID: String?, latencyCriticalSeconds: Int = defaultLatencyCriticalSeconds,
        latencyPeriods: Int = defaultLatencyPeriods, guide: String = "Phase 3"
    ) {
        self.destinationBucket = destinationBucket
        self.storageClass = storageClass
        self.deleteMarkerReplication = deleteMarkerReplication
        self.metricsEnabled = metricsEnabled
        self.ruleID = ruleID
        self.latencyCriticalSeconds = latencyCriticalSeconds
        self.latencyPeriods = latencyPeriods
        self.guide = guide
    }
}

/// Guide Phase 5: RDS automated backups and PITR.
public struct RDSPolicy: Sendable, Equatable {
    public var identifier: String
    public var region: String
    public var retentionDays: Int
    /// `22:00-00:00` (UTC).
    public var backupWindow: String?
    /// now − LatestRestorableTime above this is a warning. AWS typically trails by ~5 min.
    public var pitrWarningSeconds: Int
    public var pitrCriticalSeconds: Int

    /// LatestRestorableTime typically trails by ~5 min, so the default warning is 10 min.
    public static let defaultPITRWarningSeconds = 600
    public static let defaultPITRCriticalSeconds = 1800

    public init(
        identifier: String, region: String, retentionDays: Int, backupWindow: String?,
        pitrWarningSeconds: Int = defaultPITRWarningSeconds, pitrCriticalSeconds: Int = defaultPITRCriticalSeconds
    ) {
        self.identifier = identifier
        self.region = region
        self.retentionDays = retentionDays
        self.backupWindow = backupWindow
        self.pitrWarningSeconds = pitrWarningSeconds
        self.pitrCriticalSeconds = pitrCriticalSeconds
    }
}

/// Guide Phase 6: the AWS Backup plan, its jobs, copies, recovery points and restore tests.
public struct BackupPolicy: Sendable, Equatable {
    public var region: String
    public var planName: String
    public var ruleName: String
    public var schedule: String
    public var intervalHours: Int
    public var graceHours: Int
    public var retentionDays: Int
    public var vault: String
    /// The protected resource (the RDS instance ARN).
    public var resourceARN: String
    public var drRegion: String
    public var drVault: String
    public var drRetentionDays: Int
    /// Guide maintenance: a restore test monthly, a DR-region restore quarterly.
    public var restoreTestDays: Int
    public var drRestoreTestDays: Int
    /// The recoverability ledger: how long after a primary recovery point completes its DR copy
    /// may take before the point counts as unpaired, and is added to Scenario 3's RPO limit.
    public var copyGraceMinutes: Int
    /// The retention guard: "if no backup succeeds from now on, Scenario 2 loses its last
    /// restorable point on <date>" is critical when that date is this close.
    public var lastPointHorizonDays: Int

    /// The guide's schedule: a backup every 6 hours (Phase 6).
    public static let defaultIntervalHours = 6
    public static let defaultGraceHours = 1
    public static let defaultRestoreTestDays = 30
    public static let defaultDRRestoreTestDays = 90
    /// The simulated healthy copy lands 15–40 min after its source point completes; AWS gives no
    /// bound, so an hour keeps a slow copy from paging while a stopped one does within a cycle.
    public static let defaultCopyGraceMinutes = 60
    public static let defaultLastPointHorizonDays = 7

    public init(
        region: String, planName: String, ruleName: String, schedule: String, intervalHours: Int, graceHours: Int,
        retentionDays: Int, vault: String, resourceARN: String, drRegion: String, drVault: String,
        drRetentionDays: Int, restoreTestDays: Int = defaultRestoreTestDays,
        drRestoreTestDays: Int = defaultDRRestoreTestDays, copyGraceMinutes: Int = defaultCopyGraceMinutes,
        lastPointHorizonDays: Int = defaultLastPointHorizonDays
    ) {
        self.copyGraceMinutes = copyGraceMinutes
        self.lastPointHorizonDays = lastPointHorizonDays
        self.region = region
        self.planName = planName
        self.ruleName = ruleName
        self.schedule = schedule
        self.intervalHours = intervalHours
        self.graceHours = graceHours
        self.retentionDays = retentionDays
        self.vault = vault
        self.resourceARN = resourceARN
        self.drRegion = drRegion
        self.drVault = drVault
        self.drRetentionDays = drRetentionDays
        self.restoreTestDays = restoreTestDays
        self.drRestoreTestDays = drRestoreTestDays
    }

    /// The DR vault's ARN as a copy action names it.
    public func drVaultARN(account: String) -> String {
        "arn:aws:backup:\(drRegion):\(account):backup-vault:\(drVault)"
    }

    /// Schedule interval plus grace: the oldest a newest backup may be.
    public var maxAgeSeconds: Int { (intervalHours + graceHours) * 3600 }
}

/// Guide Phase 8: topics, alarms and EventBridge rules that must exist and work, and the
/// thresholds of the metric checks.
public struct MonitoringPolicy: Sendable, Equatable {
    public var topics: [TopicPromise]
    public var alarms: [AlarmPromise]
    public var eventRules: [EventRulePromise]
    /// Replica object count: the robust band is computed over this many days of history.
    public var objectCountWindowDays: Int
    /// A drop below median − factor × MAD (scaled) is critical.
    public var objectCountMADFactor: Double
    /// The replica may trail the source's object count by at most this fraction.
    public var replicaLagFraction: Double

    public static let defaultObjectCountWindowDays = 14
    public static let defaultObjectCountMADFactor: Double = 5
    public static let defaultReplicaLagFraction = 0.05

    public init(
        topics: [TopicPromise], alarms: [AlarmPromise], eventRules: [EventRulePromise],
        objectCountWindowDays: Int = defaultObjectCountWindowDays,
        objectCountMADFactor: Double = defaultObjectCountMADFactor,
        replicaLagFraction: Double = defaultReplicaLagFraction
    ) {
        self.topics = topics
        self.alarms = alarms
        self.eventRules = eventRules
        self.objectCountWindowDays = objectCountWindowDays
        self.objectCountMADFactor = objectCountMADFactor
        self.replicaLagFraction = replicaLagFraction
    }
}

public struct TopicPromise: Sendable, Equatable {
    public var arn: String
    public var requireEmail: Bool
    public var requireHTTPS: Bool
    public init(arn: String, requireEmail: Bool, requireHTTPS: Bool) {
        self.arn = arn
        self.requireEmail = requireEmail
        self.requireHTTPS = requireHTTPS
    }
}

public struct AlarmPromise: Sendable, Equatable {
    public var name: String
    /// Where the alarm is expected to live (nil: where its metric is published).
    public var region: String?
    public var metric: String
    public var dimensions: [String: String]
    public var threshold: Double?
    public var topicARN: String?
    public init(
        name: String, region: String?, metric: String, dimensions: [String: String], threshold: Double?,
        topicARN: String?
    ) {
        self.name = name
        self.region = region
        self.metric = metric
        self.dimensions = dimensions
        self.threshold = threshold
        self.topicARN = topicARN
    }
}

public struct EventRulePromise: Sendable, Equatable {
    public var name: String
    public var region: String
    public var topicARN: String
    public init(name: String, region: String, topicARN: String) {
        self.name = name
        self.region = region
        self.topicARN = topicARN
    }
}

/// Guide Phase 4: the application role's allows and explicit denies.
public struct AppRolePolicy: Sendable, Equatable {
    public var name: String
    public var sourceBuckets: [String]
    public var replicaBuckets: [String]
    public init(name: String, sourceBuckets: [String], replicaBuckets: [String]) {
        self.name = name
        self.sourceBuckets = sourceBuckets
        self.replicaBuckets = replicaBuckets
    }
}

/// Recovery Procedures, Scenario 2/3: what `aws backup start-restore-job` needs besides a
/// recovery point. The vaults, plan and regions come from `backup`; this names the restore role
/// and the DR landing zone of the restored instance.
public struct RecoveryPathPolicy: Sendable, Equatable {
    /// The `--iam-role-arn` of the guide's restore commands.
    public var restoreRoleARN: String
    /// The instance Scenario 3 restores in the DR region (`eks-mnemonica-prod-dr`).
    public var drInstance: String
    /// The protected instance in the primary region whose groups the DR landing zone mirrors.
    public var sourceInstance: String
    public var sourceRegion: String
    /// DR-region group names; nil: the same name as the source instance uses.
    public var dbSubnetGroup: String?
    public var dbParameterGroup: String?
    public var optionGroup: String?
    /// The role (name or ARN) that runs the guide's S3 restores from the replicas (Scenario 2's
    /// `restore-object` and `cp`); nil: not configured, and the S3 restore permission is not
    /// checked (the finding says so).
    public var s3RecoveryOperatorRole: String?

    public init(
        restoreRoleARN: String, drInstance: String, sourceInstance: String, sourceRegion: String,
        dbSubnetGroup: String? = nil, dbParameterGroup: String? = nil, optionGroup: String? = nil,
        s3RecoveryOperatorRole: String? = nil
    ) {
        self.restoreRoleARN = restoreRoleARN
        self.drInstance = drInstance
        self.sourceInstance = sourceInstance
        self.sourceRegion = sourceRegion
        self.dbSubnetGroup = dbSubnetGroup
        self.dbParameterGroup = dbParameterGroup
        self.optionGroup = optionGroup
        self.s3RecoveryOperatorRole = s3RecoveryOperatorRole
    }

    /// What the S3 recovery operator must be allowed on a replica's objects: Scenario 2's
    /// `aws s3api restore-object` and the download of the restored copy.
    public static let s3RestoreActions = ["s3:GetObject", "s3:RestoreObject"]

    /// The object ARN pattern the S3 restore permissions are evaluated on.
    public static func replicaObjectsARN(_ bucket: String) -> String { "arn:aws:s3:::\(bucket)/*" }

    /// The guide's restore role in `account`.
    public static func defaultRestoreRoleARN(account: String) -> String {
        "arn:aws:iam::\(account):role/service-role/AWSBackupDefaultServiceRole"
    }

    /// The role name of an IAM role ARN (the last path segment), as GetRole takes it.
    public static func roleName(_ arn: String) -> String {
        guard let resource = arn.split(separator: ":", omittingEmptySubsequences: false).last,
            resource.hasPrefix("role/")
        else { return arn }
        return String(resource.split(separator: "/").last ?? Substring(arn))
    }
}
