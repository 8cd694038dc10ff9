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
    /// SNS Publish accepts at most 256 KB (262,144 bytes) of message, subject and attributes
    /// together; MessageStructure=json repeats the text per protocol, so a publication is measured
    /// whole. A little is kept back for the attributes' type names and the JSON's own growth.
    public static let publishLimit = 262_144 - 2_048

    /// The publication of a message, cut to fit `publishLimit`: the worst items first, then one
    /// overflow line (`…and 41 more — `mnemond status``) in the text and `omitted` in the document.
    public static func publication(_ message: AlertMessage) -> SNSPublication {
        let subject = TextRenderer.subject(message)
        let attributes = attributes(message)
        func render(_ shown: Int) -> SNSPublication {
            let text = TextRenderer.body(message, showing: shown)
            let json = document(message, subject: subject, text: text, showing: shown)
            let structure: [String: String] = [
                "default": text, "email": text, "email-json": json, "http": json, "https": json, "sqs": json,
                "lambda": json,
            ]
            let body =
                (try? JSONSerialization.data(withJSONObject: structure, options: [.sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return SNSPublication(subject: subject, message: body, attributes: attributes)
        }
        let count = message.items.count
        let shown = Fitting.largestPrefix(count) { size(render($0)) <= publishLimit }
        return render(shown)
    }

    /// What SNS counts against its 256 KB: message, subject, and every attribute's name, data type
    /// and value, in UTF-8 bytes.
    public static func size(_ publication: SNSPublication) -> Int {
        publication.message.utf8.count + publication.subject.utf8.count
            + publication.attributes.reduce(0) { $0 + $1.key.utf8.count + "String".utf8.count + $1.value.utf8.count }
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
            // Bounded, so 300 grouped resources cannot crowd out the message itself.
            "check": Fitting.clip(distinct(message.items.map(\.check.rawValue)), to: 2048),
            "resource": Fitting.clip(distinct(message.items.map(\.resource)), to: 2048),
            "kind": kind,
            "idempotency_key": message.idempotencyKey,
        ]
    }

    /// The machine-readable document for https/SQS/Lambda subscribers.
    static func document(_ message: AlertMessage, subject: String, text: String, showing: Int? = nil) -> String {
        struct Document: Encodable {
            var source = "mnemond"
            var estate: String?
            var test: Bool
            var idempotencyKey: String
            var severity: String
            var subject: String
            var text: String
            var createdAt: Date
            var alerts: [AlertItem]
            /// How many alerts did not fit the Publish (nil: none); `mnemond status` has them all.
            var omitted: Int?
            enum CodingKeys: String, CodingKey {
                case source, estate, test, severity, subject, text, alerts, omitted
                case idempotencyKey = "idempotency_key"
                case createdAt = "created_at"
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let shown = min(showing ?? message.items.count, message.items.count)
        let doc = Document(
            estate: message.estate, test: message.isTest, idempotencyKey: message.idempotencyKey,
            severity: message.isTest ? "TEST" : message.severity.description, subject: subject, text: text,
            createdAt: message.createdAt, alerts: message.items.prefix(shown).map(Fitting.clipped),
            omitted: shown < message.items.count ? message.items.count - shown : nil)
        return String(decoding: (try? encoder.encode(doc)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
