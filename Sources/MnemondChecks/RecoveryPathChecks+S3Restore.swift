import Foundation
import MnemondModel

/// Recovery Procedures, Scenario 2 (and Scenario 3, Option A): `aws s3api restore-object` on a
/// replica, then the download of the restored copy. Besides the replicated versions themselves it
/// needs the replica's encryption key usable and someone allowed to restore and read.
extension RecoveryPathChecks {
    static let s3RestoreGuide = "Recovery Procedures, Scenario 2"

    // MARK: - Replica keys

    /// Each replica's default encryption: SSE-S3 or an AWS managed key needs nothing; a
    /// customer-managed SSE-KMS key must exist, be Enabled (not PendingDeletion) and live in the
    /// bucket's region, or no object encrypted with it can be restored or read.
    public static let replicaKey = Check(
        id: "recovery_path.replica_key", evidence: [.configuration],
        promise: "Each replica's SSE-KMS key exists, is enabled and lives in the replica's region"
    ) { policy, observations, _, _ in
        guard policy.recoveryPath != nil else { return [] }
        let id: CheckID = "recovery_path.replica_key"
        return policy.buckets.filter { $0.role == .replica }.map { bucket in
            guard let path = observations.recoveryPath, let observed = path.replicaKeys[bucket.name] else {
                return Catalog.notCollected(id, resource: bucket.name)
            }
            switch observed {
            case .unavailable(let reason):
                return Catalog.unknown(id, resource: bucket.name, reason, guide: s3RestoreGuide)
            case .value(let v): return replicaKeyFinding(v)
            }
        }
    }

    public static func replicaKeyFinding(_ v: ReplicaKeyObservation) -> Finding {
        let id: CheckID = "recovery_path.replica_key"
        func finding(_ state: CheckState, _ message: String, found: String, runbook: String? = nil) -> Finding {
            Finding(
                check: id, resource: v.bucket, state: state, message: "\(v.bucket) (\(v.region)): \(message)",
                expected: "SSE-S3, or an enabled KMS key in \(v.region)", found: found, guide: s3RestoreGuide,
                runbook: runbook)
        }
        guard let encryption = v.encryption else {
            return finding(
                .ok, "no default encryption configuration (S3 encrypts with SSE-S3): no key to check",
                found: "no default encryption")
        }
        guard encryption.algorithm.hasPrefix("aws:kms") else {
            return finding(
                .ok,
                "encrypted with \(encryption.algorithm == "AES256" ? "SSE-S3 (AES256)" : encryption.algorithm), "
                    + "keys managed by S3: nothing to check",
                found: "SSE-S3")
        }
        guard let key = v.key else {
            return finding(
                .ok, "SSE-KMS with the AWS managed key aws/s3: nothing to check", found: "AWS managed key")
        }
        let keyRegion = key.region ?? v.region
        let keyArgs = "--key-id \(key.arn) --region \(keyRegion)"
        guard key.exists else {
            return finding(
                .critical,
                "its default encryption key \(key.arn) does not exist: replica objects encrypted with it can be "
                    + "neither restored nor read",
                found: "key missing",
                runbook:
                    "aws kms describe-key --key-id \(key.arn) --region \(keyRegion); if it is gone, restore what you can "
                    + "and aws s3api put-bucket-encryption --bucket \(v.bucket) --region \(v.region) with an existing key"
            )
        }
        if key.keyManager == "AWS" {
            return finding(
                .ok, "encrypted with the AWS managed key \(key.arn): nothing to check", found: "AWS managed key")
        }
        if key.keyState == "PendingDeletion" {
            let when = key.deletionDate.map { " on \(utcMinute($0))" } ?? ""
            return finding(
                .critical,
                "its key \(key.arn) is scheduled for deletion\(when): every replica object encrypted with it "
                    + "becomes unrecoverable then",
                found: "PendingDeletion\(when)",
                runbook: "aws kms cancel-key-deletion \(keyArgs) && aws kms enable-key \(keyArgs)")
        }
        if !key.enabled || (key.keyState ?? "Enabled") != "Enabled" {
            let state = key.keyState ?? "Disabled"
            return finding(
                .critical,
                "its key \(key.arn) is \(state): Scenario 2's restore-object and download of objects encrypted "
                    + "with it fail",
                found: state, runbook: "aws kms enable-key \(keyArgs)")
        }
        if keyRegion != v.region {
            return finding(
                .critical, "its key \(key.arn) lives in \(keyRegion), not in the bucket's region",
                found: "key in \(keyRegion)")
        }
        return finding(.ok, "SSE-KMS key \(key.arn) is Enabled", found: "as promised")
    }

    // MARK: - Replica access

    /// The role the config names as the S3 recovery operator may s3:GetObject and
    /// s3:RestoreObject every object of each replica: iam:SimulatePrincipalPolicy's verdict, or,
    /// where the service does not offer it, the role's attached and inline policies evaluated
    /// here (the finding says which). Not configured: WARNING, nothing is assumed.
    public static let replicaAccess = Check(
        id: "recovery_path.replica_access", evidence: [.configuration],
        promise: "The recovery operator role may s3:GetObject and s3:RestoreObject the replicas' objects"
    ) { policy, observations, _, _ in
        guard let recovery = policy.recoveryPath else { return [] }
        let id: CheckID = "recovery_path.replica_access"
        let replicas = policy.buckets.filter { $0.role == .replica }
        guard recovery.s3RecoveryOperatorRole != nil else { return replicas.map { notConfiguredFinding($0.name) } }
        guard let path = observations.recoveryPath, let observed = path.recoveryOperator else {
            return replicas.map { Catalog.notCollected(id, resource: $0.name) }
        }
        switch observed {
        case .unavailable(let reason):
            return replicas.map { Catalog.unknown(id, resource: $0.name, reason, guide: s3RestoreGuide) }
        case .value(let role): return replicas.map { replicaAccessFinding(role, bucket: $0.name) }
        }
    }

