import Foundation
import MnemondModel
import MnemondStore

/// One cycle of alerting: state machine → silence → dedup → grouping → outbox, as named stages.
/// `plan` is pure (records, findings, silences, time in; what to write out); `run` loads from and
/// commits to the store in one transaction.
public struct AlertPipeline: Sendable {
    public var rules: AlertRules
    public var outbox: OutboxStage
    /// The AWS account the estate lives in (the policy's expected account): with the store's
    /// installation identity, it makes idempotency keys unique per installation.
    public var account: String
    /// The estate's name when the daemon watches several: every message carries it.
    public var estate: String?

    public init(rules: AlertRules, channels: [String], account: String = "", estate: String? = nil) {
        self.rules = rules
        self.outbox = OutboxStage(channels: channels)
        self.account = account
        self.estate = estate
    }

    /// The check that the credentials resolve to the expected account (MnemondChecks' AccountChecks).
    static let accountCheck: CheckID = "account.identity"

    /// What one cycle decided, for logs and tests.
    public struct Plan: Sendable {
        public var commit: AlertCommit
        public var message: AlertMessage?
        /// Per alert: `s3.lifecycle.noncurrent/mne-media-replica: fires as CRITICAL: …`.
        public var reasons: [String]
        public var silenced: [AlertLogEntry]
    }

    /// `unchanged`: the checks whose evidence was not collected anew this cycle (their family did
    /// not run); their findings are re-evaluations that do not advance `for: N`. `installation`:
    /// the store's identity, part of every idempotency key.
    public func plan(
        findings: [Finding], previous: [AlertRecord], silences: [Silence], now: Date,
        unchanged: Set<CheckID> = [], installation: String = ""
    ) -> Plan {
        // The store keeps milliseconds: decide on the same grid, so that a record read back after
        // a restart compares exactly as the one in memory did (4 h after is 4 h, not 4 h − 0.4 ms).
        let now = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded() / 1000)
        let known = Dictionary(previous.map { ("\($0.check)\u{1F}\($0.resource)", $0) }) { a, _ in a }
        let silenceStage = SilenceStage(silences: silences)
        let scope = installation.isEmpty && account.isEmpty ? "" : "\(installation)/\(account)"
        let dedup = DedupStage(rules: rules, installation: scope)
        var records: [AlertRecord] = []
        var log: [AlertLogEntry] = []
        var silenced: [AlertLogEntry] = []
        var reasons: [String] = []
        var items: [(index: Int, item: AlertItem, decision: DedupStage.Decision)] = []
        // Alerts no check reports any more (their resource left the config) resolve: nothing will
        // ever evaluate them again, and an alert that can never clear would fire forever.
        let reported = Set(findings.map { "\($0.check)\u{1F}\($0.resource)" })
        // Credentials of the wrong account make every other check UNKNOWN ("not evaluated"): the
        // account alert pages once for all of them, and their alerts are inhibited — held where
        // they were, neither started nor resolved (their records are left as stored).
        let wrongAccount = findings.contains { $0.check == Self.accountCheck && $0.state == .critical }
        let transitions =
            findings.filter { !wrongAccount || $0.check == Self.accountCheck || $0.state != .unknown }.map {
                AlertStateMachine.next(
                    known["\($0.check)\u{1F}\($0.resource)"], finding: $0, rules: rules, now: now,
                    fresh: !unchanged.contains($0.check))
            }
            + previous.filter { $0.phase != .inactive && !reported.contains("\($0.check)\u{1F}\($0.resource)") }
            .map { AlertStateMachine.removed($0, now: now) }
        for transition in transitions {
            var record = transition.record
            let (decision, quiet) = dedup.needsUpdate(record, now: now)
            var reason = "\(record.check)/\(record.resource): \(transition.reason)"
            switch silenceStage.apply(decision, to: &record, now: now) {
            case .silenced(let silence, let entry):
                reason += "; silenced by #\(silence.id)"
                if let entry {
                    log.append(entry)
                    silenced.append(entry)
                }
            case .pass:
                if let decision, !outbox.channels.isEmpty {
                    items.append((records.count, Grouping.item(record, decision, rules: rules), decision))
                    reason += "; notify \(decision.label): \(decision.reason)"
                } else if decision != nil {
                    reason += "; no channel configured"
                } else if !quiet.isEmpty {
                    reason += "; \(quiet)"
                }
            }
            reasons.append(reason)
            records.append(record)
        }
        var message = Grouping.message(items.map(\.item), at: now)
        message?.estate = estate
        for (index, item, decision) in items {
            dedup.markNotified(&records[index], decision, now: now)
            log.append(
                AlertLogEntry(
                    time: now, check: item.check, resource: item.resource, episode: item.episode,
                    kind: decision.label, severity: item.severity, idempotencyKey: item.idempotencyKey,
                    groupKey: message?.idempotencyKey, silencedBy: nil, reason: decision.reason))
        }
        return Plan(
            commit: AlertCommit(records: records, log: log, outbox: outbox.rows(for: message)), message: message,
            reasons: reasons, silenced: silenced)
    }

    /// Loads the alert states and silences, plans, and commits states, decisions and outbox rows
    /// in one transaction.
    public func run(
        findings: [Finding], store: Store, now: Date, unchanged: Set<CheckID> = []
    ) async throws(StoreError) -> Plan {
        let previous = try await store.alertRecords()
        let silences = try await store.silences(activeAt: now)
        let installation = try await store.installationID()
        let plan = plan(
            findings: findings, previous: previous, silences: silences, now: now, unchanged: unchanged,
            installation: installation)
        try await store.commitAlerts(plan.commit)
        return plan
    }
}
