import Foundation

/// What one outbox row carries: an alert message for the alert channels, or the weekly report as
/// a ready-made e-mail or as the short SNS summary. One dispatcher delivers every kind; the row's
/// `kind` column says which one it is, and the JSON is the same as mnemond has always written, so
/// rows queued before an upgrade still deliver. A payload never holds a channel secret: webhook
/// URLs and SMTP passwords live only in the process that delivers.
public enum OutboxPayload: Sendable, Equatable {
    case alert(AlertMessage)
    case mail(Mail)
    case notice(Notice)

    /// The `outbox.kind` column.
    public enum Kind: String, Sendable, Equatable, Hashable, CaseIterable {
        case alert
        case mail
        case notice
    }

    /// A rendered e-mail: the exact bytes to submit, so a retry sends the same message (same
    /// Message-ID) however much later it goes out.
    public struct Mail: Sendable, Equatable {
        /// The report's period key (`2026-W47`).
        public var period: String
        public var subject: String
        /// The envelope sender and recipients (bare addresses).
        public var from: String
        public var recipients: [String]
        public var rfc822: Data

        public init(period: String, subject: String, from: String, recipients: [String], rfc822: Data) {
            self.period = period
            self.subject = subject
            self.from = from
            self.recipients = recipients
            self.rfc822 = rfc822
        }
    }

    /// A plain-text SNS publication to a given topic (the weekly report's summary).
    public struct Notice: Sendable, Equatable {
        public var period: String
        public var subject: String
        public var topicArn: String
        public var message: String

        public init(period: String, subject: String, topicArn: String, message: String) {
            self.period = period
            self.subject = subject
            self.topicArn = topicArn
            self.message = message
        }
    }

    public var kind: Kind {
        switch self {
        case .alert: .alert
        case .mail: .mail
        case .notice: .notice
        }
    }

    /// The row's JSON. Alerts are the alert message's JSON; report rows are tagged with the
    /// `kind` they have carried since the weekly report first shipped.
    public func json() -> String {
        switch self {
        case .alert(let message):
            return message.json()
        case .mail(let mail):
            return ReportRow(
                kind: ReportRow.emailKind, period: mail.period, subject: mail.subject, from: mail.from,
                recipients: mail.recipients, rfc822Base64: mail.rfc822.base64EncodedString()
            ).json()
        case .notice(let notice):
            return ReportRow(
                kind: ReportRow.snsKind, period: notice.period, subject: notice.subject, topicArn: notice.topicArn,
                message: notice.message
            ).json()
        }
    }

    /// Reads a row's JSON. `kind` is the row's column; without it (a reader of a store not yet
    /// migrated), the JSON's own tag decides: report rows carry one, alert messages do not.
    public static func decode(_ json: String, kind: Kind? = nil) throws(PayloadError) -> OutboxPayload {
        let tagged = (try? ReportRow.decode(json)).map { $0.kind == ReportRow.emailKind ? Kind.mail : .notice }
        let resolved = kind ?? tagged ?? .alert
        switch resolved {
        case .alert:
            do {
                return .alert(try AlertMessage.decode(json))
            } catch {
                throw PayloadError(message: "\(error)")
            }
        case .mail:
            let row: ReportRow
            do {
                row = try ReportRow.decode(json)
            } catch {
                throw PayloadError(message: "\(error)")
            }
            guard row.kind == ReportRow.emailKind, let from = row.from, let recipients = row.recipients,
                let data = row.rfc822Base64.flatMap({ Data(base64Encoded: $0) })
            else { throw PayloadError(message: "it holds no message") }
            return .mail(
                Mail(period: row.period, subject: row.subject, from: from, recipients: recipients, rfc822: data))
        case .notice:
            let row: ReportRow
            do {
                row = try ReportRow.decode(json)
            } catch {
                throw PayloadError(message: "\(error)")
            }
            guard row.kind == ReportRow.snsKind, let topic = row.topicArn, let message = row.message else {
                throw PayloadError(message: "it holds no SNS summary")
            }
            return .notice(Notice(period: row.period, subject: row.subject, topicArn: topic, message: message))
        }
    }

    /// Why a row's JSON could not be read.
    public struct PayloadError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}

/// The outbox channels of the weekly report. Distinct from the alert channels (`sns`, `slack`), so
/// a report and an alert with the same key are two rows.
public enum ReportChannel {
    /// The e-mail, submitted over SMTP.
    public static let email = "report-email"
    /// The summary, published to the alerting SNS topic.
    public static let sns = "report-sns"
}

/// The weekly report's row JSON as first shipped (`kind` = `weekly-report-email` or
/// `weekly-report-sns`); kept byte for byte so old and new rows read alike.
struct ReportRow: Codable, Equatable {
    static let emailKind = "weekly-report-email"
    static let snsKind = "weekly-report-sns"

    var kind: String
    var period: String
    var subject: String
    var from: String?
    var recipients: [String]?
    var rfc822Base64: String?
    var topicArn: String?
    var message: String?

    enum CodingKeys: String, CodingKey {
        case kind, period, subject, from, recipients, message
        case rfc822Base64 = "rfc822_base64"
        case topicArn = "topic_arn"
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> ReportRow {
        let row = try JSONDecoder().decode(ReportRow.self, from: Data(text.utf8))
        guard row.kind == emailKind || row.kind == snsKind else {
            throw PayloadKindError(kind: row.kind)
        }
        return row
    }

    struct PayloadKindError: Error, CustomStringConvertible {
        var kind: String
        var description: String { "unknown report payload kind \(kind)" }
    }
}
