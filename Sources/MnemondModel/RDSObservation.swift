import Foundation

/// DescribeDBInstances for one instance: what PITR and automated backups really look like.
public struct RDSInstanceObservation: Sendable, Codable, Equatable {
    public var identifier: String
    public var region: String
    public var engine: String
    public var status: String
    public var backupRetentionDays: Int
    /// `hh24:mi-hh24:mi` UTC.
    public var preferredBackupWindow: String?
    /// nil when RDS reports none (PITR impossible: retention 0, or a fresh instance).
    public var latestRestorableTime: Date?

    public init(
        identifier: String, region: String, engine: String, status: String, backupRetentionDays: Int,
        preferredBackupWindow: String?, latestRestorableTime: Date?
    ) {
        self.identifier = identifier
        self.region = region
        self.engine = engine
        self.status = status
        self.backupRetentionDays = backupRetentionDays
        self.preferredBackupWindow = preferredBackupWindow
        self.latestRestorableTime = latestRestorableTime
    }
}

/// The application role and its inline policy documents.
public struct RoleObservation: Sendable, Codable, Equatable {
    public var name: String
    /// nil when the role does not exist (GetRole answered NoSuchEntity).
    public var arn: String?
    /// Inline policies: name → statements.
    public var policies: [String: [PolicyStatement]]

    public init(name: String, arn: String?, policies: [String: [PolicyStatement]]) {
        self.name = name
        self.arn = arn
        self.policies = policies
    }

    public var exists: Bool { arn != nil }
}

/// One IAM policy statement, normalised: single strings become one-element lists.
public struct PolicyStatement: Sendable, Codable, Equatable {
    public var sid: String?
    /// `Allow` or `Deny`.
    public var effect: String
    public var actions: [String]
    public var notActions: [String]
    public var resources: [String]
    public var notResources: [String]
    /// True when the statement has a Condition (it may not always apply).
    public var hasCondition: Bool

    public init(
        sid: String? = nil, effect: String, actions: [String] = [], notActions: [String] = [], resources: [String] = [],
        notResources: [String] = [], hasCondition: Bool = false
    ) {
        self.sid = sid
        self.effect = effect
        self.actions = actions
        self.notActions = notActions
        self.resources = resources
        self.notResources = notResources
        self.hasCondition = hasCondition
    }
}
