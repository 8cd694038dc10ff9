import Foundation
import MnemondModel

/// Guide Phase 4: the application role may read and write the sources, and is explicitly denied
/// what would destroy recovery data.
public enum IAMChecks {
    public static let all: [Check] = [appRole]

    /// Phase 4 Step 4.3: allows PutObject/GetObject/DeleteObject/ListBucket on the sources;
    /// denies s3:DeleteObjectVersion on the sources, all access to the replicas, and
    /// s3:BypassGovernanceRetention. A missing role or a missing deny leaves recovery data one
    /// compromised pod away from deletion: critical. Missing allows break the application, not
    /// the backups: warning.
    public static let appRole = Check(
        id: "iam.app_role", evidence: [.configuration],
        promise: "The application role exists with the guide's allows and explicit denies"
    ) { policy, observations, _, _ in
        guard let want = policy.appRole else { return [] }
        guard let observed = observations.roles[want.name] else {
            return [Catalog.notCollected("iam.app_role", resource: want.name)]
        }
        switch observed {
        case .unavailable(let reason):
            return [Catalog.unknown("iam.app_role", resource: want.name, reason, guide: "Phase 4")]
        case .value(let role): return [roleFinding(want, role: role)]
        }
    }

    public static func roleFinding(_ want: AppRolePolicy, role: RoleObservation) -> Finding {
        let runbook =
            "Guide Phase 4 Step 4.2: aws iam put-role-policy --role-name \(want.name) --policy-name eks-mnemonica-prod-s3-access --policy-document file://configs/application-s3-policy.json"
        guard role.exists else {
            return Finding(
                check: "iam.app_role", resource: want.name, state: .critical,
                message:
                    "\(want.name): the role does not exist; guide requires it with explicit denies on version deletion and replica access (Phase 4)",
                expected: "role with denies", found: "missing", guide: "Phase 4",
                runbook: "Guide Phase 4 Step 4.2: aws iam create-role --role-name \(want.name) … then put-role-policy")
        }
        let statements = role.policies.values.flatMap { $0 }
        var missingDenies: [String] = []
        for bucket in want.sourceBuckets where !denies(statements, "s3:DeleteObjectVersion", "arn:aws:s3:::\(bucket)/*")
        {
            missingDenies.append("s3:DeleteObjectVersion on \(bucket)")
        }
        for bucket in want.replicaBuckets {
            let all =
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"].allSatisfy {
                    denies(statements, $0, "arn:aws:s3:::\(bucket)/*")
                } && denies(statements, "s3:ListBucket", "arn:aws:s3:::\(bucket)")
            if !all { missingDenies.append("all access to \(bucket)") }
        }
        // Denied everywhere, sources included: Object Lock may come to any bucket later.
        if !(want.sourceBuckets + want.replicaBuckets).allSatisfy({
            denies(statements, "s3:BypassGovernanceRetention", "arn:aws:s3:::\($0)/*")
        }) {
            missingDenies.append("s3:BypassGovernanceRetention")
        }
        if !missingDenies.isEmpty {
            return Finding(
                check: "iam.app_role", resource: want.name, state: .critical,
                message:
                    "\(want.name): no explicit Deny for \(missingDenies.joined(separator: ", ")); guide requires it (Phase 4)",
                expected: "explicit denies", found: "missing: \(missingDenies.joined(separator: ", "))",
                guide: "Phase 4",
                runbook: runbook)
        }
        var missingAllows: [String] = []
        for bucket in want.sourceBuckets {
            for action in ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
            where !allows(statements, action, "arn:aws:s3:::\(bucket)/*") {
                missingAllows.append("\(action) on \(bucket)")
            }
            if !allows(statements, "s3:ListBucket", "arn:aws:s3:::\(bucket)") {
                missingAllows.append("s3:ListBucket on \(bucket)")
            }
        }
        if !missingAllows.isEmpty {
            return Finding(
                check: "iam.app_role", resource: want.name, state: .warning,
                message:
                    "\(want.name): does not allow \(missingAllows.joined(separator: ", ")); guide requires it (Phase 4) — the application cannot work",
                expected: "source read/write/list", found: "missing: \(missingAllows.joined(separator: ", "))",
                guide: "Phase 4", runbook: runbook)
        }
        return Finding(
            check: "iam.app_role", resource: want.name, state: .ok,
            message:
                "\(want.name): allows source read/write/list; denies version deletion, replica access and governance bypass",
            expected: "explicit denies", found: "as promised", guide: "Phase 4")
    }

    /// An unconditional Deny statement covers the action on the resource.
    static func denies(_ statements: [PolicyStatement], _ action: String, _ resource: String) -> Bool {
        statements.contains { $0.effect == "Deny" && !$0.hasCondition && covers($0, action, resource) }
    }

    /// An Allow covers it and no Deny does.
    static func allows(_ statements: [PolicyStatement], _ action: String, _ resource: String) -> Bool {
        statements.contains { $0.effect == "Allow" && covers($0, action, resource) }
            && !statements.contains { $0.effect == "Deny" && covers($0, action, resource) }
    }

    static func covers(_ statement: PolicyStatement, _ action: String, _ resource: String) -> Bool {
        let actionMatch =
            statement.actions.isEmpty
            ? !statement.notActions.isEmpty
                && !statement.notActions.contains { glob($0, action, caseInsensitive: true) }
            : statement.actions.contains { glob($0, action, caseInsensitive: true) }
        let resourceMatch =
            statement.resources.isEmpty
            ? !statement.notResources.isEmpty
                && !statement.notResources.contains { glob($0, resource, caseInsensitive: false) }
            : statement.resources.contains { glob($0, resource, caseInsensitive: false) }
        return actionMatch && resourceMatch
    }

    /// IAM wildcard matching: `*` any run, `?` one character.
    static func glob(_ pattern: String, _ text: String, caseInsensitive: Bool) -> Bool {
        let p = Array(caseInsensitive ? pattern.lowercased() : pattern)
        let t = Array(caseInsensitive ? text.lowercased() : text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
