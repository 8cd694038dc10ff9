import Foundation
import MnemondModel
import MnemondStore

/// Alerts as Alertmanager's v2 API takes them (`POST /api/v2/alerts`, a JSON array of
/// `postableAlert`). Every finding is one alert named `MnemondFinding`; Alertmanager tells them
/// apart by their labels — `estate`, `check`, `resource`, `severity`, `area` — so a route can
/// match on any of them. A firing alert ends `hold` after it was posted unless posted again
/// (Prometheus' convention: re-sent every interval, ending four intervals ahead); a resolve ends
/// when the finding cleared.
public enum AlertmanagerRenderer {
    /// The `alertname` of every finding.
    public static let alertname = "MnemondFinding"
    /// The `alertname` of `mnemond test-alert`'s message.
    public static let testAlertname = "MnemondTestAlert"

    /// One `postableAlert`.
    public struct Alert: Sendable, Equatable {
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: Date
        public var endsAt: Date
    }

    /// The labels of one alert. `severity` is what the alert last said (critical, warning,
    /// unknown): a resolve carries the severity of the notification it closes, so it matches
    /// the same label set.
    public static func labels(check: CheckID, resource: String, severity: CheckState, estate: String) -> [String:
        String]
    {
        [
            "alertname": alertname, "estate": estate, "check": check.rawValue, "resource": resource,
            "severity": severity.description.lowercased(), "area": check.area,
        ]
    }

    /// The alerts of one outbox message, at delivery time `now`.
    public static func alerts(_ message: AlertMessage, estate: String, now: Date, hold: Duration) -> [Alert] {
        message.items.map { item in
            if message.isTest {
                return Alert(
                    labels: [
                        "alertname": testAlertname, "estate": estate, "check": item.check.rawValue,
                        "resource": item.resource, "severity": "none", "area": "mnemond",
                    ],
                    annotations: annotations(summary: item.message, runbook: item.runbook, key: item.idempotencyKey),
                    startsAt: second(now), endsAt: second(now.addingTimeInterval(hold.seconds)))
            }
            let starts = item.firingSince ?? item.since ?? message.createdAt
            let ends =
                item.kind == .resolved ? (item.since ?? message.createdAt) : now.addingTimeInterval(hold.seconds)
            return Alert(
                labels: labels(check: item.check, resource: item.resource, severity: item.severity, estate: estate),
                annotations: annotations(
                    summary: item.message, expected: item.expected, found: item.found, runbook: item.runbook,
                    guide: item.guide, key: item.idempotencyKey),
                startsAt: second(starts), endsAt: max(second(starts), second(ends)))
        }
    }

    /// The re-post of the alerts the store says were told firing (and not silenced since), each
    /// ending `hold` from `now`; and of the resolves sent within `resolvedWithin`, so a resolve that
    /// reached Alertmanager before a late firing retry still wins. Idempotent: Alertmanager merges
    /// alerts with the same labels.
    public static func alerts(
        records: [AlertRecord], estate: String, now: Date, hold: Duration, resolvedWithin: Duration
    ) -> [Alert] {
        records.compactMap { r in
            guard r.episode > 0, r.notifiedEpisode == r.episode, let severity = r.notifiedSeverity,
                severity != .ok
            else { return nil }
            let labels = labels(check: r.check, resource: r.resource, severity: severity, estate: estate)
            if r.phase == .firing, r.notifiedKind != NotificationKind.resolved.rawValue, r.silencedBy == nil {
                let starts = r.firingSince ?? r.badSince ?? now
                return Alert(
                    labels: labels,
                    annotations: annotations(
                        summary: r.message, expected: r.expected, found: r.found, runbook: r.runbook, guide: r.guide,
                        key: r.firingKey),
                    startsAt: second(starts), endsAt: max(second(starts), second(now.addingTimeInterval(hold.seconds))))
            }
            if r.phase == .inactive, r.notifiedKind == NotificationKind.resolved.rawValue, let resolved = r.resolvedAt,
                now.timeIntervalSince(resolved) <= resolvedWithin.seconds
            {
                let starts = r.firingSince ?? resolved
                return Alert(
                    labels: labels,
                    annotations: annotations(
                        summary: r.message, expected: r.expected, found: r.found, guide: r.guide, key: r.firingKey),
                    startsAt: second(starts), endsAt: max(second(starts), second(resolved)))
            }
            return nil
        }
    }

    static func annotations(
        summary: String, expected: String? = nil, found: String? = nil, runbook: String? = nil, guide: String? = nil,
        key: String?
    ) -> [String: String] {
        var a = ["summary": summary]
        a["expected"] = expected
        a["found"] = found
        a["runbook"] = runbook
        a["guide"] = guide
        a["idempotency_key"] = key
        return a
    }

    /// The request body: a JSON array, keys sorted, times in RFC 3339 (UTC, whole seconds).
    public static func body(_ alerts: [Alert]) -> Data {
        let array: [[String: Any]] = alerts.map {
            [
                "labels": $0.labels, "annotations": $0.annotations, "startsAt": timestamp($0.startsAt),
                "endsAt": timestamp($0.endsAt),
            ]
        }
        return (try? JSONSerialization.data(withJSONObject: array, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("[]".utf8)
    }

    /// `2026-11-19T14:05:09Z` (as `ISO8601DateFormatter` writes it, without building that ICU
    /// object).
    static func timestamp(_ date: Date) -> String { UTCText.iso(date) }

    /// Whole seconds, rounded down: what the body says, so `endsAt ≥ startsAt` holds on the wire.
    static func second(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
