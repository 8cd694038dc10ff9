import Foundation
import MnemondHTTP

/// IAM reads that say what a role may do: iam:SimulatePrincipalPolicy where the service offers
/// it, and the role's managed policy documents (GetPolicy → GetPolicyVersion) to evaluate
/// otherwise.
extension IAM {
    /// One EvaluationResults member of SimulatePrincipalPolicy, as IAM answered it.
    public struct EvaluationResult: Sendable, Equatable {
        public var action: String
        /// `allowed`, `explicitDeny` or `implicitDeny`.
        public var decision: String
        /// SourcePolicyId of each MatchedStatements member.
        public var matchedPolicies: [String]
        public var missingContextValues: [String]

        public init(action: String, decision: String, matchedPolicies: [String], missingContextValues: [String]) {
            self.action = action
            self.decision = decision
            self.matchedPolicies = matchedPolicies
            self.missingContextValues = missingContextValues
        }
    }

    /// Simulates the identity policies of `principalARN` (a role, user or group) for `actions`
    /// on `resource`, following Marker.
    public func simulatePrincipalPolicy(principalARN: String, actions: [String], resource: String) async throws
        -> [EvaluationResult]
    {
        try await paginate { marker in
            var parameters =
                [("PolicySourceArn", principalARN)] + QueryProtocol.list("ActionNames", actions)
                + QueryProtocol.list("ResourceArns", [resource])
            if let marker { parameters.append(("Marker", marker)) }
            let op = QueryProtocol.operation(
                .iam, action: "SimulatePrincipalPolicy", parameters: parameters, resource: principalARN)
            let response = try await client.send(op, region: "us-east-1")
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: "us-east-1")
            let results = try (result["EvaluationResults"]?.all("member") ?? []).enumerated().map { index, member in
                guard let action = member.string("EvalActionName") else {
                    throw AWSDecoding.missing(
                        "EvaluationResults[\(index)].EvalActionName", operation: op, region: "us-east-1")
                }
                guard let decision = member.string("EvalDecision") else {
                    throw AWSDecoding.missing(
                        "EvaluationResults[\(index)].EvalDecision", operation: op, region: "us-east-1")
                }
                return EvaluationResult(
                    action: action, decision: decision,
                    matchedPolicies: member["MatchedStatements"]?.all("member").compactMap {
                        $0.string("SourcePolicyId")
                    } ?? [],
                    missingContextValues: member["MissingContextValues"]?.all("member").map(\.text) ?? [])
            }
            return (results, result.string("IsTruncated") == "true" ? result.string("Marker") : nil)
        }
    }

    /// The default version of a managed policy (GetPolicy → DefaultVersionId).
    public func getPolicyDefaultVersion(arn: String) async throws -> String {
        let op = QueryProtocol.operation(.iam, action: "GetPolicy", parameters: [("PolicyArn", arn)], resource: arn)
        let response = try await client.send(op, region: "us-east-1")
        let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: "us-east-1")
        guard let version = result.string("Policy", "DefaultVersionId") else {
            throw AWSDecoding.missing("Policy.DefaultVersionId", operation: op, region: "us-east-1")
        }
        return version
    }

    /// A managed policy version's document as JSON text (IAM returns it URL-encoded). A settled
    /// answer (`SettledAnswers`): a policy version is never edited; a change is a new version.
    public func getPolicyVersion(arn: String, version: String) async throws -> String {
        let op = QueryProtocol.operation(
            .iam, action: "GetPolicyVersion", parameters: [("PolicyArn", arn), ("VersionId", version)],
            resource: arn)
        // Kept only when the document is a JSON object (the policy the collector reads).
        let isPolicy: (String) -> Bool = { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] }
        return try await client.sendSettled(op, region: "us-east-1", keeps: isPolicy) { body in
            let result = try QueryProtocol.result(body, action: op.action, operation: op, region: "us-east-1")
            guard let encoded = result.string("PolicyVersion", "Document") else {
                throw AWSDecoding.missing("PolicyVersion.Document", operation: op, region: "us-east-1")
            }
            return encoded.removingPercentEncoding ?? encoded
        }
    }
}

extension AWSError {
    /// The service answered that it does not offer the action at all (an emulator or a partition
    /// without it: HTTP 501, `NotImplemented`, `InvalidAction`, …), as opposed to refusing or
    /// failing it. Callers with another way to get the same answer may take it.
    public var isNotImplemented: Bool {
        guard kind == .service else { return false }
        return status == 501
            || [
                "NotImplemented", "NotImplementedException", "InvalidAction", "UnsupportedOperation",
                "UnsupportedOperationException", "UnknownOperationException",
            ].contains(code)
    }
}
