import Foundation
import MnemondHTTP

/// IAM reads of the AWS Backup service roles: the trust policy and the attached managed policies.
extension IAM {
    public struct Role: Sendable, Equatable {
        public var arn: String
        /// The trust policy as JSON text (IAM returns it URL-encoded).
        public var assumeRolePolicyDocument: String?
    }

    /// The role with its trust policy, or nil when the role does not exist.
    public func getRoleWithTrust(name: String) async throws -> Role? {
        let op = QueryProtocol.operation(.iam, action: "GetRole", parameters: [("RoleName", name)], resource: name)
        do {
            let response = try await client.send(op, region: "us-east-1")
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: "us-east-1")
            guard let arn = result.string("Role", "Arn") else {
                throw AWSDecoding.missing("Role.Arn", operation: op, region: "us-east-1")
            }
            let trust = result.string("Role", "AssumeRolePolicyDocument")
            return Role(arn: arn, assumeRolePolicyDocument: trust.map { $0.removingPercentEncoding ?? $0 })
        } catch let error as AWSError where error.code == "NoSuchEntity" {
            return nil
        }
    }

    /// The ARNs of the managed policies attached to the role, following Marker.
    public func listAttachedRolePolicies(name: String) async throws -> [String] {
        try await paginate { marker in
            var parameters = [("RoleName", name)]
            if let marker { parameters.append(("Marker", marker)) }
            let op = QueryProtocol.operation(
                .iam, action: "ListAttachedRolePolicies", parameters: parameters, resource: name)
            let response = try await client.send(op, region: "us-east-1")
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: "us-east-1")
            let arns = result["AttachedPolicies"]?.all("member").compactMap { $0.string("PolicyArn") } ?? []
            return (arns, result.string("IsTruncated") == "true" ? result.string("Marker") : nil)
        }
    }
}
