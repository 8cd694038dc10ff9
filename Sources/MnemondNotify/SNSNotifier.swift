import Foundation
import MnemondAWS
import MnemondModel

/// Publishes to an SNS topic (in the region of its ARN): subject, MessageStructure=json body,
/// attributes. SNS fans out to the guide's e-mail and https subscriptions.
public struct SNSNotifier: Notifier {
    public let channel = "sns"
    public let topicArn: String
    let publish: @Sendable (SNSPublication) async throws -> String

    public init(topicArn: String, publish: @escaping @Sendable (SNSPublication) async throws -> String) {
        self.topicArn = topicArn
        self.publish = publish
    }

    public var target: String { "SNS topic \(topicArn)" }

    public func deliver(_ message: AlertMessage) async throws(DeliveryError) {
        do {
            _ = try await publish(SNSRenderer.publication(message))
        } catch {
            // AWSError names action, topic, region, code and request id; never a credential.
            throw DeliveryError(channel: channel, message: "\(error)")
        }
    }
}

extension Notifier where Self == SNSNotifier {
    public static func sns(topicArn: String, sns: SNS) -> SNSNotifier {
        SNSNotifier(topicArn: topicArn) { publication in
            try await sns.publish(
                topicArn: topicArn, subject: publication.subject, message: publication.message, jsonStructure: true,
                attributes: publication.attributes.sorted { $0.key < $1.key }.map {
                    SNS.MessageAttribute(name: $0.key, value: $0.value)
                })
        }
    }
}
