import Foundation
import MnemondChecks
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
    /// The alerts that are firing or pending (all, or those of `--check`), worst first, with their
    /// last notification and its delivery per channel; nil: a store without alerting tables.
    public var alerts: [AlertStatus]?
    /// The newest sample of every series (the Nagios view's performance data).
    public var latest: [Sample]
    /// The policy of the config, when it was readable (thresholds of the performance data).
    public var policy: Policy?

    public init(
        now: Date, states: [StoredState], lastCycle: CycleSummary?, headline: Headline?, staleAfterSeconds: Int,
        silences: [Silence]?, outbox: OutboxSummary?, alerts: [AlertStatus]? = nil, latest: [Sample] = [],
        policy: Policy? = nil
    ) {
        self.alerts = alerts
        self.latest = latest
        self.policy = policy
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
        let alerts = try? await store.alertStatuses()
        return StatusReport(
            now: now, states: check.map { id in all.filter { $0.check.rawValue == id } } ?? all, lastCycle: lastCycle,
            headline: check == nil ? Headline.make(states: all, latest: latest, policy: policy) : nil,
            staleAfterSeconds: 3 * schedule.shortestIntervalSeconds, silences: silences, outbox: outbox,
            alerts: check.map { id in alerts?.filter { $0.record.check.rawValue == id } } ?? alerts,
            latest: latest, policy: policy)
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
        let windows = RecoveryWindows.segments(
            policy: policy,
            states: states.map { .init(check: $0.check, resource: $0.resource, state: $0.effectiveState) },
            latest: latest)
        let segments = windows.map { window in
            let span: String
            switch window.span {
            case .upTo(let days): span = days.map { "0-\(Int($0)) d" } ?? "?"
            case .kept(let low, let high): span = "\(Int(low))-\(Int(high)) d kept"
            }
            func measured(_ label: String) -> String {
                window.measuredSeconds.map { " (\(label) \(DurationText.human($0)))" } ?? ""
            }
            let text: String
            switch window.kind {
            case .pitr(let instance, let named): text = (named ? "PITR \(instance) " : "PITR ") + span + measured("lag")
            case .snapshots: text = "snapshots \(span)" + measured("newest")
            case .drCopies: text = "DR copies \(span)" + measured("newest")
            case .versions: text = "versions \(span)"
            case .replicas: text = "replicas \(span)" + measured("latency")
            }
            return Segment(text: text, state: window.state)
        }
        let overall = states.isEmpty ? CheckState.unknown : CheckState.worst(states.map(\.effectiveState))
        return Headline(state: overall, segments: segments)
    }
}
