import Foundation
import MnemondModel
import MnemondStore

/// One cycle of alerting: state machine → silence → dedup → grouping → outbox, as named stages.
/// `plan` is pure (records, findings, silences, time in; what to write out); `run` loads from and
/// commits to the store in one transaction.
public struct AlertPipeline: Sendable {
    public var rules: AlertRules
    public var outbox: OutboxStage

    public init(rules: AlertRules, channels: [String]) {
        self.rules = rules
        self.outbox = OutboxStage(channels: channels)
    }

    /// What one cycle decided, for logs and tests.
    public struct Plan: Sendable {
        public var commit: AlertCommit
        public var message: AlertMessage?
        /// Per alert: `s3.lifecycle.noncurrent/mne-media-replica: fires as CRITICAL: …`.
        public var reasons: [String]
        public var silenced: [AlertLogEntry]
    }

    public func plan(findings: [Finding], previous: [AlertRecord], silences: [Silence], now: Date) -> Plan {
        // The store keeps milliseconds: decide on the same grid, so that a record read back after
        // a restart compares exactly as the one in memory did (4 h after is 4 h, not 4 h − 0.4 ms).
        let now = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded() / 1000)
        let known = Dictionary(previous.map { ("\($0.check)\u{1F}\($0.resource)", $0) }) { a, _ in a }
        let silenceStage = SilenceStage(silences: silences)
        let dedup = DedupStage(rules: rules)
        var records: [AlertRecord] = []
        var log: [AlertLogEntry] = []
        var silenced: [AlertLogEntry] = []
        var reasons: [String] = []
        var items: [(index: Int, item: AlertItem, decision: DedupStage.Decision)] = []
        for finding in findings {
            let transition = AlertStateMachine.next(
                known["\(finding.check)\u{1F}\(finding.resource)"], finding: finding, rules: rules, now: now)
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
        let message = Grouping.message(items.map(\.item), at: now)
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
    public func run(findings: [Finding], store: Store, now: Date) async throws(StoreError) -> Plan {
        let previous = try await store.alertRecords()
        let silences = try await store.silences(activeAt: now)
        let plan = plan(findings: findings, previous: previous, silences: silences, now: now)
        try await store.commitAlerts(plan.commit)
        return plan
    }
}
