import Foundation
import MnemondModel

/// The plain-text report: the e-mail's text part and `mnemond report --format text`. Fits 100
/// columns; every number carries its unit; times are in the report's zone.
public enum TextReport {
    /// Incidents listed in full; the rest are counted.
    static let incidentLimit = 12

    public static func render(_ report: RecoveryReport) -> String {
        let tz = TimeZone(identifier: report.period.timeZone) ?? ReportPeriod.defaultTimeZone
        var out: [String] = []
        out.append(
            "mnemond weekly recovery report — \(report.period.title) (\(ReportFormat.zone(tz, at: report.period.start)))"
        )
        out.append("")
        out.append("\(report.verdict.recoverable ? "✓" : "✗") \(report.verdict.line)")
        out.append("")

        out.append("COMPLIANCE — share of the observed time every check of the area was OK")
        var rows: [[String]] = []
        var below: [Int: String] = [:]
        for area in report.areas {
            let failing = area.checks.filter { ($0.okFraction ?? 1) < 1 }
                .map { "\($0.check) \($0.okFraction.map(ReportFormat.percent) ?? "—")" }
            if !failing.isEmpty { below[rows.count] = "below 100 %: " + failing.joined(separator: ", ") }
            rows.append([area.title, area.okFraction.map(ReportFormat.percent) ?? "no data", bar(area.okFraction)])
        }
        for (index, line) in table(rows, indent: 2).enumerated() {
            out.append(line)
            if let detail = below[index] { out.append("      " + detail) }
        }
        out.append("  " + monitoringLine(report.monitoring, tz))
        out.append("")

        out.append("INCIDENTS")
        if report.incidents.isEmpty {
            out.append("  none: every check was OK whenever it was evaluated")
        }
        for incident in report.incidents.prefix(incidentLimit) {
            out.append(
                "  \(incident.severity.description.padding(toLength: 8, withPad: " ", startingAt: 0))  \(when(incident, tz))  \(incident.check) \(incident.resource)"
            )
            out.append("            \(withoutResource(incident.message, incident.resource))")
            out.append("            notified: \(incident.notification.detail)")
        }
        if report.incidents.count > incidentLimit {
            out.append("  … and \(report.incidents.count - incidentLimit) more (mnemond status, mnemond history)")
        }
        out.append("")

        out.append("MEASURED RPO vs PROMISE — over the period; sparkline: worst per 6 h, full block = at the limit")
        rows = [["", "p50", "p95", "max", "", ""]]
        for m in report.rpo {
            rows.append([
                "\(label(m.kind)) \(m.subject)", seconds(m.p50Seconds), seconds(m.p95Seconds), seconds(m.maxSeconds),
                m.state.description, Sparkline.render(m.sparkline, floor: 0, ceiling: m.limitSeconds),
            ])
        }
        if report.rpo.isEmpty {
            out.append("  nothing measured")
        } else {
            for (index, line) in table(rows, indent: 2).enumerated() {
                out.append(line)
                if index > 0 {
                    let m = report.rpo[index - 1]
                    out.append("      promise: " + m.promise + (m.approximate ? " (approx.: hourly rollups)" : ""))
                }
            }
        }
        out.append("")

        out.append("BACKUP JOBS (guide Phase 6 Step 6.4)")
        out.append("  " + jobsLine(report.jobs))
        if !report.jobs.newRecoveryPoints.isEmpty {
            let points = report.jobs.newRecoveryPoints.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            out.append("  new recovery points: \(points.joined(separator: ", "))")
        }
        out.append("")

        let promises = Set(report.coverage.map(\.promise))
        out.append(
            "RECOVERY-POINT COVERAGE of the retention window"
                + (promises.count == 1 ? " — promise: \(promises.first!)" : ""))
        rows = []
        for c in report.coverage {
            rows.append([
                c.vault, c.stateAtEnd?.description ?? "—",
                c.okFraction.map { "OK \(ReportFormat.percent($0)) of the period" } ?? "",
                (c.found ?? c.largestGapSeconds.map { "largest gap \(DurationText.human($0))" } ?? "")
                    + (promises.count > 1 ? "; promise: \(c.promise)" : ""),
            ])
        }
        if rows.isEmpty { rows.append(["no coverage evaluated"]) }
        out += table(rows, indent: 2)
        out.append("")

        let asOf = report.storage.compactMap(\.asOf).max()
        out.append(
            "STORAGE — S3 BucketSizeBytes per storage class"
                + (asOf.map {
                    ", as of \(ReportFormat.day($0, TimeZone(identifier: "UTC")!)) (published daily, 1–3 days late)"
                } ?? ""))
        rows = []
        for s in report.storage {
            rows.append([
                s.bucket, s.storageType, s.bytesAtEnd.map(ReportFormat.bytes) ?? "—",
                s.change.map { ReportFormat.bytesChange($0, from: s.bytesAtStart) } ?? "—", Sparkline.render(s.daily),
            ])
        }
        if rows.isEmpty { rows.append(["no storage metrics in this period", "", "", "", ""]) }
        out += table(rows, indent: 2)
        let objects = report.objects.compactMap { o -> String? in
            guard let end = o.atEnd else { return nil }
            let delta = o.atStart.map { end - $0 }
            let change = delta.map { $0 == 0 ? "±0" : ($0 > 0 ? "+" : "") + ReportFormat.count($0) } ?? "new"
            return "\(o.bucket) \(ReportFormat.count(end)) (\(change))"
        }
        if !objects.isEmpty { out.append("  objects: " + objects.joined(separator: ", ")) }
        out.append("")

        out.append("ACCEPTED RISKS — shown, never paged")
        if report.acceptedRisks.isEmpty { out.append("  none") }
        for risk in report.acceptedRisks {
            let waived = risk.waived.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            out.append(
                "  \(risk.check) on \(risk.resource ?? "every resource") — \(risk.status)"
                    + (waived.isEmpty ? "" : "; waived: \(waived.joined(separator: ", "))"))
            out.append("      \(risk.reason)")
        }
        out.append("")

        out.append("MAINTENANCE DUE (guide, Maintenance Tasks)")
        rows = []
        for line in report.maintenance where line.status != .notObservable && line.status != .covered {
            rows.append([
                status(line.status), line.cadence, line.task,
                "last done " + (line.lastDone.map { ReportFormat.isoDay($0, tz) } ?? "never seen"),
                line.due.map { "due \(ReportFormat.isoDay($0, tz))" } ?? "",
            ])
        }
        out += table(rows, indent: 2)
        let covered = report.maintenance.filter { $0.status == .covered }.map(\.task)
        if !covered.isEmpty { out.append("  weekly, covered by this report: " + covered.joined(separator: "; ")) }
        let manual = report.maintenance.filter { $0.status == .notObservable }
        if !manual.isEmpty {
            out.append("  not observable by mnemond, confirm by hand:")
            for line in manual { out.append("    \(line.cadence): \(line.task)") }
        }
        out.append("")

        if !report.trend.isEmpty {
            out.append("TREND vs the previous \(report.period.key.contains("W") ? "week" : "period")")
            rows = [["", "now", "before", ""]]
            for t in report.trend {
                rows.append([
                    t.metric, t.current, t.previous,
                    t.change + (t.better == true ? " better" : t.better == false ? " worse" : ""),
                ])
            }
            out += table(rows, indent: 2)
            out.append("")
        }
        out.append(
            "Generated \(ReportFormat.dateTime(report.generatedAt, tz)) from the mnemond store (no AWS calls). "
                + "Details: mnemond status, mnemond history SERIES.")
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: Pieces shared with the HTML and the SNS summary

    static func label(_ kind: RecoveryReport.RPOMeasure.Kind) -> String {
        switch kind {
        case .pitr: "PITR"
        case .snapshot: "snapshots"
        case .replication: "replication"
        case .scenario: "RPO"
        }
    }

    static func seconds(_ value: Double?) -> String { value.map(DurationText.human) ?? "—" }

    /// A finding's message without its leading `resource: `, where the resource is shown already.
    static func withoutResource(_ message: String, _ resource: String) -> String {
        message.hasPrefix(resource + ": ") ? String(message.dropFirst(resource.count + 2)) : message
    }

    static func when(_ incident: RecoveryReport.Incident, _ tz: TimeZone) -> String {
        let start = (incident.startedBefore ? "before " : "") + ReportFormat.dateTime(incident.start, tz)
        guard let end = incident.end else {
            return "\(start) – ongoing (\(DurationText.human(incident.durationSeconds)) in period)"
        }
        let sameDay = ReportFormat.day(incident.start, tz) == ReportFormat.day(end, tz)
        let endText = sameDay ? ReportFormat.time(end, tz) : ReportFormat.dateTime(end, tz)
        return "\(start) – \(endText) (\(DurationText.human(incident.durationSeconds)))"
    }

    static func monitoringLine(_ m: RecoveryReport.Monitoring, _ tz: TimeZone) -> String {
        guard m.gapsKnown else {
            return
                "mnemond recorded \(ReportFormat.count(Double(m.cycles))) cycles (gaps not known: older than the store's detail window)"
        }
        var text = "mnemond recorded \(ReportFormat.count(Double(m.cycles))) cycles"
        if m.gaps.isEmpty { return text + "; no gap longer than \(DurationText.human(m.gapThresholdSeconds))" }
        let longest = m.gaps.max { $0.seconds < $1.seconds }!
        text += "; not watching for \(DurationText.human(m.unmonitoredSeconds))"
        text +=
            m.gaps.count == 1
            ? " (\(ReportFormat.range(longest, tz)))"
            : " in \(m.gaps.count) gaps (longest \(ReportFormat.range(longest, tz)))"
        return text
    }

    static func jobsLine(_ jobs: RecoveryReport.JobSummary) -> String {
        guard jobs.measured else { return "no backup job data in this period" }
        var parts = ["\(jobs.completed) completed"]
        for (state, n) in jobs.failedByState.sorted(by: { $0.key < $1.key }) { parts.append("\(n) \(state)") }
        let rate = jobs.successRate.map { "success rate \(ReportFormat.percent($0))" } ?? "no job ended"
        return parts.joined(separator: ", ") + " — " + rate + watchedNote(jobs)
    }

    /// ` (mnemond watched 3 h of 1 d: jobs outside that time are not counted)`, or nothing.
    static func watchedNote(_ jobs: RecoveryReport.JobSummary) -> String {
        guard jobs.partlyWatched else { return "" }
        return " (mnemond watched \(DurationText.human(jobs.watchedSeconds)) of "
            + "\(DurationText.human(jobs.periodSeconds)): jobs outside that time are not counted)"
    }

    static func status(_ s: RecoveryReport.MaintenanceLine.Status) -> String {
        switch s {
        case .covered: "covered"
        case .ok: "ok"
        case .dueSoon: "DUE SOON"
        case .overdue: "OVERDUE"
        case .notObservable: "by hand"
        }
    }

    /// `███████████████████░` (20 cells; a cell is only full when its whole 5 % was OK).
    static func bar(_ fraction: Double?, width: Int = 20) -> String {
        guard let fraction else { return String(repeating: "·", count: width) }
        let full = Int((fraction * Double(width)).rounded(.down))
        return String(repeating: "█", count: full) + String(repeating: "░", count: width - full)
    }

    /// Columns padded to their widest cell; trailing blanks trimmed.
    static func table(_ rows: [[String]], indent: Int) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (i, cell) in row.enumerated() where i < columns - 1 { widths[i] = max(widths[i], cell.count) }
        }
        return rows.map { row in
            var line = String(repeating: " ", count: indent)
            for (i, cell) in row.enumerated() {
                if i < columns - 1, widths[i] == 0 { continue }
                line += i < columns - 1 ? cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0) : cell
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
