import Foundation
import MnemondAWS
import MnemondModel

/// Publishes to an SNS topic (in the region of its ARN). An alert goes to the notifier's topic
/// as subject, MessageStructure=json body and attributes, which SNS fans out to the guide's e-mail
/// and https subscriptions; the weekly report's summary (channel `report-sns`) goes as plain text
/// to the topic its row names, with the attribute `kind=weekly-report`.
public struct SNSNotifier: Notifier {
    public let channel: String
    public let topicArn: String
    let publish: @Sendable (SNSPublication) async throws -> String

    public init(
        channel: String = "sns", topicArn: String, publish: @escaping @Sendable (SNSPublication) async throws -> String
    ) {
        self.channel = channel
        self.topicArn = topicArn
        self.publish = publish
    }

    public var target: String { "SNS topic \(topicArn)" }

    public func deliver(_ payload: OutboxPayload) async throws(DeliveryError) {
        let publication: SNSPublication
        switch payload {
        case .alert(let message): publication = SNSRenderer.publication(message)
        case .notice(let notice): publication = SNSRenderer.publication(notice)
        case .mail: throw cannotCarry(payload)
        }
        do {
            _ = try await publish(publication)
        } catch {
            // AWSError names action, topic, region, code and request id; never a credential.
            throw DeliveryError(channel: channel, message: "\(error)")
        }
    }
}

extension Notifier where Self == SNSNotifier {
    /// `channel` is `sns` for alerts, `report-sns` for the weekly report's summary.
    public static func sns(topicArn: String, sns: SNS, channel: String = "sns") -> SNSNotifier {
        SNSNotifier(channel: channel, topicArn: topicArn) { publication in
            try await sns.publish(
                topicArn: publication.topicArn ?? topicArn, subject: publication.subject,
                message: publication.message, jsonStructure: publication.jsonStructure,
                attributes: publication.attributes.sorted { $0.key < $1.key }.map {
                    SNS.MessageAttribute(name: $0.key, value: $0.value)
                })
        }
    }
}
