import Foundation
import MnemondConfig
import MnemondModel
import MnemondStore

/// Everything `mnemond status` shows, read from the store in one go (read-only, while the daemon
/// writes). Rendering is in `Render.statusText` / `Render.statusJSON`.
public struct StatusReport: Sendable {
    public var now: Date
    /// The states shown (all, or those of `--check`).
    public var states: [StoredState]
    public var lastCycle: CycleSummary?
    /// nil with `--check`: the headline speaks for the whole estate.
    public var headline: Headline?
    /// The data is stale when the newest cycle is older than this (3 × the shortest interval).
    public var staleAfterSeconds: Int
    /// nil: this store has no alerting tables (written by a mnemond without alerting).
    public var silences: [Silence]?
    public var outbox: OutboxSummary?

    public init(
        now: Date, states: [StoredState], lastCycle: CycleSummary?, headline: Headline?, staleAfterSeconds: Int,
        silences: [Silence]?, outbox: OutboxSummary?
    ) {
        self.now = now
        self.states = states
        self.lastCycle = lastCycle
        self.headline = headline
        self.staleAfterSeconds = staleAfterSeconds
        self.silences = silences
        self.outbox = outbox
    }

    /// Reads the report. `policy` (from the config, when readable) names the roles of the
    /// buckets and the promised windows for the headline; `schedule` sets the stale limit.
    public static func load(
        store: Store, policy: Policy?, schedule: Config.Schedule = Config.Schedule(), check: String? = nil, now: Date
    ) async throws(StoreError) -> StatusReport {
        let all = try await store.currentStates()
        let lastCycle = try await store.lastCycle()
        let latest = try await store.latestSamples(since: .distantPast)
        // The alerting tables come with the alerting migration; a store that predates it has none.
        let silences = try? await store.silences(activeAt: now)
        let outbox = try? await store.outboxSummary()
        return StatusReport(
            now: now, states: check.map { id in all.filter { $0.check.rawValue == id } } ?? all, lastCycle: lastCycle,
            headline: check == nil ? Headline.make(states: all, latest: latest, policy: policy) : nil,
            staleAfterSeconds: 3 * schedule.shortestIntervalSeconds, silences: silences, outbox: outbox)
    }

    /// Seconds since the newest cycle when that is longer than the stale limit, else nil.
    public var staleSeconds: TimeInterval? {
        guard let lastCycle else { return nil }
        let age = now.timeIntervalSince(lastCycle.finishedAt)
        return age > Double(staleAfterSeconds) ? age : nil
    }

    /// The Nagios state: the worst shown state (accepted risks count as OK); UNKNOWN when nothing
    /// was recorded; at least UNKNOWN when the data is stale (it may no longer be true).
    public var overall: CheckState {
        guard lastCycle != nil, !states.isEmpty else { return .unknown }
        let worst = CheckState.worst(states.map(\.effectiveState))
        return staleSeconds == nil ? worst : CheckState.worst([worst, .unknown])
    }

    public var acceptedRisks: [StoredState] { states.filter { $0.acceptedRisk != nil } }
}

/// The one line an operator reads first: can we recover what the guide promises, and how far
/// back. Windows are the measured ones where a sample exists, the promised ones otherwise.
public struct Headline: Sendable, Equatable {
    public struct Segment: Sendable, Equatable {
        public var text: String
        public var state: CheckState
    }

    public var state: CheckState
    public var segments: [Segment]

    public var verdict: String {
        if segments.isEmpty && state == .unknown { return "NO DATA YET" }
        switch state {
        case .ok: return "RECOVERABLE"
        case .warning: return "RECOVERABLE, WITH WARNINGS"
        case .unknown: return "RECOVERABILITY UNKNOWN"
        case .critical: return "NOT RECOVERABLE AS PROMISED"
        }
    }

    /// `RECOVERABLE: PITR 0-35 d (lag 3 m), snapshots 0-180 d (newest 2 h), …`; a segment that
    /// is not OK carries its state.
    public var text: String {
        let parts = segments.map { $0.state == .ok ? $0.text : "\($0.text) \($0.state)" }
        return parts.isEmpty ? verdict : "\(verdict): \(parts.joined(separator: ", "))"
    }

