import Foundation
import MnemondModel
import Yams

/// The catalog's sections of the configuration: per-bucket promises beyond retention, RDS,
/// AWS Backup, the alert plumbing and the application role. Every key is optional except the
/// names that identify a resource; defaults are the guide's values.
extension Config {
    static func bucketExtras(_ m: YAMLReader.Mapping, path: String, reader: YAMLReader, base: BucketPolicy)
        throws(ConfigError) -> BucketPolicy
    {
        var bucket = base
        bucket.intelligentTieringDay0 = try m.optionalBool("intelligent_tiering_day0") ?? false
        bucket.abortMultipartDays = try m.optionalInt("abort_multipart_days", range: 1...36500)
        if let node = m.value("encryption") {
            let e = try reader.mapping(node, at: "\(path).encryption", allowed: ["algorithm", "bucket_key", "guide"])
            bucket.encryption = EncryptionPromise(
                algorithm: try reader.oneOf(
                    try e.required("algorithm"), at: "\(path).encryption.algorithm",
                    ["AES256", "aws:kms", "aws:kms:dsse"]),
                bucketKey: try e.optionalBool("bucket_key") ?? false, guide: try e.optionalString("guide"))
        }
        if let node = m.value("object_lock") {
            let o = try reader.mapping(node, at: "\(path).object_lock", allowed: ["mode", "days"])
            bucket.objectLock = ObjectLockPromise(
                mode: try reader.oneOf(
                    try o.required("mode"), at: "\(path).object_lock.mode", ["GOVERNANCE", "COMPLIANCE"]),
                days: try o.int("days", range: 1...36500))
        }
        if let node = m.value("replication") {
            let r = try reader.mapping(
                node, at: "\(path).replication",
                allowed: [
                    "destination", "rule_id", "storage_class", "delete_marker_replication", "metrics",
                    "latency_critical_minutes", "latency_periods", "guide",
                ])
            bucket.replication = ReplicationPromise(
                destinationBucket: try r.identifier("destination"),
                storageClass: try r.value("storage_class").map { node throws(ConfigError) in
                    try reader.oneOf(node, at: "\(path).replication.storage_class", s3StorageClasses)
                } ?? "DEEP_ARCHIVE",
                deleteMarkerReplication: try r.optionalBool("delete_marker_replication") ?? true,
                metricsEnabled: try r.optionalBool("metrics") ?? true,
                ruleID: try r.optionalString("rule_id"),
                latencyCriticalSeconds: try r.optionalInt("latency_critical_minutes", range: 1...10080).map { $0 * 60 }
                    ?? ReplicationPromise.defaultLatencyCriticalSeconds,
                latencyPeriods: try r.optionalInt("latency_periods", range: 1...288)
                    ?? ReplicationPromise.defaultLatencyPeriods,
                guide: try r.optionalString("guide") ?? "Phase 3")
        }
        return bucket
    }

    /// S3's storage classes (the S3 API reference's `StorageClass`); a replication destination
    /// names one, and a misspelt one must fail here, not as a finding that never matches.
    static let s3StorageClasses = [
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
        "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS", "FSX_ONTAP",
    ]

    /// The CloudWatch metrics (namespace AWS/S3) an alarm promise may name, with the dimensions
    /// each is published with: the ones whose publishing region the checks know (replication
    /// metrics and the daily storage metrics; AWS, "Using S3 Replication metrics" and "Metrics and
    /// dimensions"). Another metric, or a misspelt one, could never be placed in a region.
    static let alarmMetrics: [String: [String]] = [
        "ReplicationLatency": ["SourceBucket", "DestinationBucket", "RuleId"],
        "BytesPendingReplication": ["SourceBucket", "DestinationBucket", "RuleId"],
        "OperationsPendingReplication": ["SourceBucket", "DestinationBucket", "RuleId"],
        "OperationsFailedReplication": ["SourceBucket", "DestinationBucket", "RuleId"],
        "NumberOfObjects": ["BucketName", "StorageType"],
        "BucketSizeBytes": ["BucketName", "StorageType"],
    ]

    static let bucketKeys = [
        "name", "region", "role", "noncurrent_days", "guide", "intelligent_tiering_day0", "abort_multipart_days",
        "encryption", "object_lock", "replication",
    ]

