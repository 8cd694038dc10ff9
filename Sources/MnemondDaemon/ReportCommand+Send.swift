import Foundation
import MnemondCommands
import MnemondConfig
import MnemondModel
import MnemondNotify
import MnemondReport
import MnemondStore

extension ReportCommand {
    /// `--send`: queues the report (e-mail to `to`, else the config's recipients and the SNS
    /// summary) and delivers it, retrying for at most `alerting.delivery.once_timeout`; what is not
    /// delivered by then stays queued for the daemon. Returns the lines to print.
    public static func send(runtime: Runtime, period: ReportPeriod, to: [String], environment: [String: String])
        async throws(Failure) -> String
    {
        var recipients: [MailAddress]?
        if !to.isEmpty {
            recipients = try to.map { text throws(Failure) in
                guard let address = MailAddress.parse(text) else {
                    throw .usage("--to \"\(text)\" is not an e-mail address")
                }
                return address
            }
        }
        let config = runtime.config
        if config.report.smtp == nil, recipients != nil || !config.report.snsSummary {
            throw .usage(
                "report.smtp is not configured in \(config.file): add a report: section (see etc/mnemond.yaml) to send the report"
            )
        }
        if recipients != nil, config.report.from == nil {
            throw .usage("report.from is not configured in \(config.file)")
        }
        let reporter = WeeklyReporter.live(runtime: runtime, environment: environment)
        let queued: WeeklyReporter.Queued
        do {
            queued = try await reporter.queue(period: period, scheduled: false, recipients: recipients)
        } catch {
            switch error {
            case .noChannel(let text): throw .usage(text)
            case .store(let error): throw .store(error)
            }
        }
        var outcomes = queued.outcomes
        if outcomes.contains(where: { if case .failed = $0 { true } else { false } }) {
            outcomes += await reporter.drain(timeout: config.alerting.onceTimeout)
        }
        let rows: [OutboxRow]
        do {
            rows = try await runtime.store.reportRows(reportID: queued.send.id)
        } catch {
            throw .store(error)
        }
        var lines: [String] = []
        var undelivered = false
        for row in rows {
            let target =
                row.channel == SMTPNotifier.reportChannel
                ? (reporter.email?.target ?? "SMTP") + " to "
                    + ((try? ReportPayload.decode(row.payload).recipients) ?? []).joined(separator: ", ")
                : "SNS " + ((try? ReportPayload.decode(row.payload).topicArn) ?? "")
            if row.deliveredAt != nil {
                lines.append("sent     \(row.channel)  \(period.key) report via \(target)")
            } else {
                undelivered = true
                let state = row.deadLetteredAt != nil ? "FAILED " : "QUEUED "
                lines.append(
                    "\(state)  \(row.channel)  \(period.key) report via \(target): \(row.lastError ?? "not tried yet")")
            }
        }
        if undelivered {
            throw .notSent(
                lines.joined(separator: "\n")
                    + "\nnot delivered yet: it stays in the outbox and `mnemond run` retries it until delivered or dead-lettered after \(Int(config.alerting.retry.deadLetterAfter.seconds / 3600)) h"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
