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
    /// Which vault was listed as the primary and which as the DR vault, and for which resource, so
    /// derived samples (the ledger's RPO series) can be computed from the observation alone.
    public var primaryVault: String?
    public var drVault: String?
    public var resourceARN: String?
    /// How each vault's `recoveryPoints` were listed this cycle (absent: a full listing of the
    /// window). An incremental listing holds only the newest points; the store merges it into the
    /// recovery points it keeps, and the checks read those (`History.recoveryPoints`).
    public var listings: [String: RecoveryPointListing]?

    public init(
        plans: Observed<[BackupPlan]>, jobs: Observed<[BackupJob]>, copyJobs: Observed<[CopyJob]>,
        recoveryPoints: [String: Observed<[RecoveryPoint]>], restoreJobs: [String: Observed<[RestoreJob]>],
        primaryVault: String? = nil, drVault: String? = nil, resourceARN: String? = nil,
        listings: [String: RecoveryPointListing]? = nil
    ) {
        self.listings = listings
        self.primaryVault = primaryVault
        self.drVault = drVault
        self.resourceARN = resourceARN
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
    /// StartWindowMinutes: a scheduled job that has not started this long after its slot is
    /// cancelled (AWS default 480). nil when the answer did not carry it.
    public var startWindowMinutes: Int?
    /// CompletionWindowMinutes: a started job still running this long after its start is
    /// cancelled (AWS default 10080).
    public var completionWindowMinutes: Int?
    /// ScheduleExpressionTimezone (IANA name; AWS default UTC).
    public var scheduleTimeZone: String?

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
        copyActions: [CopyAction], startWindowMinutes: Int? = nil, completionWindowMinutes: Int? = nil,
        scheduleTimeZone: String? = nil
    ) {
        self.name = name
        self.schedule = schedule
        self.targetVault = targetVault
        self.deleteAfterDays = deleteAfterDays
        self.continuousBackup = continuousBackup
        self.copyActions = copyActions
        self.startWindowMinutes = startWindowMinutes
        self.completionWindowMinutes = completionWindowMinutes
        self.scheduleTimeZone = scheduleTimeZone
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
    /// The primary recovery point copied, and the copy it made (the pairing of the ledger).
    public var sourceRecoveryPointARN: String?
    public var destinationRecoveryPointARN: String?
    public init(
        id: String, state: String, resourceARN: String, destinationVaultARN: String, createdAt: Date,
        completedAt: Date?, statusMessage: String?, sourceRecoveryPointARN: String? = nil,
        destinationRecoveryPointARN: String? = nil
    ) {
        self.sourceRecoveryPointARN = sourceRecoveryPointARN
        self.destinationRecoveryPointARN = destinationRecoveryPointARN
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
    public var completedAt: Date?
    /// CalculatedLifecycle.DeleteAt: when AWS Backup deletes the point (nil: never).
    public var deleteAt: Date?
    /// For a copy: the recovery point it copies (from the copy job that made it; nil when unknown).
    public var sourceRecoveryPointARN: String?
    public init(
        arn: String, vault: String, resourceARN: String, createdAt: Date, status: String, completedAt: Date? = nil,
        deleteAt: Date? = nil, sourceRecoveryPointARN: String? = nil
    ) {
        self.sourceRecoveryPointARN = sourceRecoveryPointARN
        self.completedAt = completedAt
        self.deleteAt = deleteAt
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

/// How one vault's recovery points were listed in one cycle: everything created since the start of
/// the retention window (`full`: a point the store holds that is not listed no longer exists), or
/// only what was created since the newest stored point less a safety overlap (`incremental`).
public struct RecoveryPointListing: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable {
        case full
        case incremental
    }
    public var mode: Mode
    /// The ByCreatedAfter of the listing.
    public var since: Date
    public var region: String

    public init(mode: Mode, since: Date, region: String) {
        self.mode = mode
        self.since = since
        self.region = region
    }
}

/// What the store knows about one vault's kept recovery points: where the next incremental listing
/// starts, and when the last full one ran.
public struct RecoveryPointCursor: Sendable, Equatable {
    /// Creation time of the newest stored point (nil: none stored).
    public var newestCreatedAt: Date?
    /// Creation time of the oldest stored point whose status may still change (not COMPLETED,
    /// PARTIAL, EXPIRED, …): the next listing must see it again.
    public var oldestUnsettledCreatedAt: Date?
    /// When the vault was last listed in full (nil: never).
    public var lastFullAt: Date?

    public init(newestCreatedAt: Date?, oldestUnsettledCreatedAt: Date?, lastFullAt: Date?) {
        self.newestCreatedAt = newestCreatedAt
        self.oldestUnsettledCreatedAt = oldestUnsettledCreatedAt
        self.lastFullAt = lastFullAt
    }

    /// Statuses after which a point does not change until it is deleted (CREATING, or a status
    /// AWS adds later, is listed again).
    public static let settledStatuses: Set<String> = [
        "COMPLETED", "PARTIAL", "EXPIRED", "DELETING", "AVAILABLE", "STOPPED",
    ]
}
