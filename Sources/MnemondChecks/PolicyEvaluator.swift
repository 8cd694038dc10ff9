import Foundation
import MnemondModel

/// What a principal's identity policies decide for one request, IAM's way: an explicit Deny wins,
/// otherwise an Allow allows, otherwise the request is implicitly denied. Used where
/// iam:SimulatePrincipalPolicy is not available. It reads policy documents only: permissions
/// boundaries, SCPs, session policies and resource policies are not part of the verdict, and
/// statements whose Condition, NotAction or NotResource it does not judge make the verdict approximate.
public enum PolicyEvaluator {
    public struct Verdict: Sendable, Equatable {
        public var decision: SimulatedDecision.Decision
        /// The statement that decided (`inline deny-replicas statement DenyReplicaAccess`): the
        /// Deny, or the first Allow; nil for an implicit deny.
        public var decidedBy: String?
        /// Why the verdict may differ from IAM's (a Condition not evaluated, a NotAction); empty
        /// when it is exact as far as the documents go.
        public var approximations: [String]

        public init(decision: SimulatedDecision.Decision, decidedBy: String? = nil, approximations: [String] = []) {
            self.decision = decision
            self.decidedBy = decidedBy
            self.approximations = approximations
        }

        public var approximate: Bool { !approximations.isEmpty }
    }

    /// The decision of `policies` for `action` on `resource`. A conditional Allow counts as an
    /// Allow and a conditional Deny does not count (guard rails such as "deny without TLS" do not
    /// apply to an ordinary call); either makes the verdict approximate.
    public static func evaluate(_ policies: [NamedPolicy], action: String, resource: String) -> Verdict {
        var allow: String?
        var deny: String?
        var approximations: [String] = []
        for policy in policies {
            for (index, statement) in policy.statements.enumerated()
            where matchesAction(statement, action) && matchesResource(statement, resource) {
                let name = "\(policy.name) statement \(statement.sid ?? "#\(index + 1)")"
                if statement.hasCondition {
                    approximations.append(
                        "\(name) has a Condition (\(statement.effect == "Deny" ? "not applied" : "taken as met"))")
                }
                if !statement.notActions.isEmpty { approximations.append("\(name) uses NotAction") }
                if !statement.notResources.isEmpty { approximations.append("\(name) uses NotResource") }
                switch statement.effect {
                case "Deny" where !statement.hasCondition: deny = deny ?? name
                case "Allow": allow = allow ?? name
                default: break
                }
            }
        }
        if let deny { return Verdict(decision: .explicitDeny, decidedBy: deny, approximations: approximations) }
        if let allow { return Verdict(decision: .allowed, decidedBy: allow, approximations: approximations) }
        return Verdict(decision: .implicitDeny, approximations: approximations)
    }

    /// `Action` patterns (`s3:Get*`, `s3:*`, `*`, case-insensitive), or everything `NotAction`
    /// does not name.
    static func matchesAction(_ s: PolicyStatement, _ action: String) -> Bool {
        if !s.actions.isEmpty { return s.actions.contains { IAMChecks.glob($0, action, caseInsensitive: true) } }
        return !s.notActions.isEmpty && !s.notActions.contains { IAMChecks.glob($0, action, caseInsensitive: true) }
    }

    /// `Resource` ARN patterns (case-sensitive), or everything `NotResource` does not name. The
    /// request's resource may itself be a pattern (`arn:aws:s3:::bucket/*`: every object): only a
    /// statement covering all of it matches.
    static func matchesResource(_ s: PolicyStatement, _ resource: String) -> Bool {
        if !s.resources.isEmpty { return s.resources.contains { IAMChecks.glob($0, resource, caseInsensitive: false) } }
        return !s.notResources.isEmpty
            && !s.notResources.contains { IAMChecks.glob($0, resource, caseInsensitive: false) }
    }
}
