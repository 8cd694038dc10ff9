import Foundation
import MnemondHTTP

/// EventBridge (awsJson 1.1): the rules that turn AWS Backup job failures into SNS alerts
/// (guide Phase 8.2), one per region. Only the default event bus is read, as the guide uses it.
public struct EventBridge: Sendable {
    let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    public struct Rule: Sendable, Equatable {
        public var name: String
        public var arn: String?
        /// `ENABLED`, `DISABLED`, `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`.
        public var state: String?
        public var eventPattern: String?
        public var description: String?

        public init(name: String, arn: String?, state: String?, eventPattern: String?, description: String?) {
            self.name = name
            self.arn = arn
            self.state = state
            self.eventPattern = eventPattern
            self.description = description
        }
    }

    public struct Target: Sendable, Equatable {
        public var id: String
        public var arn: String
        public init(id: String, arn: String) {
            self.id = id
            self.arn = arn
        }
    }

    /// The rule, or nil when EventBridge answers ResourceNotFoundException.
    public func describeRule(name: String, region: String) async throws -> Rule? {
        let op = JSONProtocol.operation(.eventbridge, action: "DescribeRule", input: ["Name": name], resource: name)
        do {
            let response = try await client.send(op, region: region)
            let json = try AWSDecoding.json(response.body, operation: op, region: region)
            return Self.rule(json, name: name)
        } catch let error as AWSError where error.code == "ResourceNotFoundException" {
            return nil
        }
    }

    /// Every target of the rule, following NextToken.
    public func listTargetsByRule(rule: String, region: String) async throws -> [Target] {
        try await paginate { token in
            var input: [String: any Sendable] = ["Rule": rule]
            if let token { input["NextToken"] = token }
            let op = JSONProtocol.operation(.eventbridge, action: "ListTargetsByRule", input: input, resource: rule)
            let response = try await client.send(op, region: region)
            let json = try AWSDecoding.json(response.body, operation: op, region: region)
            return (try Self.targets(json, operation: op, region: region), json["NextToken"] as? String)
        }
    }

    static func rule(_ json: [String: Any], name: String) -> Rule {
        Rule(
            name: json["Name"] as? String ?? name, arn: json["Arn"] as? String, state: json["State"] as? String,
            eventPattern: json["EventPattern"] as? String, description: json["Description"] as? String)
    }

    /// No `Targets`: the rule has none (an answer). A list or target that cannot be read is an
    /// InvalidResponse, never "no SNS target".
    static func targets(_ json: [String: Any], operation: AWSOperation, region: String) throws -> [Target] {
        guard let raw = json["Targets"], !(raw is NSNull) else { return [] }
        guard let list = raw as? [Any] else {
            throw AWSDecoding.invalid("Targets", "\(raw)", operation: operation, region: region)
        }
        return try list.enumerated().map { index, item in
            guard let target = item as? [String: Any], let arn = target["Arn"] as? String else {
                throw AWSDecoding.invalid("Targets[\(index)]", "\(item)", operation: operation, region: region)
            }
            return Target(id: target["Id"] as? String ?? "", arn: arn)
        }
    }
}
