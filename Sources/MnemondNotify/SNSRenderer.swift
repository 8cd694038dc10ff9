import Foundation
import MnemondModel

/// An SNS Publish of one message: subject, a `MessageStructure=json` body (plain text for e-mail
/// and the default, a JSON document for https, SQS and Lambda subscribers) and attributes that
/// subscription filter policies can match.
public struct SNSPublication: Sendable, Equatable {
    public var subject: String
    /// The JSON object SNS splits per protocol (or plain text when `jsonStructure` is false).
    public var message: String
    public var attributes: [String: String]
    /// nil: the notifier's topic.
    public var topicArn: String?
    public var jsonStructure: Bool

    public init(
        subject: String, message: String, attributes: [String: String], topicArn: String? = nil,
        jsonStructure: Bool = true
    ) {
        self.subject = subject
        self.message = message
        self.attributes = attributes
        self.topicArn = topicArn
        self.jsonStructure = jsonStructure
    }
}

public enum SNSRenderer {
    public static func publication(_ message: AlertMessage) -> SNSPublication {
        let subject = TextRenderer.subject(message)
        let text = TextRenderer.body(message)
        let json = document(message, subject: subject, text: text)
        let structure: [String: String] = [
            "default": text, "email": text, "email-json": json, "http": json, "https": json, "sqs": json,
            "lambda": json,
        ]
        let body =
            (try? JSONSerialization.data(withJSONObject: structure, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return SNSPublication(subject: subject, message: body, attributes: attributes(message))
    }

    /// The weekly report's summary: plain text to the topic its row names, tagged `kind=weekly-report`.
    public static func publication(_ notice: OutboxPayload.Notice) -> SNSPublication {
        SNSPublication(
            subject: notice.subject, message: notice.message, attributes: ["kind": "weekly-report"],
            topicArn: notice.topicArn, jsonStructure: false)
    }

    /// `severity` (worst still failing, `OK` when all resolved), `check`, `resource` (comma-joined
    /// when grouped), `kind` (`firing`, `resolved`, `mixed`, `test`) and `idempotency_key`.
    public static func attributes(_ message: AlertMessage) -> [String: String] {
        func distinct(_ values: [String]) -> String {
            var seen: [String] = []
            for v in values where !seen.contains(v) { seen.append(v) }
            return seen.joined(separator: ",")
        }
        let kind: String
        if message.isTest {
            kind = "test"
        } else if message.resolved.isEmpty {
            kind = "firing"
        } else {
            kind = message.firing.isEmpty ? "resolved" : "mixed"
        }
        return [
            "severity": message.isTest ? "TEST" : message.severity.description,
            "check": distinct(message.items.map(\.check.rawValue)),
            "resource": distinct(message.items.map(\.resource)),
            "kind": kind,
            "idempotency_key": message.idempotencyKey,
        ]
    }

    /// The machine-readable document for https/SQS/Lambda subscribers.
    static func document(_ message: AlertMessage, subject: String, text: String) -> String {
        struct Document: Encodable {
            var source = "mnemond"
            var test: Bool
            var idempotencyKey: String
            var severity: String
            var subject: String
            var text: String
            var createdAt: Date
            var alerts: [AlertItem]
            enum CodingKeys: String, CodingKey {
                case source, test, severity, subject, text, alerts
                case idempotencyKey = "idempotency_key"
                case createdAt = "created_at"
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let doc = Document(
            test: message.isTest, idempotencyKey: message.idempotencyKey,
            severity: message.isTest ? "TEST" : message.severity.description, subject: subject, text: text,
            createdAt: message.createdAt, alerts: message.items)
        return String(decoding: (try? encoder.encode(doc)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