    static func notConfiguredFinding(_ bucket: String) -> Finding {
        Finding(
            check: "recovery_path.replica_access", resource: bucket, state: .warning,
            message:
                "\(bucket): no S3 recovery operator is configured, so nobody is known to be allowed Scenario 2's "
                + "restore-object and download from it; set recovery_path.s3_recovery_operator_role",
            expected: "a recovery operator role allowed \(RecoveryPathPolicy.s3RestoreActions.joined(separator: ", "))",
            found: "not configured", guide: s3RestoreGuide,
            runbook:
                "Set recovery_path.s3_recovery_operator_role in mnemond.yaml to the role your on-call engineers assume "
                + "for restores (or accept the risk under accepted_risks)")
    }

    public static func replicaAccessFinding(_ role: RecoveryOperatorObservation, bucket: String) -> Finding {
        let id: CheckID = "recovery_path.replica_access"
        let actions = RecoveryPathPolicy.s3RestoreActions
        let objects = RecoveryPathPolicy.replicaObjectsARN(bucket)
        let runbook =
            "aws iam put-role-policy --role-name \(role.name) --policy-name s3-replica-restore --policy-document "
            + "file://replica-restore.json (Allow \(actions.joined(separator: ", ")) on \(objects)), and remove any "
            + "Deny of them from the role's policies"
        func finding(_ state: CheckState, _ message: String, found: String, runbook: String? = nil) -> Finding {
            Finding(
                check: id, resource: bucket, state: state, message: "\(bucket): \(message)",
                expected: "\(role.name) allowed \(actions.joined(separator: ", "))", found: found,
                guide: s3RestoreGuide, runbook: runbook)
        }
        guard role.exists else {
            return finding(
                .critical,
                "the recovery operator role \(role.name) does not exist: nobody is known to be allowed Scenario 2's "
                    + "restore-object and download",
                found: "role missing",
                runbook:
                    "aws iam create-role --role-name \(role.name) --assume-role-policy-document file://operator-trust.json, "
                    + "then \(runbook)")
        }
        var denied: [String] = []
        var notes: [String] = []
        let method: String
        if let simulated = role.simulated {
            guard let observed = simulated[bucket] else { return Catalog.notCollected(id, resource: bucket) }
            switch observed {
            case .unavailable(let reason): return Catalog.unknown(id, resource: bucket, reason, guide: s3RestoreGuide)
            case .value(let decisions):
                for action in actions {
                    guard let d = decisions.first(where: { $0.action.lowercased() == action.lowercased() }) else {
                        return Catalog.notCollected(id, resource: bucket)
                    }
                    if d.decision != .allowed {
                        let by = d.matchedPolicies.isEmpty ? "" : " by \(d.matchedPolicies.joined(separator: ", "))"
                        denied.append(
                            d.decision == .explicitDeny
                                ? "\(action) (explicitly denied\(by))" : "\(action) (no statement allows it)")
                    }
                    if !d.missingContextValues.isEmpty {
                        notes.append(
                            "\(action) depends on context keys the simulation lacked "
                                + "(\(d.missingContextValues.joined(separator: ", ")))")
                    }
                }
                method = "per iam:SimulatePrincipalPolicy"
            }
        } else if let policies = role.policies {
            for action in actions {
                let verdict = PolicyEvaluator.evaluate(policies, action: action, resource: objects)
                switch verdict.decision {
                case .allowed: break
                case .explicitDeny: denied.append("\(action) (explicitly denied by \(verdict.decidedBy ?? "a Deny"))")
                case .implicitDeny: denied.append("\(action) (no statement allows it)")
                }
                notes += verdict.approximations
            }
            let why = role.simulationUnavailable.map { ": \($0)" } ?? ""
            method =
                "evaluated from the role's attached and inline policies (iam:SimulatePrincipalPolicy unavailable\(why))"
        } else {
            return Catalog.notCollected(id, resource: bucket)
        }
        let approximate =
            notes.isEmpty ? "" : "; approximate: \(Array(Set(notes)).sorted().joined(separator: "; "))"
        if !denied.isEmpty {
            return finding(
                .critical,
                "the recovery operator \(role.name) may not \(denied.joined(separator: ", ")) on \(objects): "
                    + "Scenario 2's restore-object and download fail — \(method)\(approximate)",
                found: "denied: \(denied.map { String($0.prefix { $0 != " " }) }.joined(separator: ", "))",
                runbook: runbook)
        }
        return finding(
            .ok,
            "the recovery operator \(role.name) may \(actions.joined(separator: " and ")) on \(objects) — "
                + "\(method)\(approximate)",
            found: notes.isEmpty ? "allowed" : "allowed (approximate)")
    }
}