    static func parseRDS(_ nodes: [Node], reader: YAMLReader) throws(ConfigError) -> [RDSPolicy] {
        var result: [RDSPolicy] = []
        for (index, node) in nodes.enumerated() {
            let path = "rds[\(index)]"
            let m = try reader.mapping(
                node, at: path,
                allowed: [
                    "identifier", "region", "retention_days", "backup_window", "pitr_lag_warning_minutes",
                    "pitr_lag_critical_minutes",
                ])
            let warning =
                try m.optionalInt("pitr_lag_warning_minutes", range: 1...1440) ?? RDSPolicy.defaultPITRWarningSeconds
                / 60
            let critical =
                try m.optionalInt("pitr_lag_critical_minutes", range: 1...10080) ?? RDSPolicy.defaultPITRCriticalSeconds
                / 60
            if critical <= warning, let n = m.keyNode("pitr_lag_critical_minutes") {
                throw reader.error(
                    n,
                    "\(path).pitr_lag_critical_minutes (\(critical)) must be above pitr_lag_warning_minutes (\(warning))"
                )
            }
            var window: String?
            if let node = m.value("backup_window") {
                let text = try reader.string(node, at: "\(path).backup_window")
                guard isWindow(text) else {
                    throw reader.error(
                        node, "\(path).backup_window must look like 22:00-00:00 (UTC), found \(shown(text))")
                }
                window = text
            }
            result.append(
                RDSPolicy(
                    identifier: try m.identifier("identifier"),
                    region: try region(m, "region", path: path, reader: reader),
                    retentionDays: try m.int("retention_days", range: 0...35), backupWindow: window,
                    pitrWarningSeconds: warning * 60, pitrCriticalSeconds: critical * 60))
        }
        return result
    }

    static func parseBackup(_ node: Node, accountID: String, reader: YAMLReader) throws(ConfigError) -> BackupPolicy {
        let m = try reader.mapping(
            node, at: "backup",
            allowed: [
                "region", "plan", "rule", "schedule", "interval_hours", "grace_hours", "retention_days", "vault",
                "resource_arn", "dr", "restore_test_days", "dr_restore_test_days", "copy_grace_minutes",
                "last_point_horizon_days",
            ])
        // The protected resource is in the watched account: its jobs are listed there. S3 ARNs
        // carry no account field (arn:aws:s3:::bucket) and are taken as they are.
        let resourceNode = try m.required("resource_arn")
        let resourceARN = try reader.identifier(resourceNode, at: "backup.resource_arn")
        let arnParts = resourceARN.split(separator: ":", omittingEmptySubsequences: false)
        guard arnParts.count >= 6, arnParts[0] == "arn", !arnParts[1].isEmpty, !arnParts[2].isEmpty else {
            throw reader.error(
                resourceNode,
                "backup.resource_arn must be an ARN (arn:aws:SERVICE:REGION:ACCOUNT:…), found \(shown(resourceARN))")
        }
        if !arnParts[4].isEmpty || arnParts[2] != "s3" {
            try account(
                of: resourceARN, node: resourceNode, at: "backup.resource_arn", expected: accountID, reader: reader)
        }
        let drNode = try m.required("dr")
        let dr = try reader.mapping(drNode, at: "backup.dr", allowed: ["region", "vault", "retention_days"])
        return BackupPolicy(
            region: try region(m, "region", path: "backup", reader: reader), planName: try m.identifier("plan"),
            ruleName: try m.identifier("rule"), schedule: try m.string("schedule"),
            intervalHours: try m.int("interval_hours", range: 1...168),
            graceHours: try m.optionalInt("grace_hours", range: 0...48) ?? BackupPolicy.defaultGraceHours,
            retentionDays: try m.int("retention_days", range: 1...36500), vault: try m.identifier("vault"),
            resourceARN: resourceARN,
            drRegion: try region(dr, "region", path: "backup.dr", reader: reader),
            drVault: try dr.identifier("vault"), drRetentionDays: try dr.int("retention_days", range: 1...36500),
            restoreTestDays: try m.optionalInt("restore_test_days", range: 1...3650)
                ?? BackupPolicy.defaultRestoreTestDays,
            drRestoreTestDays: try m.optionalInt("dr_restore_test_days", range: 1...3650)
                ?? BackupPolicy.defaultDRRestoreTestDays,
            copyGraceMinutes: try m.optionalInt("copy_grace_minutes", range: 0...10080)
                ?? BackupPolicy.defaultCopyGraceMinutes,
            lastPointHorizonDays: try m.optionalInt("last_point_horizon_days", range: 1...365)
                ?? BackupPolicy.defaultLastPointHorizonDays)
    }