    public static func make(states: [StoredState], latest: [Sample], policy: Policy?) -> Headline {
        func value(_ series: String, _ labels: [String: String]) -> Double? {
            latest.first { $0.series == series && $0.labels == labels }?.value
        }
        func worst(_ matching: (StoredState) -> Bool) -> CheckState? {
            let matched = states.filter(matching)
            return matched.isEmpty ? nil : CheckState.worst(matched.map(\.effectiveState))
        }
        func days(_ n: Double) -> String { "0-\(Int(n)) d" }
        var segments: [Segment] = []

        // PITR, per RDS instance (the guide has one).
        let instances =
            policy?.rds.map(\.identifier)
            ?? Array(Set(latest.filter { $0.series.hasPrefix("rds_") }.compactMap { $0.labels["instance"] })).sorted()
        for instance in instances {
            let window =
                value("rds_backup_retention_days", ["instance": instance])
                ?? policy?.rds.first { $0.identifier == instance }.map { Double($0.retentionDays) }
            let lag = value("rds_pitr_lag_seconds", ["instance": instance])
            var text = instances.count > 1 ? "PITR \(instance) " : "PITR "
            text += window.map(days) ?? "?"
            if let lag { text += " (lag \(Render.duration(lag)))" }
            segments.append(
                Segment(text: text, state: worst { $0.check.area == "rds" && $0.resource == instance } ?? .unknown))
        }

        // AWS Backup snapshots in the primary vault, and their copies in the DR vault.
        if let backup = policy?.backup {
            var text = "snapshots \(days(Double(backup.retentionDays)))"
            if let age = value("backup_snapshot_rpo_seconds", ["vault": backup.vault]) {
                text += " (newest \(Render.duration(age)))"
            }
            segments.append(
                Segment(
                    text: text, state: worst { $0.check.area == "backup" && $0.check != "backup.copy" } ?? .unknown))
            var dr = "DR copies \(days(Double(backup.drRetentionDays)))"
            if let age = value("backup_snapshot_rpo_seconds", ["vault": backup.drVault]) {
                dr += " (newest \(Render.duration(age)))"
            }
            segments.append(Segment(text: dr, state: worst { $0.check == "backup.copy" } ?? .unknown))
        }

        // S3 versions: the sources' noncurrent window and the replicas' (the DR copy).
        let noncurrent = latest.filter { $0.series == "s3_lifecycle_noncurrent_days" }
        func window(_ buckets: [BucketPolicy]) -> Double? {
            let names = Set(buckets.map(\.name))
            let measured = noncurrent.filter { names.contains($0.labels["bucket"] ?? "") }.map(\.value)
            return measured.min() ?? buckets.map { Double($0.noncurrentDays) }.min()
        }
        if let buckets = policy?.buckets, !buckets.isEmpty {
            let sources = buckets.filter { $0.role == .source }
            let replicas = buckets.filter { $0.role == .replica }
            let sourceNames = Set(sources.map(\.name))
            let replicaNames = Set(replicas.map(\.name))
            if let w = window(sources) {
                segments.append(
                    Segment(
                        text: "versions \(days(w))",
                        state: worst {
                            $0.check.area == "s3" && sourceNames.contains($0.resource)
                                && !$0.check.rawValue.hasPrefix("s3.replication.")
                        } ?? .unknown))
            }
            if let w = window(replicas) {
                var text = "replicas \(days(w))"
                let latency = latest.filter { $0.series == "s3_replication_latency_seconds" }.map(\.value).max()
                if let latency { text += " (latency \(Render.duration(latency)))" }
                segments.append(
                    Segment(
                        text: text,
                        state: worst {
                            $0.check.area == "s3"
                                && (replicaNames.contains($0.resource)
                                    || $0.check.rawValue.hasPrefix("s3.replication."))
                        } ?? .unknown))
            }
        } else if let low = noncurrent.map(\.value).min(), let high = noncurrent.map(\.value).max() {
            segments.append(
                Segment(
                    text: low == high ? "versions \(days(low))" : "versions \(Int(low))-\(Int(high)) d kept",
                    state: worst { $0.check.area == "s3" } ?? .unknown))
        }
        let overall = states.isEmpty ? CheckState.unknown : CheckState.worst(states.map(\.effectiveState))
        return Headline(state: overall, segments: segments)
    }
}
