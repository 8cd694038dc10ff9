import Foundation

/// What AWS Backup shows in the primary and DR regions.
public struct BackupObservation: Sendable, Codable, Equatable {
    /// Plans (with rules and selections) in the primary region.
    public var plans: Observed<[BackupPlan]>
    /// Backup jobs for the protected resource since the start of the coverage window.
    public var jobs: Observed<[BackupJob]>
    /// Copy jobs from the primary region.
    public var copyJobs: Observed<[CopyJob]>
    /// Recovery points per vault name (primary and DR vault).
    public var recoveryPoints: [String: Observed<[RecoveryPoint]>]
    /// Restore jobs per region.
    public var restoreJobs: [String: Observed<[RestoreJob]>]

    public init(
        plans: Observed<[BackupPlan]>, jobs: Observed<[BackupJob]>, copyJobs: Observed<[CopyJob]>,
        recoveryPoints: [String: Observed<[RecoveryPoint]>], restoreJobs: [String: Observed<[RestoreJob]>]
    ) {
        self.plans = plans
        self.jobs = jobs
        self.copyJobs = copyJobs
        self.recoveryPoints = recoveryPoints
        self.restoreJobs = restoreJobs
    }
}

public struct BackupPlan: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var rules: [BackupRule]
    public var selections: [BackupSelection]
    public init(id: String, name: String, rules: [BackupRule], selections: [BackupSelection]) {
        self.id = id
        self.name = name
        self.rules = rules
        self.selections = selections
    }
}

public struct BackupRule: Sendable, Codable, Equatable {
    public var name: String
    public var schedule: String?
    public var targetVault: String
    public var deleteAfterDays: Int?
    public var continuousBackup: Bool
    public var copyActions: [CopyAction]

    public struct CopyAction: Sendable, Codable, Equatable {
        public var destinationVaultARN: String
        public var deleteAfterDays: Int?
        public init(destinationVaultARN: String, deleteAfterDays: Int?) {
            self.destinationVaultARN = destinationVaultARN
            self.deleteAfterDays = deleteAfterDays
        }
    }

    public init(
        name: String, schedule: String?, targetVault: String, deleteAfterDays: Int?, continuousBackup: Bool,
        copyActions: [CopyAction]
    ) {
        self.name = name
        self.schedule = schedule
        self.targetVault = targetVault
        self.deleteAfterDays = deleteAfterDays
        self.continuousBackup = continuousBackup
        self.copyActions = copyActions
    }
}

public struct BackupSelection: Sendable, Codable, Equatable {
    public var name: String
    public var resources: [String]
    public init(name: String, resources: [String]) {
        self.name = name
        self.resources = resources
    }
}

public struct BackupJob: Sendable, Codable, Equatable {
    public var id: String
    /// CREATED, PENDING, RUNNING, ABORTING, ABORTED, COMPLETED, FAILED, EXPIRED, PARTIAL.
    public var state: String
    public var resourceARN: String
    public var vault: String
    public var createdAt: Date
    public var completedAt: Date?
    public var statusMessage: String?
    public init(
        id: String, state: String, resourceARN: String, vault: String, createdAt: Date, completedAt: Date?,
        statusMessage: String?
    ) {
        self.id = id
        self.state = state
        self.resourceARN = resourceARN
        self.vault = vault
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.statusMessage = statusMessage
    }
}

public struct CopyJob: Sendable, Codable, Equatable {
    public var id: String
    public var state: String
    public var resourceARN: String
    public var destinationVaultARN: String
    public var createdAt: Date
    public var completedAt: Date?
    public var statusMessage: String?
    public init(
        id: String, state: String, resourceARN: String, destinationVaultARN: String, createdAt: Date,
        completedAt: Date?, statusMessage: String?
    ) {
        self.id = id
        self.state = state
        self.resourceARN = resourceARN
        self.destinationVaultARN = destinationVaultARN
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.statusMessage = statusMessage
    }
}

public struct RecoveryPoint: Sendable, Codable, Equatable {
    public var arn: String
    public var vault: String
    public var resourceARN: String
    public var createdAt: Date
    /// COMPLETED, PARTIAL, DELETING, EXPIRED.
    public var status: String
    public init(arn: String, vault: String, resourceARN: String, createdAt: Date, status: String) {
        self.arn = arn
        self.vault = vault
        self.resourceARN = resourceARN
        self.createdAt = createdAt
        self.status = status
    }
}

public struct RestoreJob: Sendable, Codable, Equatable {
    public var id: String
    public var status: String
    public var createdAt: Date
    public var completedAt: Date?
    public init(id: String, status: String, createdAt: Date, completedAt: Date?) {
        self.id = id
        self.status = status
        self.createdAt = createdAt
        self.completedAt = completedAt
    }
}
