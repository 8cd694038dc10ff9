import Foundation
import MnemondModel

/// The report as an e-mail (both renderings as multipart/alternative) and as the short summary
/// published to SNS.
public enum ReportMail {
    /// The verdict without its detail: `Not recoverable as promised for 3 h 10 m on Wed`.
    static func shortVerdict(_ report: RecoveryReport) -> String {
        let line = report.verdict.line
        return line.range(of: " — ").map { String(line[..<$0.lowerBound]) } ?? line
    }

    /// `[mnemond] Week 47, 16–22 Nov 2026: Recoverable all week`.
    public static func subject(_ report: RecoveryReport) -> String {
        "[mnemond] \(report.period.title): \(shortVerdict(report))"
    }

    /// `<mnemond-report.2026-W47.mn-…@example.org>` without the brackets: stable for one queued
    /// report, so a retried delivery is recognisably the same message.
    public static func messageID(key: String, idempotencyKey: String, from: MailAddress) -> String {
        "mnemond-report.\(key).\(idempotencyKey)@\(from.domain)"
    }

    public static func message(
        _ report: RecoveryReport, from: MailAddress, to: [MailAddress], date: Date, idempotencyKey: String
    ) -> Data {
        let tz = TimeZone(identifier: report.period.timeZone) ?? ReportPeriod.defaultTimeZone
        return MIME.alternative(
            from: from, to: to, subject: subject(report), date: date, timeZone: tz,
            messageID: messageID(key: report.period.key, idempotencyKey: idempotencyKey, from: from),
            parts: [
                MIME.Part(contentType: "text/plain", body: TextReport.render(report)),
                MIME.Part(contentType: "text/html", body: HTMLReport.render(report)),
            ],
            extraHeaders: [(name: "X-Mnemond-Report", value: report.period.key)])
    }

    /// SNS allows a subject of fewer than 100 printable ASCII characters.
    public static func snsSubject(_ report: RecoveryReport) -> String {
        ascii("[mnemond] \(report.period.key): \(shortVerdict(report))", limit: 99)
    }

    /// A few lines for the SNS topic's subscribers: the verdict, compliance, incidents, measured
    /// RPO, jobs and overdue maintenance. The full report goes by e-mail.
    public static func snsSummary(_ report: RecoveryReport, emailedTo: Int) -> String {
        let tz = TimeZone(identifier: report.period.timeZone) ?? ReportPeriod.defaultTimeZone
        var lines = ["mnemond weekly recovery report, \(report.period.title)", report.verdict.line, ""]
        lines.append(
            "Compliance: "
                + report.areas.map { "\($0.area) \($0.okFraction.map(ReportFormat.percent) ?? "—")" }.joined(
                    separator: ", "))
        let serious = report.incidents.filter { $0.severity != .unknown }
        lines.append("Incidents: \(serious.count)")
        for incident in serious.prefix(3) {
            lines.append(
                "  \(incident.severity) \(incident.check) \(incident.resource): \(TextReport.when(incident, tz)), \(incident.notification.outcome.rawValue)"
            )
        }
        for m in report.rpo {
            lines.append(
                "RPO \(TextReport.label(m.kind)) \(m.subject): max \(TextReport.seconds(m.maxSeconds)), p95 \(TextReport.seconds(m.p95Seconds)) — \(m.state)"
            )
        }
        lines.append("Backup jobs: \(TextReport.jobsLine(report.jobs))")
        let overdue = report.maintenance.filter { $0.status == .overdue }
        if !overdue.isEmpty { lines.append("Overdue: " + overdue.map(\.task).joined(separator: "; ")) }
        if emailedTo > 0 {
            lines += ["", "The full report was e-mailed to \(emailedTo) recipient\(emailedTo == 1 ? "" : "s")."]
        }
        return lines.joined(separator: "\n")
    }

    static func ascii(_ text: String, limit: Int) -> String {
        let replacements: [Character: String] = [
            "—": "-", "–": "-", "…": "...", "→": "->", "≥": ">=", "≤": "<=", "✓": "", "✗": "", "−": "-",
        ]
        var out = ""
        for c in text {
            if let r = replacements[c] {
                out += r
            } else if c.isASCII, !c.isNewline {
                out.append(c)
            }
        }
        if out.count > limit { out = String(out.prefix(limit - 3)) + "..." }
        return out
    }
}