    static func parseMonitoring(_ node: Node, reader: YAMLReader) throws(ConfigError) -> MonitoringPolicy {
        let m = try reader.mapping(
            node, at: "monitoring",
            allowed: [
                "topics", "alarms", "event_rules", "object_count_window_days", "object_count_mad_factor",
                "replica_lag_percent",
            ])
        var topics: [TopicPromise] = []
        for (i, t) in try m.list("topics").enumerated() {
            let path = "monitoring.topics[\(i)]"
            let tm = try reader.mapping(t, at: path, allowed: ["arn", "require"])
            var require: Set<String> = []
            for (j, r) in try tm.list("require").enumerated() {
                require.insert(try reader.oneOf(r, at: "\(path).require[\(j)]", ["email", "https"]))
            }
            topics.append(
                TopicPromise(
                    arn: try arn(tm, "arn", service: "sns", path: path, reader: reader),
                    requireEmail: require.contains("email"), requireHTTPS: require.contains("https")))
        }
        var alarms: [AlarmPromise] = []
        for (i, a) in try m.list("alarms").enumerated() {
            let path = "monitoring.alarms[\(i)]"
            let am = try reader.mapping(
                a, at: path, allowed: ["name", "metric", "dimensions", "threshold", "topic", "region"])
            let metricNode = try am.required("metric")
            let metric = try reader.oneOf(metricNode, at: "\(path).metric", alarmMetrics.keys.sorted())
            var dimensions: [String: String] = [:]
            if let d = am.value("dimensions") {
                guard case .mapping = d else {
                    throw reader.error(d, "\(path).dimensions must be a mapping of dimension name to value")
                }
                let dm = try reader.mapping(d, at: "\(path).dimensions", allowed: alarmMetrics[metric] ?? [])
                for (k, v) in dm.mapping {
                    let name = k.string ?? ""
                    dimensions[name] = try reader.string(v, at: "\(path).dimensions.\(name)")
                }
            }
            var threshold: Double?
            if let tn = am.value("threshold") {
                guard let value = Double(try reader.string(tn, at: "\(path).threshold")) else {
                    throw reader.error(tn, "\(path).threshold must be a number")
                }
                threshold = value
            }
            alarms.append(
                AlarmPromise(
                    name: try am.string("name"),
                    region: try am.value("region") == nil ? nil : region(am, "region", path: path, reader: reader),
                    metric: metric, dimensions: dimensions, threshold: threshold,
                    topicARN: try am.value("topic") == nil
                        ? nil : arn(am, "topic", service: "sns", path: path, reader: reader)))
        }
        var rules: [EventRulePromise] = []
        for (i, r) in try m.list("event_rules").enumerated() {
            let path = "monitoring.event_rules[\(i)]"
            let rm = try reader.mapping(r, at: path, allowed: ["name", "region", "topic"])
            rules.append(
                EventRulePromise(
                    name: try rm.identifier("name"), region: try region(rm, "region", path: path, reader: reader),
                    topicARN: try arn(rm, "topic", service: "sns", path: path, reader: reader)))
        }
        return MonitoringPolicy(
            topics: topics, alarms: alarms, eventRules: rules,
            objectCountWindowDays: try m.optionalInt("object_count_window_days", range: 3...90)
                ?? MonitoringPolicy.defaultObjectCountWindowDays,
            objectCountMADFactor: try m.optionalInt("object_count_mad_factor", range: 1...50).map(Double.init)
                ?? MonitoringPolicy.defaultObjectCountMADFactor,
            replicaLagFraction: try m.optionalInt("replica_lag_percent", range: 0...100).map { Double($0) / 100 }
                ?? MonitoringPolicy.defaultReplicaLagFraction)
    }

    static func parseAppRole(_ node: Node, reader: YAMLReader, buckets: [BucketPolicy]) throws(ConfigError)
        -> AppRolePolicy
    {
        let m = try reader.mapping(node, at: "app_role", allowed: ["name"])
        return AppRolePolicy(
            name: try m.identifier("name"), sourceBuckets: buckets.filter { $0.role == .source }.map(\.name),
            replicaBuckets: buckets.filter { $0.role == .replica }.map(\.name))
    }

    static func region(_ m: YAMLReader.Mapping, _ key: String, path: String, reader: YAMLReader) throws(ConfigError)
        -> String
    {
        let node = try m.required(key)
        let text = try reader.string(node, at: "\(path).\(key)")
        guard isRegion(text) else {
            throw reader.error(node, "\(path).\(key) \(shown(text)) is not an AWS region name (e.g. eu-west-1)")
        }
        return text
    }

    static func arn(_ m: YAMLReader.Mapping, _ key: String, service: String, path: String, reader: YAMLReader)
        throws(ConfigError) -> String
    {
        let node = try m.required(key)
        let text = try reader.string(node, at: "\(path).\(key)")
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 6, parts[0] == "arn", parts[2] == Substring(service), isRegion(String(parts[3])) else {
            throw reader.error(
                node,
                "\(path).\(key) must be an \(service) ARN (arn:aws:\(service):REGION:ACCOUNT:NAME), found \(shown(text))"
            )
        }
        try account(of: text, node: node, at: "\(path).\(key)", reader: reader)
        return text
    }

