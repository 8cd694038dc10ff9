import Foundation
import MnemondModel
import MnemondStore

/// `mnemond status`: the headline, a table per guide area, accepted risks, silences and
/// undelivered notifications; coloured on a terminal, plain otherwise; or JSON (schema in README).
extension Render {
    public static func statusText(_ report: StatusReport, color: Bool) -> String {
        let now = report.now
        var lines: [String] = []
        func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

        if let headline = report.headline {
            lines.append(paint(headline.text, code(for: headline.state, accepted: false)))
        }
        if let last = report.lastCycle {
            let counts = Dictionary(grouping: report.states, by: \.effectiveState).mapValues(\.count)
            var parts = [CheckState.critical, .warning, .unknown, .ok].compactMap { s in
                counts[s].map { "\($0) \(s.description.lowercased())" }
            }
            let accepted = report.acceptedRisks.count
            if accepted > 0 { parts.append("\(accepted) accepted") }
            lines.append(
                "\(report.overall) — \(parts.isEmpty ? "no results" : parts.joined(separator: ", ")); "
                    + "last cycle \(time(last.finishedAt)) (\(DurationText.human(now.timeIntervalSince(last.finishedAt))) ago)"
            )
        } else {
            lines.append("UNKNOWN — no cycle recorded yet: has `mnemond run` or `mnemond check` written to this store?")
        }
        lines += ledgerLines(report.states)
        if let stale = report.staleSeconds {
            lines.append(
                paint(
                    "STALE — nothing written for \(DurationText.human(stale)) (more than 3 × the shortest interval, "
                        + "\(DurationText.human(Double(report.staleAfterSeconds)))): is `mnemond run` running? "
                        + "The states below may no longer hold.", "33;1"))
        }

        let rows = report.states
        let widths = (
            check: min(34, max(5, rows.map(\.check.rawValue.count).max() ?? 0)),
            resource: min(44, max(8, rows.map(\.resource.count).max() ?? 0)),
            found: min(24, max(5, rows.map { ($0.found ?? "-").count }.max() ?? 0)),
            promised: min(16, max(8, rows.map { ($0.expected ?? "-").count }.max() ?? 0))
        )
        func cell(_ text: String, _ width: Int) -> String {
            let clipped = text.count > width ? String(text.prefix(width - 1)) + "…" : text
            return clipped.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        let byArea = Dictionary(grouping: rows, by: { $0.check.area })
        for area in byArea.keys.sorted() {
            lines.append("")
            lines.append("[\(area)]")
            lines.append(
                "  "
                    + [
                        cell("STATE", 9), cell("CHECK", widths.check), cell("RESOURCE", widths.resource),
                        cell("FOUND", widths.found), cell("PROMISED", widths.promised), cell("SINCE", 31), "EVALUATED",
                    ].joined(separator: " "))
            for s in byArea[area]! {
                let state = paint(
                    cell(label(s.state, accepted: s.acceptedRisk != nil), 9),
                    code(for: s.state, accepted: s.acceptedRisk != nil))
                lines.append(
                    "  "
                        + [
                            state, cell(s.check.rawValue, widths.check), cell(s.resource, widths.resource),
                            cell(s.found ?? "-", widths.found), cell(s.expected ?? "-", widths.promised),
                            cell("\(time(s.since)) (\(DurationText.human(now.timeIntervalSince(s.since))))", 31),
                            "\(DurationText.human(now.timeIntervalSince(s.lastEvaluated))) ago",
                        ].joined(separator: " "))
                if s.effectiveState != .ok {
                    lines.append("      \(s.message)")
                    if let runbook = s.runbook { lines.append("      fix: \(runbook)") }
                }
            }
        }

        let risks = report.acceptedRisks
        if !risks.isEmpty {
            lines.append("")
            lines.append("Accepted risks (reported, never paged):")
            for s in risks {
                let risk = s.acceptedRisk!
                let until = risk.until.map { " until \(day($0))" } ?? ""
                lines.append("  \(s.check) \(s.resource) [\(s.state)]\(until): \(risk.reason)")
            }
        }
        if let silences = report.silences {
            lines.append("")
            if silences.isEmpty {
                lines.append("Silences: none")
            } else {
                lines.append("Silences (alerts recorded, not sent):")
                for silence in silences {
                    lines.append(
                        "  #\(silence.id) \(silence.check) \(silence.resource ?? "(every resource)") until "
                            + "\(time(silence.endsAt)) (\(DurationText.human(silence.endsAt.timeIntervalSince(now))) left), "
                            + "by \(silence.createdBy): \(silence.reason)")
                }
            }
        }
        if let alerts = report.alerts {
            lines.append("")
            if alerts.isEmpty {
                lines.append("Alerts: none firing or pending")
            } else {
                lines.append("Alerts (firing and pending):")
                for alert in alerts {
                    let color = code(for: alert.record.severity, accepted: false)
                    lines.append(paint("  " + alertLine(alert, now: now), color))
                    if let delivery = deliveryLine(alert, now: now) { lines.append("      \(delivery)") }
                }
            }
        }
        if let outbox = report.outbox {
            if outbox.pending == 0 && outbox.deadLettered == 0 {
                lines.append("Notifications: all delivered")
            } else {
                var parts: [String] = []
                if outbox.pending > 0 {
                    parts.append(
                        "\(outbox.pending) undelivered"
                            + (outbox.oldestPending.map {
                                " (oldest \(DurationText.human(now.timeIntervalSince($0))) ago)"
                            } ?? "")
                    )
                }
                if outbox.deadLettered > 0 {
                    parts.append(
                        "\(outbox.deadLettered) dead-lettered"
                            + (outbox.oldestDeadLettered.map {
                                " (oldest \(DurationText.human(now.timeIntervalSince($0))) ago)"
                            }
                                ?? ""))
                }
                var line = "Notifications: " + parts.joined(separator: ", ")
                if let error = outbox.lastError {
                    line += " — last error (\(outbox.lastErrorChannel ?? "?")): \(error)"
                }
                lines.append(paint(line, outbox.deadLettered > 0 ? "31;1" : "33"))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `FIRING   CRITICAL rds.pitr_lag eks-mnemonica-prod since 2026-… (2h10m), episode 3`.
    static func alertLine(_ alert: AlertStatus, now: Date) -> String {
        let r = alert.record
        let since = (r.phase == .firing ? r.firingSince : r.badSince) ?? r.lastEvaluated
        var line =
            "\(r.phase.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) "
            + "\(r.severity.description.padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.check) \(r.resource) "
            + "since \(time(since)) (\(DurationText.human(now.timeIntervalSince(since))))"
        if r.phase == .firing { line += ", episode \(r.episode)" }
        if let silence = r.silencedBy { line += ", silenced by #\(silence)" }
        return line
    }

    /// `last notified 2026-… (5m ago) as firing: sns delivered, slack pending (3 attempts: HTTP 500)`.
    static func deliveryLine(_ alert: AlertStatus, now: Date) -> String? {
        guard let entry = alert.lastNotification else {
            return alert.record.phase == .firing ? "not notified yet" : nil
        }
        let channels = alert.deliveries.map { d -> String in
            var text = "\(d.channel) \(d.state.rawValue.replacingOccurrences(of: "_", with: "-"))"
            if d.state != .delivered, d.attempts > 0 {
                text += " (\(d.attempts) attempt\(d.attempts == 1 ? "" : "s")"
                text += d.lastError.map { ": \($0))" } ?? ")"
            }
            return text
        }
        return
            "last notified \(time(entry.time)) (\(DurationText.human(now.timeIntervalSince(entry.time))) ago) as \(entry.kind)"
            + (channels.isEmpty ? "" : ": " + channels.joined(separator: ", "))
    }

    /// ANSI colour per state: green OK, yellow warning, bold red critical, magenta unknown, cyan accepted.
    static func code(for state: CheckState, accepted: Bool) -> String {
        if accepted { return "36" }
        switch state {
        case .ok: return "32"
        case .warning: return "33"
        case .critical: return "31;1"
        case .unknown: return "35"
        }
    }

    static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash))
    }

    // MARK: JSON (schema documented in README, "mnemond status --json")

    struct StatusDocument: Encodable {
        var schema = 1
        var state: String
        var exitCode: Int32
        var headline: String?
        var evaluatedAt: Date?
        var stale: Bool
        var staleAfterSeconds: Int
        var lastCycle: CycleJSON?
        var findings: [StatusFindingJSON]
        var silences: [SilenceJSON]?
        var notifications: NotificationsJSON?
        var alerts: [AlertJSON]?
        enum CodingKeys: String, CodingKey {
            case schema, state, headline, stale, findings, silences, notifications, alerts
            case exitCode = "exit_code"
            case evaluatedAt = "evaluated_at"
            case staleAfterSeconds = "stale_after_seconds"
            case lastCycle = "last_cycle"
        }
    }

    struct CycleJSON: Encodable {
        var startedAt: Date
        var finishedAt: Date
        var ok: Int
        var warning: Int
        var critical: Int
        var unknown: Int
        var apiCalls: Int
        enum CodingKeys: String, CodingKey {
            case ok, warning, critical, unknown
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case apiCalls = "api_calls"
        }
    }

    struct StatusFindingJSON: Encodable {
        var check: String
        var area: String
        var resource: String
        var state: String
        var effectiveState: String
        var message: String
        var expected: String?
        var found: String?
        var guide: String?
        var runbook: String?
        var acceptedRisk: AcceptedRisk?
        var since: Date
        var lastEvaluated: Date
        enum CodingKeys: String, CodingKey {
            case check, area, resource, state, message, expected, found, guide, runbook, since
            case effectiveState = "effective_state"
            case acceptedRisk = "accepted_risk"
            case lastEvaluated = "last_evaluated"
        }
    }

    struct SilenceJSON: Encodable {
        var id: Int64
        var check: String
        var resource: String?
        var startsAt: Date
        var endsAt: Date
        var reason: String
        var createdBy: String
        enum CodingKeys: String, CodingKey {
            case id, check, resource, reason
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case createdBy = "created_by"
        }
    }

    struct AlertJSON: Encodable {
        var check: String
        var resource: String
        var phase: String
        var severity: String
        var since: Date
        var firingSince: Date?
        var episode: Int
        var silencedBy: Int64?
        var lastNotified: Date?
        var lastNotifiedKind: String?
        var lastNotifiedKey: String?
        var deliveries: [DeliveryJSON]
        enum CodingKeys: String, CodingKey {
            case check, resource, phase, severity, since, episode, deliveries
            case firingSince = "firing_since"
            case silencedBy = "silenced_by"
            case lastNotified = "last_notified"
            case lastNotifiedKind = "last_notified_kind"
            case lastNotifiedKey = "last_notified_key"
        }

        init(_ alert: AlertStatus) {
            let r = alert.record
            check = r.check.rawValue
            resource = r.resource
            phase = r.phase.rawValue
            severity = r.severity.description
            since = r.badSince ?? r.firingSince ?? r.lastEvaluated
            firingSince = r.phase == .firing ? r.firingSince : nil
            episode = r.episode
            silencedBy = r.silencedBy
            lastNotified = alert.lastNotification?.time
            lastNotifiedKind = alert.lastNotification?.kind
            lastNotifiedKey = alert.lastNotification?.groupKey
            deliveries = alert.deliveries.map {
                DeliveryJSON(
                    channel: $0.channel, state: $0.state.rawValue, attempts: $0.attempts, lastError: $0.lastError,
                    at: $0.at)
            }
        }
    }

    struct DeliveryJSON: Encodable {
        var channel: String
        var state: String
        var attempts: Int
        var lastError: String?
        var at: Date
        enum CodingKeys: String, CodingKey {
            case channel, state, attempts, at
            case lastError = "last_error"
        }
    }

    struct NotificationsJSON: Encodable {
        var pending: Int
        var deadLettered: Int
        var oldestPending: Date?
        var oldestDeadLettered: Date?
        var lastError: String?
        var lastErrorChannel: String?
        enum CodingKeys: String, CodingKey {
            case pending
            case deadLettered = "dead_lettered"
            case oldestPending = "oldest_pending"
            case oldestDeadLettered = "oldest_dead_lettered"
            case lastError = "last_error"
            case lastErrorChannel = "last_error_channel"
        }
    }

    public static func statusJSON(_ report: StatusReport) -> String {
        let document = StatusDocument(
            state: report.overall.description, exitCode: Int32(report.overall.rawValue),
            headline: report.headline?.text, evaluatedAt: report.lastCycle?.finishedAt,
            stale: report.staleSeconds != nil, staleAfterSeconds: report.staleAfterSeconds,
            lastCycle: report.lastCycle.map {
                CycleJSON(
                    startedAt: $0.startedAt, finishedAt: $0.finishedAt, ok: $0.ok, warning: $0.warning,
                    critical: $0.critical, unknown: $0.unknown, apiCalls: $0.apiCalls)
            },
            findings: report.states.map {
                StatusFindingJSON(
                    check: $0.check.rawValue, area: $0.check.area, resource: $0.resource, state: $0.state.description,
                    effectiveState: $0.effectiveState.description, message: $0.message, expected: $0.expected,
                    found: $0.found, guide: $0.guide, runbook: $0.runbook, acceptedRisk: $0.acceptedRisk,
                    since: $0.since, lastEvaluated: $0.lastEvaluated)
            },
            silences: report.silences?.map {
                SilenceJSON(
                    id: $0.id, check: $0.check.rawValue, resource: $0.resource, startsAt: $0.startsAt,
                    endsAt: $0.endsAt, reason: $0.reason, createdBy: $0.createdBy)
            },
            notifications: report.outbox.map {
                NotificationsJSON(
                    pending: $0.pending, deadLettered: $0.deadLettered, oldestPending: $0.oldestPending,
                    oldestDeadLettered: $0.oldestDeadLettered, lastError: $0.lastError,
                    lastErrorChannel: $0.lastErrorChannel)
            },
            alerts: report.alerts?.map(AlertJSON.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self) + "\n"
    }
}
