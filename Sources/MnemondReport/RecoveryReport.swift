import Foundation
import MnemondModel

/// The weekly recovery report as values: what the Monday reader needs on one screen — were we
/// recoverable all week, what broke and for how long, is the RPO we promise the RPO we got, and
/// what maintenance is overdue. Computed from the store alone (`ReportBuilder`), rendered as text
/// (`TextReport`), HTML (`HTMLReport`) or JSON.
public struct RecoveryReport: Sendable, Codable, Equatable {
    public var period: PeriodInfo
    public var generatedAt: Date
    public var verdict: Verdict
    public var monitoring: Monitoring
    public var areas: [AreaCompliance]
    public var incidents: [Incident]
    public var rpo: [RPOMeasure]
    public var jobs: JobSummary
    public var coverage: [CoverageLine]
    public var storage: [StorageLine]
    public var objects: [ObjectCountLine]
    public var acceptedRisks: [RiskLine]
    public var maintenance: [MaintenanceLine]
    public var trend: [TrendLine]

    public struct PeriodInfo: Sendable, Codable, Equatable {
        public var start: Date
        public var end: Date
        /// IANA zone identifier the report's times are written in.
        public var timeZone: String
        /// `2026-W47` for a week.
        public var key: String
        public var title: String
    }

    /// The one line that answers "were we recoverable?".
    public struct Verdict: Sendable, Codable, Equatable {
        /// No moment of CRITICAL (a known loss of recoverability) in the observed time.
        public var recoverable: Bool
        public var line: String
        public var criticalSeconds: TimeInterval
        /// UNKNOWN (a blind spot) outside critical time.
        public var unknownSeconds: TimeInterval
        public var unmonitoredSeconds: TimeInterval
        /// The worst state seen anywhere in the period (accepted risks count as OK).
        public var worst: CheckState
    }

    /// Was mnemond itself watching: cycles recorded, and stretches without any.
    public struct Monitoring: Sendable, Codable, Equatable {
        public var cycles: Int
        /// false: the period is older than the store's detail window, where cycles are compacted
        /// and gaps cannot be told apart from compaction.
        public var gapsKnown: Bool
        public var gaps: [Span]
        public var unmonitoredSeconds: TimeInterval
        public var gapThresholdSeconds: TimeInterval
    }

    public struct AreaCompliance: Sendable, Codable, Equatable {
        /// `backup`, `rds`, `s3`, … (the first component of the check IDs).
        public var area: String
        public var title: String
        /// Time during which every check of the area was OK, over the time any was observed.
        public var okFraction: Double?
        public var observedSeconds: TimeInterval
        public var worst: CheckState
        public var checks: [CheckCompliance]
    }

    public struct CheckCompliance: Sendable, Codable, Equatable {
        public var check: CheckID
        public var resources: Int
        public var okFraction: Double?
        public var worst: CheckState
    }

    /// A stretch in which one check on one resource was not OK.
    public struct Incident: Sendable, Codable, Equatable {
        public var check: CheckID
        public var resource: String
        public var severity: CheckState
        public var start: Date
        /// true: it began before the period (`start` is the period's start).
        public var startedBefore: Bool
        /// nil: still going at the end of the period.
        public var end: Date?
        public var durationSeconds: TimeInterval
        /// The finding's words at its worst.
        public var message: String
        public var notification: NotificationStatus
    }

    /// Whether the people who should have been told were told.
    public struct NotificationStatus: Sendable, Codable, Equatable {
        public enum Outcome: String, Sendable, Codable {
            /// Every notification about it reached every channel.
            case delivered
            /// At least one is still being retried.
            case pending
            /// At least one was given up on (dead-lettered).
            case failed
            /// Held back by a silence.
            case silenced
            /// Nothing was sent: it cleared before its alert rule fired, or no channel is configured.
            case none
        }
        public var outcome: Outcome
        /// `firing, resolved via sns+slack`, `silenced by #3`.
        public var detail: String
        public var channels: [String]
        public var firstDelivered: Date?
    }

