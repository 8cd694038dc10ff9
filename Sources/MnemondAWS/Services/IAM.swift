import Foundation
import MnemondHTTP

/// IAM (global, signed for us-east-1): the application role and its inline policies.
public struct IAM: Sendable {
    let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    /// The role's ARN, or nil when the role does not exist.
    public func getRole(name: String) async throws -> String? {
        let op = QueryProtocol.operation(.iam, action: "GetRole", parameters: [("RoleName", name)], resource: name)
        do {
            let response = try await client.send(op, region: "us-east-1")
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: "us-east-1")
            return result.string("Role", "Arn")
        } catch let error as AWSError where error.code == "NoSuchEntity" {
            return nil
        }
    }

    public func listRolePolicies(name: String) async throws -> [String] {
        try await paginate { marker in
            var parameters = [("RoleName", name)]
            if let marker { parameters.append(("Marker", marker)) }
            let op = QueryProtocol.operation(.iam, action: "ListRolePolicies", parameters: parameters, resource: name)
            let response = try await client.send(op, region: "us-east-1")
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: "us-east-1")
            let names = result["PolicyNames"]?.all("member").map(\.text) ?? []
            return (names, result.string("IsTruncated") == "true" ? result.string("Marker") : nil)
        }
    }

    /// The policy document as JSON text (IAM returns it URL-encoded).
    public func getRolePolicy(role: String, policy: String) async throws -> String {
        let op = QueryProtocol.operation(
            .iam, action: "GetRolePolicy", parameters: [("RoleName", role), ("PolicyName", policy)],
            resource: "\(role)/\(policy)")
        let response = try await client.send(op, region: "us-east-1")
        let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: "us-east-1")
        guard let encoded = result.string("PolicyDocument") else {
            throw AWSDecoding.missing("PolicyDocument", operation: op, region: "us-east-1")
        }
        return encoded.removingPercentEncoding ?? encoded
    }
}
