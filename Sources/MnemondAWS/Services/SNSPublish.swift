import Foundation
import MnemondHTTP

extension SNS {
    /// One message attribute of a Publish (`DataType` `String`).
    public struct MessageAttribute: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Publishes to a topic in the region of its ARN and returns SNS's MessageId.
    ///
    /// With `jsonStructure`, `message` must be a JSON object with a `default` key and optional
    /// per-protocol keys (`email`, `https`, `sqs`, …): SNS sends each subscriber its protocol's
    /// text (MessageStructure=json). `subject` must be under 100 characters; e-mail subscribers see
    /// it as the mail subject.
    @discardableResult
    public func publish(
        topicArn: String, subject: String?, message: String, jsonStructure: Bool = false,
        attributes: [MessageAttribute] = []
    ) async throws -> String {
        guard let region = SNS.region(ofTopic: topicArn) else {
            throw AWSError(
                kind: .service, service: "sns", action: "Publish", region: "-", resource: topicArn,
                code: "InvalidTopicArn", message: "not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
        }
        var parameters: [(String, String)] = [("TopicArn", topicArn), ("Message", message)]
        if let subject { parameters.append(("Subject", subject)) }
        if jsonStructure { parameters.append(("MessageStructure", "json")) }
        for (index, attribute) in attributes.enumerated() {
            let prefix = "MessageAttributes.entry.\(index + 1)"
            parameters += [
                ("\(prefix).Name", attribute.name), ("\(prefix).Value.DataType", "String"),
                ("\(prefix).Value.StringValue", attribute.value),
            ]
        }
        let op = QueryProtocol.operation(.sns, action: "Publish", parameters: parameters, resource: topicArn)
        let response = try await client.send(op, region: region)
        let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
        guard let id = result.string("MessageId") else {
            throw AWSDecoding.missing("MessageId", operation: op, region: region)
        }
        return id
    }
}
