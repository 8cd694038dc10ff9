import Foundation
import MnemondModel
import MnemondStore

/// The weekly report as outbox rows: the rendered e-mail (the exact bytes, so a retry sends the
/// same Message-ID) and the short SNS summary, under one idempotency key. Queueing them, and the
/// "sent for this week" record, is one store transaction; delivering them is the dispatcher's job.
public enum ReportOutbox {
    /// One key per week for the schedule (so no restart queues the week twice), one per send
    /// for `mnemond report --send`.
    public static func idempotencyKey(period: ReportPeriod, scheduled: Bool, at time: Date) -> String {
        IdempotencyKey.of(
            [
                "weekly-report", period.key,
                scheduled ? "schedule" : "manual-\(Int64(time.timeIntervalSince1970 * 1000))",
            ])
    }

    /// The rows of one report: the e-mail from `mail.from` to `mail.to` (none without recipients),
    /// then the summary to `snsTopic` (none without a topic).
    public static func messages(
        _ report: RecoveryReport, key: String, at time: Date, mail: (from: MailAddress, to: [MailAddress])?,
        snsTopic: String?
    ) -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        if let mail, !mail.to.isEmpty {
            let rfc822 = ReportMail.message(report, from: mail.from, to: mail.to, date: time, idempotencyKey: key)
            let payload = OutboxPayload.mail(
                .init(
                    period: report.period.key, subject: ReportMail.subject(report), from: mail.from.address,
                    recipients: mail.to.map(\.address), rfc822: rfc822))
            messages.append(
                OutboxMessage(channel: ReportChannel.email, idempotencyKey: key, payload: payload, createdAt: time))
        }
        if let snsTopic {
            let payload = OutboxPayload.notice(
                .init(
                    period: report.period.key, subject: ReportMail.snsSubject(report), topicArn: snsTopic,
                    message: ReportMail.snsSummary(report, emailedTo: messages.isEmpty ? 0 : mail?.to.count ?? 0)))
            messages.append(
                OutboxMessage(channel: ReportChannel.sns, idempotencyKey: key, payload: payload, createdAt: time))
        }
        return messages
    }
}
