import Foundation
import MnemondModel
import MnemondStore

extension Render {
    /// `status --nagios`: one line as the Nagios plugin guidelines ask —
    /// `MNEMOND CRITICAL - <headline or counts> | 'label'=value[unit];warn;crit;min;max …` —
    /// with the measured recovery figures and the state counts as performance data.
    public static func statusNagios(_ report: StatusReport) -> String {
        let state = report.overall
        var text: String
        if report.lastCycle == nil {
            text = "nothing recorded yet: is `mnemond run` running?"
        } else if let stale = report.staleSeconds {
            text = "STALE: nothing written for \(DurationText.human(stale))"
        } else if let headline = report.headline {
            text = headline.text
        } else {
            text = report.states.filter { $0.effectiveState != .ok }.map { "\($0.check) \($0.resource)" }
                .joined(separator: ", ")
            if text.isEmpty { text = "\(report.states.count) checks OK" }
        }
        // Nagios cuts the plugin output at "|": the text may not carry one.
        text = text.replacingOccurrences(of: "|", with: "/").replacingOccurrences(of: "\n", with: " ")
        return "MNEMOND \(state.description) - \(text) | \(performanceData(report).joined(separator: " "))\n"
    }

    /// The performance data: PITR lag per instance, replication latency per source bucket,
    /// snapshot age per vault and the ledger's RPO per scenario, in seconds with the policy's
    /// warning and critical limits where it has them; then the count of each state.
    static func performanceData(_ report: StatusReport) -> [String] {
        var data: [String] = []
        func newest(_ series: Series) -> [Sample] {
            report.latest.filter { $0.series == series }.sorted { $0.labelKey < $1.labelKey }
        }
        for sample in newest(.rdsPitrLagSeconds) {
            let instance = sample.labels["instance"] ?? "?"
            let limits = report.policy?.rds.first { $0.identifier == instance }
            data.append(
                datum(
                    "pitr_lag_\(instance)", sample.value, unit: "s",
                    warning: limits.map { Double($0.pitrWarningSeconds) },
                    critical: limits.map { Double($0.pitrCriticalSeconds) }))
        }
        for sample in newest(.s3ReplicationLatencySeconds) {
            let source = sample.labels["source"] ?? sample.labels["bucket"] ?? "?"
            let promise = report.policy?.buckets.first { $0.name == source }?.replication
            data.append(
                datum(
                    "replication_latency_\(source)", sample.value, unit: "s", warning: nil,
                    critical: promise.map { Double($0.latencyCriticalSeconds) }))
        }
        for sample in newest(.backupSnapshotRPOSeconds) {
            data.append(datum("snapshot_age_\(sample.labels["vault"] ?? "?")", sample.value, unit: "s"))
        }
        for sample in newest(.recoveryRPOSeconds) {
            let name = [sample.labels["scenario"], sample.labels["resource"]].compactMap { $0 }.joined(separator: "_")
            data.append(datum("rpo_\(name)", sample.value, unit: "s"))
        }
        let counts = Dictionary(grouping: report.states.map(\.effectiveState), by: { $0 }).mapValues(\.count)
        for state in [CheckState.critical, .warning, .unknown, .ok] {
            data.append(datum(state.description.lowercased(), Double(counts[state] ?? 0), unit: "", min: 0))
        }
        return data
    }

    /// `'label'=value[unit];[warn];[crit];[min];[max]`, trailing empty fields dropped; the label
    /// quoted when it holds anything but letters, digits, `_`, `-` and `.`.
    static func datum(
        _ label: String, _ value: Double, unit: String, warning: Double? = nil, critical: Double? = nil,
        min: Double? = 0
    ) -> String {
        func number(_ v: Double?) -> String {
            guard let v, v.isFinite else { return "" }
            return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.3f", v)
        }
        let plain = label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
        let name = plain ? label : "'" + label.replacingOccurrences(of: "'", with: "''") + "'"
        var fields = [number(value) + unit, number(warning), number(critical), number(min)]
        while fields.count > 1, fields.last?.isEmpty == true { fields.removeLast() }
        return "\(name)=\(fields.joined(separator: ";"))"
    }
}
