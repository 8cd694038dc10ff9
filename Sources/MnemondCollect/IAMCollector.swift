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
        public var report: CollectorReport
    }

    public func collect(roles names: [String], stsRegion: String) async -> Result {
        let started = now()
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
        let finished = now()
        let report = CollectorReport(
            collector: "iam", success: identity.value != nil && roles.values.allSatisfy { $0.value != nil },
            durationSeconds: finished.timeIntervalSince(started))
        return Result(identity: identity, roles: roles, report: report)
    }

    struct PolicyDocumentError: Error, CustomStringConvertible {
        var description: String
    }

    /// A policy document's statements, with IAM's "string or list" fields normalised to lists.
    static func statements(_ json: String) throws -> [PolicyStatement] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw PolicyDocumentError(description: "policy document is not a JSON object")
        }
        let raw: [[String: Any]]
        if let list = object["Statement"] as? [[String: Any]] {
            raw = list
        } else if let single = object["Statement"] as? [String: Any] {
            raw = [single]
        } else {
            raw = []
        }
        func list(_ value: Any?) -> [String] {
            if let s = value as? String { return [s] }
            return (value as? [String]) ?? []
        }
        return raw.map { s in
            PolicyStatement(
                sid: s["Sid"] as? String, effect: (s["Effect"] as? String) ?? "", actions: list(s["Action"]),
                notActions: list(s["NotAction"]), resources: list(s["Resource"]), notResources: list(s["NotResource"]),
                hasCondition: s["Condition"] != nil)
        }
    }
}
