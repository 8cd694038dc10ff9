import Foundation
import MnemondModel

/// The HTML report: the e-mail's HTML part. Mail clients strip `<style>` blocks and never run
/// scripts or fetch remote resources reliably, so this uses only tables, inline CSS, bars made of
/// table cells with pixel widths, and Unicode sparklines — it renders the same offline, in
/// webmail, and in a browser.
///
/// One column, no media queries (mail clients drop them): each item of a section is a stacked
/// row — a title with one short value on its right, the details below it — so the report fits a
/// phone of 320 px as well as a 760 px desktop column (the column is `max-width`; Outlook for
/// Windows, which ignores it, gets a fixed-width table in a conditional comment). Nothing is wider than the narrowest
/// screen: no fixed width above 160 px, long names and sparklines may break anywhere.
public enum HTMLReport {
    static let width = 760
    static let font = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,'DejaVu Sans',sans-serif"
    static let mono = "'DejaVu Sans Mono',Menlo,Consolas,'Liberation Mono',monospace"

    struct Palette {
        var text: String
        var background: String
    }

    static func palette(_ state: CheckState) -> Palette {
        switch state {
        case .ok: Palette(text: "#166534", background: "#dcfce7")
        case .warning: Palette(text: "#92400e", background: "#fef3c7")
        case .critical: Palette(text: "#991b1b", background: "#fee2e2")
        case .unknown: Palette(text: "#5b21b6", background: "#ede9fe")
        }
    }

    static func barColor(_ state: CheckState) -> String {
        switch state {
        case .ok: "#16a34a"
        case .warning: "#d97706"
        case .critical: "#dc2626"
        case .unknown: "#7c3aed"
        }
    }

