import Foundation

/// One of AWS Backup's job lists whose copy the store keeps, so a cycle asks AWS only for the
/// jobs created since the newest kept one.
public enum JobKind: String, Sendable, Codable, CaseIterable {
    /// ListBackupJobs.
    case backup
    /// ListCopyJobs.
    case copy

    /// States after which a job does not change (AWS Backup API reference: BackupJob State
    /// CREATED | PENDING | RUNNING | ABORTING | ABORTED | COMPLETED | FAILED | EXPIRED | PARTIAL;
    /// CopyJob State CREATED | RUNNING | COMPLETED | FAILED | PARTIAL). A job in any other state —
    /// one still moving, or a state AWS adds later — is "unsettled": listed again until it settles.
    public var settledStates: Set<String> {
        switch self {
        case .backup: ["COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"]
        case .copy: ["COMPLETED", "FAILED", "PARTIAL"]
        }
    }
}

/// How one resource's jobs of one kind were listed in one cycle: everything created after the
/// start of the window (`full`: a kept job that is not listed no longer exists), or only what was
/// created after `since` (`incremental`: the store's copy supplies the rest of the window).
public struct JobListing: Sendable, Codable, Equatable {
    public var kind: JobKind
    public var mode: RecoveryPointListing.Mode
    /// The ByCreatedAfter of the listing (whole seconds, as sent).
    public var since: Date
    /// The ByCreatedAfter of a full listing: the checks see the jobs created after it.
    public var windowStart: Date
    public var resourceARN: String
    public var region: String

    public init(
        kind: JobKind, mode: RecoveryPointListing.Mode, since: Date, windowStart: Date, resourceARN: String,
        region: String
    ) {
        self.kind = kind
        self.mode = mode
        self.since = since
        self.windowStart = windowStart
        self.resourceARN = resourceARN
        self.region = region
    }
}

/// What the store knows about one resource's kept jobs of one kind: where the next incremental
/// listing starts, and when (and over which window) the last full one ran.
public struct JobCursor: Sendable, Equatable {
    /// Creation time of the newest kept job (nil: none kept).
    public var newestCreatedAt: Date?
    /// Creation time of the oldest kept job not in a settled state: the next listing must see it again.
    public var oldestUnsettledCreatedAt: Date?
    /// When the jobs were last listed in full (nil: never).
    public var lastFullAt: Date?
    /// The window start of that full listing: the kept copy reaches no further back.
    public var fullSince: Date?

    public init(newestCreatedAt: Date?, oldestUnsettledCreatedAt: Date?, lastFullAt: Date?, fullSince: Date?) {
        self.newestCreatedAt = newestCreatedAt
        self.oldestUnsettledCreatedAt = oldestUnsettledCreatedAt
        self.lastFullAt = lastFullAt
        self.fullSince = fullSince
    }
}

/// Where the backup collector keeps the jobs it listed (the store). Each method merges one listing
/// and answers every kept job of the listing's window, newest first — what a full listing of the
/// window shows. Any failure throws: the collector then lists the window in full.
public protocol JobLedger: Sendable {
    /// nil: never listed.
    func jobCursor(_ kind: JobKind, resourceARN: String, region: String) async throws -> JobCursor?
    func keepBackupJobs(_ jobs: [BackupJob], listing: JobListing, at time: Date) async throws -> [BackupJob]
    func keepCopyJobs(_ jobs: [CopyJob], listing: JobListing, at time: Date) async throws -> [CopyJob]
}
