import Foundation
import MnemondAWS
import MnemondModel

/// The application role (GetRole, ListRolePolicies, GetRolePolicy) and the caller's identity
/// (STS GetCallerIdentity).
public struct IAMCollector: Sendable {
    let iam: IAM
    let sts: STS
    let now: @Sendable () -> Date

    public init(client: AWSClient, now: @escaping @Sendable () -> Date = Date.init) {
        self.iam = IAM(client: client)
        self.sts = STS(client: client)
        self.now = now
    }

    public struct Result: Sendable {
        public var identity: Observed<CallerIdentity>
        public var roles: [String: Observed<RoleObservation>]
        /// Every call answered.
        public var success: Bool
    }

    public func collect(roles names: [String], stsRegion: String) async -> Result {
        let identity = await observe("sts:GetCallerIdentity", resource: nil, region: stsRegion) {
            let answer = try await sts.getCallerIdentity(region: stsRegion)
            return CallerIdentity(account: answer.account, arn: answer.arn)
        }
        var roles: [String: Observed<RoleObservation>] = [:]
        for name in names {
            roles[name] = await observe("iam:GetRole", resource: name, region: "us-east-1") {
                guard let arn = try await iam.getRole(name: name) else {
                    return RoleObservation(name: name, arn: nil, policies: [:])
                }
                var policies: [String: [PolicyStatement]] = [:]
                for policy in try await iam.listRolePolicies(name: name) {
                    policies[policy] = try Self.statements(try await iam.getRolePolicy(role: name, policy: policy))
                }
                return RoleObservation(name: name, arn: arn, policies: policies)
            }
        }
        return Result(
            identity: identity, roles: roles,
            success: identity.value != nil && roles.values.allSatisfy { $0.value != nil })
    }

    struct PolicyDocumentError: Error, CustomStringConvertible {
        var description: String
    }

    /// A policy document's statements, with IAM's "string or list" fields normalised to lists.
    /// A statement that cannot be read (no Effect, an Action that is neither a string nor a list of
    /// strings) is an unreadable answer, never silently dropped: a dropped Deny would read as
    /// "the guide's Deny is missing".
    static func statements(_ json: String) throws -> [PolicyStatement] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw PolicyDocumentError(description: "policy document is not a JSON object")
        }
        let raw: [[String: Any]]
        switch object["Statement"] {
        case nil: raw = []
        case let single as [String: Any]: raw = [single]
        case let list as [Any]:
            raw = try list.enumerated().map { index, item in
                guard let statement = item as? [String: Any] else {
                    throw UnreadableField("Statement[\(index)]", "\(item)")
                }
                return statement
            }
        case let other?: throw UnreadableField("Statement", "\(other)")
        }
        return try raw.enumerated().map { index, s in
            func list(_ key: String) throws(UnreadableField) -> [String] {
                switch s[key] {
                case nil: return []
                case let one as String: return [one]
                case let many as [Any]:
                    return try many.map { item throws(UnreadableField) in
                        guard let text = item as? String else {
                            throw UnreadableField("Statement[\(index)].\(key)", "\(item)")
                        }
                        return text
                    }
                case let other?: throw UnreadableField("Statement[\(index)].\(key)", "\(other)")
                }
            }
            guard let effect = s["Effect"] as? String, ["Allow", "Deny"].contains(effect) else {
                throw UnreadableField("Statement[\(index)].Effect", "\(s["Effect"] ?? "(absent)")")
            }
            return PolicyStatement(
                sid: s["Sid"] as? String, effect: effect, actions: try list("Action"),
                notActions: try list("NotAction"), resources: try list("Resource"),
                notResources: try list("NotResource"),
                hasCondition: s["Condition"] != nil)
        }
    }
}

extension IAMCollector: Collector {
    public var name: String { "iam" }
    public var families: Set<CheckFamily> { [.configuration] }

    /// STS answers in any region; the first bucket's keeps the call inside the estate's regions.
    public func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected {
        let result = await collect(
            roles: policy.appRole.map { [$0.name] } ?? [], stsRegion: policy.buckets.first?.region ?? "us-east-1")
        return Collected(samples: [], success: result.success) {
            $0.identity = result.identity
            $0.roles = result.roles
        }
    }
}
