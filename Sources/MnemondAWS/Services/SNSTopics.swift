import Foundation
import MnemondHTTP

/// The health of the alert topics (guide Phase 8.1): does the topic exist, and who is
/// subscribed and confirmed. Each call goes to the region of the topic's ARN.
extension SNS {
    /// One subscription as ListSubscriptionsByTopic lists it. `endpoint` may be a webhook URL
    /// carrying a secret: callers must redact it before it goes anywhere (observations, logs).
    public struct TopicSubscription: Sendable, Equatable, CustomStringConvertible {
        /// `PendingConfirmation` (AWS's literal) while the endpoint has not confirmed.
        public var subscriptionARN: String
        public var `protocol`: String
        public var endpoint: String
        public var topicARN: String

        public init(subscriptionARN: String, protocol: String, endpoint: String, topicARN: String) {
            self.subscriptionARN = subscriptionARN
            self.protocol = `protocol`
            self.endpoint = endpoint
            self.topicARN = topicARN
        }

        /// AWS lists an unconfirmed subscription with the ARN `PendingConfirmation`.
        public var isPendingConfirmation: Bool { subscriptionARN == "PendingConfirmation" }

        /// Never prints the endpoint.
        public var description: String { "\(`protocol`) subscription \(subscriptionARN)" }
    }

    /// The topic's attributes, or nil when SNS answers NotFound (the topic does not exist).
    public func getTopicAttributes(topicARN: String) async throws -> [String: String]? {
        let region = try Self.topicRegion(topicARN, action: "GetTopicAttributes")
        let op = QueryProtocol.operation(
            .sns, action: "GetTopicAttributes", parameters: [("TopicArn", topicARN)], resource: topicARN)
        do {
            let response = try await client.send(op, region: region)
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
            // A query-protocol map: <Attributes><entry><key>…</key><value>…</value></entry>…
            var attributes: [String: String] = [:]
            for entry in result["Attributes"]?.all("entry") ?? [] {
                if let key = entry.string("key") { attributes[key] = entry.string("value") ?? "" }
            }
            return attributes
        } catch let error as AWSError where Self.notFoundCodes.contains(error.code) {
            return nil
        }
    }

    /// Every subscription of the topic, following NextToken (SNS pages by 100).
    public func listSubscriptionsByTopic(topicARN: String) async throws -> [TopicSubscription] {
        let region = try Self.topicRegion(topicARN, action: "ListSubscriptionsByTopic")
        return try await paginate { token in
            var parameters = [("TopicArn", topicARN)]
            if let token { parameters.append(("NextToken", token)) }
            let op = QueryProtocol.operation(
                .sns, action: "ListSubscriptionsByTopic", parameters: parameters, resource: topicARN)
            let response = try await client.send(op, region: region)
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
            return (Self.subscriptions(result), result.string("NextToken"))
        }
    }

    static func subscriptions(_ result: XMLTree) -> [TopicSubscription] {
        (result["Subscriptions"]?.all("member") ?? []).map { member in
            TopicSubscription(
                subscriptionARN: member.string("SubscriptionArn") ?? "", protocol: member.string("Protocol") ?? "",
                endpoint: member.string("Endpoint") ?? "", topicARN: member.string("TopicArn") ?? "")
        }
    }

    /// SNS's query error code for a missing topic is `NotFound` (botocore: NotFoundException).
    static let notFoundCodes: Set<String> = ["NotFound", "NotFoundException"]

    static func topicRegion(_ arn: String, action: String) throws -> String {
        guard let region = region(ofTopic: arn) else {
            throw AWSError(
                kind: .decoding, service: AWSService.sns.iamPrefix, action: action, region: "-", resource: arn,
                code: "InvalidTopicArn", message: "not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
        }
        return region
    }
}