    /// A measured recovery point objective against its promise.
    public struct RPOMeasure: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable {
            case pitr
            case snapshot
            case replication
            /// A recovery scenario of the ledger: the worst of its resources.
            case scenario
        }
        public var kind: Kind
        /// `eks-mnemonica-prod`, `eks-mnemonica-prod-vault`, `mne-media-prod → mne-media-replica`.
        public var subject: String
        /// `PITR lag`, `largest gap between snapshots`, `replication latency`.
        public var measure: String
        /// What the guide promises, in words (`< 1 min (Phase 5)`).
        public var promise: String
        /// The limit the state is judged against (the configured alert threshold).
        public var limitSeconds: Double?
        public var p50Seconds: Double?
        public var p95Seconds: Double?
        public var maxSeconds: Double?
        public var samples: Int
        public var state: CheckState
        /// Hourly rollups were part of the data: percentiles are approximate.
        public var approximate: Bool
        /// The worst value per equal slice of the period (nil: nothing measured then).
        public var sparkline: [Double?]
        /// Scenarios: how long the measured RPO was over the guide's promise as written (not the
        /// plan's limit), summed over the period; nil for other kinds.
        public var overPromiseSeconds: Double?
    }

    /// Backup and copy jobs, as counted from the collector's series (see `JobCounter`).
    public struct JobSummary: Sendable, Codable, Equatable {
        /// COMPLETED backup jobs seen this period.
        public var completed: Int
        /// FAILED / ABORTED / EXPIRED / PARTIAL jobs that appeared this period.
        public var failedByState: [String: Int]
        /// completed / (completed + failed), nil when there were none.
        public var successRate: Double?
        /// New COMPLETED recovery points per vault (copies, for the DR vault).
        public var newRecoveryPoints: [String: Int]
        /// false: no backup series in the period.
        public var measured: Bool
        /// How long mnemond watched of the period, and the period's length: jobs that ended
        /// while it did not watch are not counted.
        public var watchedSeconds: Double = 0
        public var periodSeconds: Double = 0

        public var failed: Int { failedByState.values.reduce(0, +) }
        /// mnemond watched only part of the period: the counts cover that part.
        public var partlyWatched: Bool { periodSeconds > 0 && watchedSeconds < periodSeconds }
    }

    /// Recovery-point coverage of the retention window, per vault.
    public struct CoverageLine: Sendable, Codable, Equatable {
        public var vault: String
        public var okFraction: Double?
        public var stateAtEnd: CheckState?
        /// `largest gap 6 h, oldest 179 d 22 h` as the check found it at the end of the period.
        public var found: String?
        public var largestGapSeconds: Double?
        public var promise: String
    }

    public struct StorageLine: Sendable, Codable, Equatable {
        public var bucket: String
        public var storageType: String
        public var bytesAtStart: Double?
        public var bytesAtEnd: Double?
        /// The day of the value at the end (S3 publishes once a day, 1–3 days late).
        public var asOf: Date?
        public var daily: [Double?]
        public var change: Double? {
            guard let end = bytesAtEnd else { return nil }
            return end - (bytesAtStart ?? 0)
        }
    }

    public struct ObjectCountLine: Sendable, Codable, Equatable {
        public var bucket: String
        public var atStart: Double?
        public var atEnd: Double?
        public var asOf: Date?
    }

    public struct RiskLine: Sendable, Codable, Equatable {
        public var check: CheckID
        /// nil: every resource of the check.
        public var resource: String?
        public var reason: String
        public var until: Date?
        /// The resources it waived this period and their real state.
        public var waived: [String: CheckState]
        /// `no expiry`, `expires in 12 d`, `EXPIRED 2026-06-30`.
        public var status: String
    }

    public struct MaintenanceLine: Sendable, Codable, Equatable {
        public enum Status: String, Sendable, Codable {
            /// This report is the weekly review.
            case covered
            case ok
            case dueSoon = "due-soon"
            case overdue
            /// mnemond cannot see it: confirm by hand.
            case notObservable = "not-observable"
        }
        public var cadence: String
        public var task: String
        /// Where the evidence comes from (`backup.restore_tested eu-west-1`).
        public var evidence: String
        public var lastDone: Date?
        public var due: Date?
        public var status: Status
    }

    public struct TrendLine: Sendable, Codable, Equatable {
        public var metric: String
        public var current: String
        public var previous: String
        /// true: better than the previous period, false: worse, nil: same or not comparable.
        public var better: Bool?
        public var change: String
    }
}