    public static func render(_ report: RecoveryReport) -> String {
        let tz = TimeZone(identifier: report.period.timeZone) ?? ReportPeriod.defaultTimeZone
        var body = ""
        body += header(report, tz)
        body += verdict(report.verdict)
        body += section("Compliance", note: "share of the observed time every check of the area was OK") {
            compliance(report, tz)
        }
        body += section("Incidents", note: "each stretch in which a check was not OK") { incidents(report, tz) }
        body += section(
            "Measured RPO vs promise", note: "over the period; sparkline: worst per 6 h, full = at the limit"
        ) {
            rpo(report)
        }
        body += section("Backup jobs", note: "guide Phase 6 Step 6.4") { jobs(report) }
        body += section("Recovery-point coverage", note: "of the retention window, per vault") { coverage(report) }
        body += section("Storage", note: storageNote(report)) { storage(report) }
        body += section("Accepted risks", note: "shown, never paged") { risks(report) }
        body += section("Maintenance due", note: "guide, Maintenance Tasks") { maintenance(report, tz) }
        if !report.trend.isEmpty {
            body += section(
                "Trend", note: "against the previous \(report.period.key.contains("W") ? "week" : "period")"
            ) {
                trend(report)
            }
        }
        body += """
            <tr><td style="padding:16px 16px 20px 16px;color:#6b7280;font-size:12px;border-top:1px solid #e5e7eb;">\
            Generated \(e(ReportFormat.dateTime(report.generatedAt, tz))) from the mnemond store (no AWS calls). \
            Details: <span style="font-family:\(mono);">mnemond status</span>, \
            <span style="font-family:\(mono);">mnemond history SERIES</span>.</td></tr>
            """
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">\
            <meta name="viewport" content="width=device-width, initial-scale=1">\
            <title>\(e("mnemond — \(report.period.title)"))</title></head>
            <body style="margin:0;padding:0;background:#f3f4f6;">
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;">\
            <tr><td align="center" style="padding:12px 4px;">
            <!--[if mso]><table role="presentation" width="\(width)" cellpadding="0" cellspacing="0"><tr><td><![endif]-->
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%;\
            max-width:\(width)px;background:#ffffff;border:1px solid #e5e7eb;border-radius:8px;font-family:\(font);\
            color:#111827;font-size:14px;line-height:1.45;word-wrap:break-word;overflow-wrap:anywhere;">
            \(body)
            </table>
            <!--[if mso]></td></tr></table><![endif]-->
            </td></tr></table>
            </body></html>

            """
    }

    // MARK: Layout pieces

    /// Escapes text for HTML content and attribute values.
    static func e(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func header(_ report: RecoveryReport, _ tz: TimeZone) -> String {
        """
        <tr><td style="padding:16px 16px 8px 16px;">\
        <div style="font-size:12px;color:#6b7280;letter-spacing:.04em;text-transform:uppercase;">mnemond · weekly recovery report</div>\
        <div style="font-size:22px;font-weight:700;margin-top:2px;">\(e(report.period.title))</div>\
        <div style="font-size:12px;color:#6b7280;">\(e(ReportFormat.zone(tz, at: report.period.start))) · \
        \(e(ReportFormat.dateTime(report.period.start, tz))) – \(e(ReportFormat.dateTime(report.period.end, tz)))</div>\
        </td></tr>
        """
    }

    static func verdict(_ v: RecoveryReport.Verdict) -> String {
        let state: CheckState =
            v.recoverable
            ? (v.worst == .ok ? .ok : v.unknownSeconds + v.unmonitoredSeconds > 0 ? .unknown : .warning) : .critical
        let p = palette(v.recoverable && v.worst == .warning ? .ok : state)
        let mark = v.recoverable ? "✓" : "✗"
        // The headline, then what it is about on its own line (`… — backup.job_freshness db`).
        let parts = v.line.components(separatedBy: " — ")
        let detail =
            parts.count > 1
            ? "<div style=\"font-size:13px;font-weight:400;margin-top:2px;\">\(e(parts.dropFirst().joined(separator: " — ")))</div>"
            : ""
        return """
            <tr><td style="padding:8px 16px 4px 16px;">\
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>\
            <td style="background:\(p.background);color:\(p.text);border-left:6px solid \(p.text);padding:12px 16px;\
            font-size:18px;font-weight:700;border-radius:4px;">\(mark) \(e(parts[0]))\(detail)</td></tr></table>\
            </td></tr>
            """
    }

    static func section(_ title: String, note: String, _ content: () -> String) -> String {
        """
        <tr><td style="padding:18px 16px 0 16px;">\
        <div style="font-size:13px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;color:#374151;\
        border-bottom:2px solid #e5e7eb;padding-bottom:4px;margin-bottom:8px;">\(e(title)) \
        <span style="font-weight:400;text-transform:none;letter-spacing:0;color:#6b7280;">— \(e(note))</span></div>\
        \(content())</td></tr>
        """
    }

    static func chip(_ text: String, _ state: CheckState) -> String {
        let p = palette(state)
        return
            "<span style=\"display:inline-block;background:\(p.background);color:\(p.text);font-size:11px;font-weight:700;padding:1px 6px;border-radius:3px;white-space:nowrap;\">\(e(text))</span>"
    }

    /// A percentage bar made of two table cells with pixel widths (mail clients ignore most CSS
    /// sizing, but honour cell widths).
    static func bar(_ fraction: Double?, state: CheckState, width: Int = 140) -> String {
        guard let fraction else { return "<span style=\"color:#9ca3af;\">no data</span>" }
        let filled = max(0, min(width, Int((fraction * Double(width)).rounded(.down))))
        var cells = ""
        if filled > 0 {
            cells +=
                "<td width=\"\(filled)\" style=\"width:\(filled)px;height:10px;background:\(barColor(state));font-size:0;line-height:0;\">&nbsp;</td>"
        }
        if filled < width {
            cells +=
                "<td width=\"\(width - filled)\" style=\"width:\(width - filled)px;height:10px;background:#e5e7eb;font-size:0;line-height:0;\">&nbsp;</td>"
        }
        return
            "<table role=\"presentation\" width=\"\(width)\" cellpadding=\"0\" cellspacing=\"0\" style=\"width:\(width)px;border-collapse:collapse;\"><tr>\(cells)</tr></table>"
    }

    static func sparkline(_ text: String, color: String = "#2563eb") -> String {
        "<span style=\"font-family:\(mono);font-size:13px;color:\(color);word-break:break-all;letter-spacing:0;\">\(e(text))</span>"
    }

    /// A sparkline against a limit: slices within it in grey-blue, slices over it in the
    /// measure's state colour — the eye goes to where the promise was broken, not to a block of
    /// colour.
    static func limitSparkline(_ values: [Double?], limit: Double?, state: CheckState) -> String {
        let characters = Array(Sparkline.render(values, floor: 0, ceiling: limit))
        var html = ""
        var run = ""
        var runColor = ""
        for (index, character) in characters.enumerated() {
            let over = limit.map { (values[index] ?? 0) > $0 } ?? false
            let color = over ? barColor(state == .ok ? .warning : state) : "#94a3b8"
            if color != runColor, !run.isEmpty {
                html += "<span style=\"color:\(runColor);\">\(e(run))</span>"
                run = ""
            }
            runColor = color
            run.append(character)
        }
        if !run.isEmpty { html += "<span style=\"color:\(runColor);\">\(e(run))</span>" }
        return "<div style=\"font-family:\(mono);font-size:12px;line-height:1.2;word-break:break-all;\">\(html)</div>"
    }

    static func small(_ text: String) -> String {
        "<div style=\"color:#6b7280;font-size:12px;\">\(e(text))</div>"
    }

    static func code(_ text: String) -> String {
        "<span style=\"font-family:\(mono);font-size:12px;word-break:break-all;\">\(e(text))</span>"
    }

    /// One item of a section, stacked: the title and one short value on its right (a chip, a
    /// number), the details on the lines below at the full width of the column.
    static func item(_ title: String, aside: String = "", _ details: String = "") -> String {
        "<tr><td style=\"padding:6px 0;border-bottom:1px solid #f3f4f6;\">"
            + "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr>"
            + "<td valign=\"top\" style=\"padding-right:8px;\">\(title)</td>"
            + (aside.isEmpty
                ? ""
                : "<td align=\"right\" valign=\"top\" style=\"text-align:right;white-space:nowrap;\">\(aside)</td>")
            + "</tr></table>\(details)</td></tr>"
    }

    static func items(_ rows: [String]) -> String {
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;font-size:13px;\">"
            + rows.joined() + "</table>"
    }

    /// `label value · label value` on one line that wraps between pairs, never inside one.
    static func facts(_ pairs: [(String, String)]) -> String {
        "<div style=\"font-size:12px;color:#374151;\">"
            + pairs.map {
                "<span style=\"white-space:nowrap;\"><span style=\"color:#6b7280;\">\(e($0.0))</span> \($0.1)</span>"
            }.joined(separator: " · ")
            + "</div>"
    }

    // MARK: Sections

    static func compliance(_ report: RecoveryReport, _ tz: TimeZone) -> String {
        let rows = report.areas.map { area -> String in
            let failing = area.checks.filter { ($0.okFraction ?? 1) < 1 }.map {
                code($0.check.rawValue) + " " + e($0.okFraction.map(ReportFormat.percent) ?? "—")
            }
            return item(
                e(area.title), aside: "<b>\(e(area.okFraction.map(ReportFormat.percent) ?? "—"))</b>",
                "<div style=\"padding:3px 0;\">\(bar(area.okFraction, state: area.worst))</div>"
                    + (failing.isEmpty
                        ? small("all checks OK")
                        : "<div style=\"font-size:12px;\">\(failing.joined(separator: "<br>"))</div>"))
        }
        var html = rows.isEmpty ? small("no check was evaluated in this period") : items(rows)
        html += small(TextReport.monitoringLine(report.monitoring, tz))
        return html
    }

    static func incidents(_ report: RecoveryReport, _ tz: TimeZone) -> String {
        guard !report.incidents.isEmpty else {
            return "<div style=\"color:#166534;\">None: every check was OK whenever it was evaluated.</div>"
        }
        let rows = report.incidents.prefix(TextReport.incidentLimit).map { i -> String in
            let n = i.notification
            let notifyState: CheckState =
                switch n.outcome {
                case .delivered: .ok
                case .pending: .warning
                case .failed: .critical
                case .silenced, .none: .unknown
                }
            return item(
                chip(i.severity.description, i.severity)
                    + " <span style=\"font-size:12px;\">\(e(TextReport.when(i, tz)))</span>",
                aside: chip(n.outcome.rawValue, notifyState),
                "<div>\(code("\(i.check) \(i.resource)"))</div>"
                    + small(TextReport.withoutResource(i.message, i.resource))
                    + (n.detail.isEmpty ? "" : small("notified: " + n.detail)))
        }
        var html = items(Array(rows))
        if report.incidents.count > TextReport.incidentLimit {
            html += small("… and \(report.incidents.count - TextReport.incidentLimit) more (mnemond status)")
        }
        return html
    }

    static func rpo(_ report: RecoveryReport) -> String {
        guard !report.rpo.isEmpty else { return small("nothing measured in this period") }
        let rows = report.rpo.map { m -> String in
            item(
                "<b>\(e(TextReport.label(m.kind)))</b><div style=\"font-family:\(mono);font-size:12px;word-break:break-all;\">\(e(m.subject))</div>",
                aside: chip(m.state.description, m.state),
                small(m.measure)
                    + facts([
                        ("p50", e(TextReport.seconds(m.p50Seconds))), ("p95", e(TextReport.seconds(m.p95Seconds))),
                        ("max", "<b>\(e(TextReport.seconds(m.maxSeconds)))</b>"),
                    ])
                    + limitSparkline(m.sparkline, limit: m.limitSeconds, state: m.state)
                    + small(m.promise + (m.approximate ? " (approx.: hourly rollups)" : "")))
        }
        return items(rows)
    }

    static func jobs(_ report: RecoveryReport) -> String {
        let j = report.jobs
        guard j.measured else { return small("no backup job data in this period") }
        var cells = [("completed", String(j.completed), CheckState.ok)]
        for (state, n) in j.failedByState.sorted(by: { $0.key < $1.key }) {
            cells.append((state.lowercased(), String(n), .critical))
        }
        if j.failed == 0 { cells.append(("failed", "0", .ok)) }
        let rate = j.successRate
        // Tiles side by side while they fit, wrapping to the next line on a narrow screen.
        var html = "<div>"
        for (name, value, state) in cells {
            let p = palette(state)
            html +=
                "<div style=\"display:inline-block;vertical-align:top;margin:0 8px 6px 0;padding:6px 14px;background:\(p.background);color:\(p.text);border-radius:4px;text-align:center;\"><div style=\"font-size:20px;font-weight:700;\">\(e(value))</div><div style=\"font-size:11px;\">\(e(name))</div></div>"
        }
        html +=
            "<div style=\"display:inline-block;vertical-align:top;margin:0 8px 6px 0;padding:6px 4px;\"><div style=\"font-size:20px;font-weight:700;\">\(e(rate.map(ReportFormat.percent) ?? "—"))</div><div style=\"font-size:11px;color:#6b7280;\">success rate</div></div>"
        html += "</div>"
        html +=
            "<div style=\"padding:2px 0 4px 0;\">\(bar(rate, state: j.failed == 0 ? .ok : .warning, width: 120))</div>"
        if !j.newRecoveryPoints.isEmpty {
            let points = j.newRecoveryPoints.sorted { $0.key < $1.key }.map { "\(code($0.key)) \($0.value)" }
            html +=
                "<div style=\"font-size:12px;color:#6b7280;margin-top:6px;\">new recovery points: \(points.joined(separator: " · "))</div>"
        }
        if j.partlyWatched { html += small(String(TextReport.watchedNote(j).dropFirst(2).dropLast())) }
        return html
    }

    static func coverage(_ report: RecoveryReport) -> String {
        guard !report.coverage.isEmpty else { return small("no coverage evaluated in this period") }
        let rows = report.coverage.map { c -> String in
            item(
                code(c.vault),
                aside: (c.stateAtEnd.map { chip($0.description, $0) } ?? "—") + " "
                    + e(c.okFraction.map(ReportFormat.percent) ?? "—"),
                "<div style=\"font-size:12px;\">"
                    + e(c.found ?? c.largestGapSeconds.map { "largest gap \(DurationText.human($0))" } ?? "—")
                    + "</div>" + small(c.promise))
        }
        return items(rows)
    }

    static func storageNote(_ report: RecoveryReport) -> String {
        let asOf = report.storage.compactMap(\.asOf).max()
        return "S3 BucketSizeBytes per storage class"
            + (asOf.map { ", as of \(ReportFormat.day($0, TimeZone(identifier: "UTC")!)) (daily, 1–3 days late)" } ?? "")
    }

    static func storage(_ report: RecoveryReport) -> String {
        guard !report.storage.isEmpty else { return small("no storage metrics in this period") }
        let rows = report.storage.map { s -> String in
            let change = s.change ?? 0
            let color = change > 0 ? "#1d4ed8" : change < 0 ? "#b45309" : "#6b7280"
            return item(
                code(s.bucket) + small(s.storageType),
                aside: "<b>\(e(s.bytesAtEnd.map(ReportFormat.bytes) ?? "—"))</b>",
                "<div style=\"font-size:12px;\"><span style=\"color:#6b7280;\">this week</span> "
                    + "<span style=\"color:\(color);\">\(e(s.change.map { ReportFormat.bytesChange($0, from: s.bytesAtStart) } ?? "—"))</span>"
                    + " <span style=\"color:#6b7280;\">daily</span> \(sparkline(Sparkline.render(s.daily), color: "#6b7280"))</div>"
            )
        }
        var html = items(rows)
        let objects = report.objects.compactMap { o -> String? in
            guard let end = o.atEnd else { return nil }
            let delta = o.atStart.map { end - $0 }
            let change = delta.map { $0 == 0 ? "±0" : ($0 > 0 ? "+" : "") + ReportFormat.count($0) } ?? "new"
            return "\(code(o.bucket)) \(e(ReportFormat.count(end))) (\(e(change)))"
        }
        if !objects.isEmpty {
            html +=
                "<div style=\"font-size:12px;color:#6b7280;margin-top:6px;\">objects: \(objects.joined(separator: " · "))</div>"
        }
        return html
    }

    static func risks(_ report: RecoveryReport) -> String {
        guard !report.acceptedRisks.isEmpty else { return small("none") }
        let rows = report.acceptedRisks.map { r -> String in
            let waived = r.waived.sorted { $0.key < $1.key }.map {
                "\(code($0.key)) \(chip($0.value.description, $0.value))"
            }
            let expired = r.until.map { $0 <= report.period.end } ?? false
            return item(
                code("\(r.check)") + small("on \(r.resource ?? "every resource")"),
                aside: chip(r.status, expired ? .critical : .unknown),
                "<div style=\"font-size:12px;\">\(e(r.reason))</div>"
                    + (waived.isEmpty
                        ? ""
                        : "<div style=\"margin-top:3px;font-size:12px;\">waived: \(waived.joined(separator: "<br>"))</div>")
            )
        }
        return items(rows)
    }

    static func maintenance(_ report: RecoveryReport, _ tz: TimeZone) -> String {
        let tracked = report.maintenance.filter { $0.status != .notObservable && $0.status != .covered }
        var html = ""
        if !tracked.isEmpty {
            let rows = tracked.map { m -> String in
                let state: CheckState =
                    switch m.status {
                    case .overdue: .critical
                    case .dueSoon: .warning
                    default: .ok
                    }
                return item(
                    e(m.task), aside: chip(TextReport.status(m.status), state),
                    facts([
                        ("cadence", e(m.cadence)),
                        ("last done", e(m.lastDone.map { ReportFormat.isoDay($0, tz) } ?? "never seen")),
                        ("due", e(m.due.map { ReportFormat.isoDay($0, tz) } ?? "—")),
                    ]) + small(m.evidence))
            }
            html += items(rows)
        }
        let covered = report.maintenance.filter { $0.status == .covered }.map(\.task)
        if !covered.isEmpty {
            html +=
                "<div style=\"font-size:12px;margin-top:6px;\">\(chip("covered", .ok)) weekly, by this report: \(e(covered.joined(separator: "; ")))</div>"
        }
        let manual = report.maintenance.filter { $0.status == .notObservable }
        if !manual.isEmpty {
            let items = manual.map { "<li>\(e($0.cadence)): \(e($0.task))</li>" }.joined()
            html +=
                "<div style=\"font-size:12px;color:#4b5563;margin-top:6px;\">\(chip("by hand", .unknown)) not observable by mnemond — confirm:<ul style=\"margin:2px 0 0 18px;padding:0;\">\(items)</ul></div>"
        }
        return html
    }

    static func trend(_ report: RecoveryReport) -> String {
        let rows = report.trend.map { t -> String in
            let color = t.better == true ? "#166534" : t.better == false ? "#991b1b" : "#6b7280"
            let word = t.better == true ? " better" : t.better == false ? " worse" : ""
            return item(
                e(t.metric), aside: "<b>\(e(t.current))</b>",
                facts([
                    ("before", e(t.previous)),
                    ("change", "<span style=\"color:\(color);\">\(e(t.change + word))</span>"),
                ]))
        }
        return items(rows)
    }
}