    /// The account field of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:…`) is 12 digits, and
    /// `expected` where the resource must be in the watched account. An ARN with another account
    /// field could never match what AWS answers, and would only surface later as a finding.
    @discardableResult
    static func account(
        of arn: String, node: Node, at path: String, expected: String? = nil, reader: YAMLReader
    ) throws(ConfigError) -> String {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        let account = parts.count >= 5 ? String(parts[4]) : ""
        guard account.utf8.count == 12, account.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw reader.error(node, "\(path): the account in \(shown(arn)) must be 12 digits, found \(shown(account))")
        }
        if let expected, account != expected {
            throw reader.error(
                node, "\(path): the account in \(shown(arn)) is \(account), not account_id \(expected)")
        }
        return account
    }

    /// `hh:mm-hh:mm`, 24-hour.
    static func isWindow(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            let hm = part.split(separator: ":")
            guard hm.count == 2, let h = Int(hm[0]), let mm = Int(hm[1]), hm[0].count == 2, hm[1].count == 2 else {
                return false
            }
            return (0...23).contains(h) && (0...59).contains(mm)
        }
    }
}

/// `recovery_path:` (Recovery Procedures, Scenario 2/3): the restore role and the DR landing
/// zone. It needs `backup` (vaults, regions, the protected instance); without `backup` it is an
/// error, and without the section the recovery path is checked with the guide's defaults.
extension Config {
    static func parseRecoveryPath(
        _ top: YAMLReader.Mapping, accountID: String, backup: BackupPolicy?, reader: YAMLReader
    ) throws(ConfigError) -> RecoveryPathPolicy? {
        let node = top.value("recovery_path")
        guard let backup else {
            if let node { throw reader.error(node, "recovery_path needs a backup section (its vaults and regions)") }
            return nil
        }
        // arn:aws:rds:REGION:ACCOUNT:db:IDENTIFIER
        let arn = backup.resourceARN.split(separator: ":", omittingEmptySubsequences: false)
        guard arn.count == 7, arn[2] == "rds", arn[5] == "db" else { return nil }
        let source = String(arn[6])
        var policy = RecoveryPathPolicy(
            restoreRoleARN: RecoveryPathPolicy.defaultRestoreRoleARN(account: accountID), drInstance: "\(source)-dr",
            sourceInstance: source, sourceRegion: String(arn[3]))
        guard let node else { return policy }
        let m = try reader.mapping(
            node, at: "recovery_path",
            allowed: ["restore_role_arn", "dr_instance", "dr_landing_zone", "s3_recovery_operator_role"])
        if let roleNode = m.value("restore_role_arn") {
            let text = try reader.string(roleNode, at: "recovery_path.restore_role_arn")
            guard text.hasPrefix("arn:aws:iam::"), text.contains(":role/") else {
                throw reader.error(
                    roleNode,
                    "recovery_path.restore_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), found \(shown(text))"
                )
            }
            try account(
                of: text, node: roleNode, at: "recovery_path.restore_role_arn", expected: accountID, reader: reader)
            policy.restoreRoleARN = text
        }
        policy.drInstance = try m.optionalIdentifier("dr_instance") ?? policy.drInstance
        if let roleNode = m.value("s3_recovery_operator_role") {
            let text = try reader.string(roleNode, at: "recovery_path.s3_recovery_operator_role")
            // A role name (IAM: letters, digits and +=,.@_-, at most 64) or a role ARN.
            let isARN = text.hasPrefix("arn:aws:iam::") && text.contains(":role/")
            let punctuation = Set("+=,.@_-".unicodeScalars)
            let isName =
                (1...64).contains(text.count)
                && text.unicodeScalars.allSatisfy {
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || punctuation.contains($0))
                }
            guard isARN || isName else {
                throw reader.error(
                    roleNode,
                    "recovery_path.s3_recovery_operator_role must be an IAM role name or ARN "
                        + "(arn:aws:iam::ACCOUNT:role/NAME), found \(shown(text))")
            }
            if isARN {
                try account(of: text, node: roleNode, at: "recovery_path.s3_recovery_operator_role", reader: reader)
            }
            policy.s3RecoveryOperatorRole = text
        }
        if let zone = m.value("dr_landing_zone") {
            let z = try reader.mapping(
                zone, at: "recovery_path.dr_landing_zone",
                allowed: ["db_subnet_group", "db_parameter_group", "option_group"])
            policy.dbSubnetGroup = try z.optionalIdentifier("db_subnet_group")
            policy.dbParameterGroup = try z.optionalIdentifier("db_parameter_group")
            policy.optionGroup = try z.optionalIdentifier("option_group")
        }
        return policy
    }
}

extension YAMLReader.Mapping {
    func optionalBool(_ key: String) throws(ConfigError) -> Bool? {
        guard let node = value(key) else { return nil }
        let text = try reader.string(node, at: child(key))
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw reader.error(node, "\(child(key)) must be true or false, found \(shown(text))")
        }
    }
}
