import Foundation
import MnemondAWS
import MnemondModel

/// Fetches each configured bucket's settings in the bucket's own region and translates S3's XML
/// into typed observations. It never decides whether a setting is right.
public struct S3Collector: Sendable {
    let s3: S3
    let now: @Sendable () -> Date

    public init(client: AWSClient, now: @escaping @Sendable () -> Date = Date.init) {
        self.s3 = S3(client: client)
        self.now = now
    }

    public struct Result: Sendable {
        public var buckets: [BucketObservation]
        /// Every call of every bucket answered.
        public var success: Bool
    }

    /// The raw settings of each bucket; what they mean (e.g. the effective noncurrent window) is
    /// for the checks to say.
    public func collect(_ buckets: [BucketPolicy]) async -> Result {
        let observed = await withTaskGroup(of: (Int, BucketObservation).self) { group in
            for (index, bucket) in buckets.enumerated() {
                group.addTask { (index, await self.collect(bucket)) }
            }
            var results: [(Int, BucketObservation)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let success = observed.allSatisfy {
            $0.versioning.value != nil && $0.lifecycle.value != nil && $0.location?.value != nil
                && $0.encryption?.value != nil && $0.objectLock?.value != nil && $0.replication?.value != nil
        }
        return Result(buckets: observed, success: success)
    }

    func collect(_ bucket: BucketPolicy) async -> BucketObservation {
        async let versioning = observe("s3:GetBucketVersioning", resource: bucket.name, region: bucket.region) {
            try Self.versioning(try await s3.getBucketVersioning(bucket: bucket.name, region: bucket.region))
        }
        async let lifecycle = observe(
            "s3:GetBucketLifecycleConfiguration", resource: bucket.name, region: bucket.region
        ) {
            try await s3.getBucketLifecycleConfiguration(bucket: bucket.name, region: bucket.region)
                .map { root throws(UnreadableField) in try Self.lifecycleRules(root) } ?? []
        }
        async let encryption = observe("s3:GetBucketEncryption", resource: bucket.name, region: bucket.region) {
            try await s3.getBucketEncryption(bucket: bucket.name, region: bucket.region).flatMap {
                root throws(UnreadableField) in try Self.encryption(root)
            }
        }
        async let objectLock = observe("s3:GetObjectLockConfiguration", resource: bucket.name, region: bucket.region) {
            try await s3.getObjectLockConfiguration(bucket: bucket.name, region: bucket.region).map {
                root throws(UnreadableField) in try Self.objectLock(root)
            }
        }
        async let replication = observe("s3:GetBucketReplication", resource: bucket.name, region: bucket.region) {
            try await s3.getBucketReplication(bucket: bucket.name, region: bucket.region).map {
                root throws(UnreadableField) in try Self.replication(root)
            }
        }
        var observation = BucketObservation(
            bucket: bucket.name, region: bucket.region, versioning: await versioning, lifecycle: await lifecycle,
            encryption: await encryption, objectLock: await objectLock, replication: await replication)
        // Asked after the others: a kept region (`SettledAnswers`) is used only while they are
        // what they were when it was asked.
        let unchangedSince = Self.settingsDigest(observation)
        observation.location = await observe("s3:GetBucketLocation", resource: bucket.name, region: bucket.region) {
            try await s3.getBucketLocation(bucket: bucket.name, region: bucket.region, keptWhile: unchangedSince)
        }
        return observation
    }

    /// What a kept bucket region depends on: the digest of the bucket's other settings, or nil
    /// (ask the region, keep nothing) when any of them failed. A bucket never moves, but one
    /// deleted and created again elsewhere is a new bucket: its settings start afresh (AWS also
    /// answers the old region's calls with PermanentRedirect or NoSuchBucket, which fail here).
    static func settingsDigest(_ observation: BucketObservation) -> String? {
        let settings: [Unavailable?] = [
            observation.versioning.unavailable, observation.lifecycle.unavailable,
            observation.encryption?.unavailable, observation.objectLock?.unavailable,
            observation.replication?.unavailable,
        ]
        guard settings.allSatisfy({ $0 == nil }) else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let encoded = try? encoder.encode(observation) else { return nil }
        return SettledAnswers.digest(encoded)
    }

    /// The default rule of `<ServerSideEncryptionConfiguration>`.
    static func encryption(_ root: XMLTree) throws(UnreadableField) -> BucketEncryption? {
        guard let rule = root.all("Rule").first,
            let algorithm = rule.string("ApplyServerSideEncryptionByDefault", "SSEAlgorithm")
        else { return nil }
        return BucketEncryption(
            algorithm: algorithm, bucketKeyEnabled: try rule.readBool("BucketKeyEnabled") ?? false,
            kmsKeyID: rule.string("ApplyServerSideEncryptionByDefault", "KMSMasterKeyID"))
    }

    static func objectLock(_ root: XMLTree) throws(UnreadableField) -> ObjectLockSettings {
        ObjectLockSettings(
            enabled: try root.readOneOf(["Enabled"], "ObjectLockEnabled") == "Enabled",
            mode: try root.readOneOf(["GOVERNANCE", "COMPLIANCE"], "Rule", "DefaultRetention", "Mode"),
            days: try root.readInt("Rule", "DefaultRetention", "Days"),
            years: try root.readInt("Rule", "DefaultRetention", "Years"))
    }

    static let statuses: Set<String> = ["Enabled", "Disabled"]

    /// `<ReplicationConfiguration>`: the destination is an ARN (`arn:aws:s3:::bucket`); the rule's
    /// prefix may be legacy top-level or in `Filter`.
    static func replication(_ root: XMLTree) throws(UnreadableField) -> ReplicationConfiguration {
        ReplicationConfiguration(
            role: root.string("Role") ?? "",
            rules: try root.all("Rule").map { rule throws(UnreadableField) in
                let destinationARN = rule.string("Destination", "Bucket") ?? ""
                let prefix =
                    rule.string("Filter", "Prefix") ?? rule.string("Filter", "And", "Prefix") ?? rule.string("Prefix")
                    ?? ""
                return ReplicationRule(
                    id: rule.string("ID"), enabled: try rule.readOneOf(statuses, "Status") == "Enabled",
                    priority: try rule.readInt("Priority"),
                    prefix: prefix,
                    destinationBucket: destinationARN.hasPrefix("arn:aws:s3:::")
                        ? String(destinationARN.dropFirst("arn:aws:s3:::".count)) : destinationARN,
                    storageClass: rule.string("Destination", "StorageClass"),
                    deleteMarkerReplication: try rule.readOneOf(statuses, "DeleteMarkerReplication", "Status")
                        == "Enabled",
                    metricsEnabled: try rule.readOneOf(statuses, "Destination", "Metrics", "Status") == "Enabled",
                    replicationTimeEnabled: try rule.readOneOf(statuses, "Destination", "ReplicationTime", "Status")
                        == "Enabled")
            })
    }

    /// No `Status`: versioning was never enabled (an answer); any value but Enabled/Suspended is
    /// unreadable, not "never enabled".
    static func versioning(_ root: XMLTree) throws(UnreadableField) -> VersioningStatus {
        switch try root.readOneOf(["Enabled", "Suspended"], "Status") {
        case "Enabled": .enabled
        case "Suspended": .suspended
        default: .never
        }
    }

    /// S3's lifecycle XML → rules. Handles both the legacy top-level `Prefix` and `Filter`
    /// (with `Prefix`, `Tag`, `And`, object-size bounds).
    static func lifecycleRules(_ root: XMLTree) throws(UnreadableField) -> [LifecycleRule] {
        try root.all("Rule").map { rule throws(UnreadableField) in
            var prefix = rule.string("Prefix") ?? ""
            var narrowing = false
            if let filter = rule["Filter"] {
                if let p = filter.string("Prefix") { prefix = p }
                if let and = filter["And"] {
                    prefix = and.string("Prefix") ?? prefix
                    narrowing =
                        !and.all("Tag").isEmpty || and["ObjectSizeGreaterThan"] != nil
                        || and["ObjectSizeLessThan"] != nil
                }
                narrowing =
                    narrowing || filter["Tag"] != nil || filter["ObjectSizeGreaterThan"] != nil
                    || filter["ObjectSizeLessThan"] != nil
            }
            return LifecycleRule(
                id: rule.string("ID"),
                enabled: try rule.readOneOf(statuses, "Status") == "Enabled",
                prefix: prefix,
                hasNarrowingFilter: narrowing,
                expirationDays: try rule.readInt("Expiration", "Days"),
                expirationDate: rule.string("Expiration", "Date"),
                noncurrentExpirationDays: try rule.readInt("NoncurrentVersionExpiration", "NoncurrentDays"),
                newerNoncurrentVersions: try rule.readInt("NoncurrentVersionExpiration", "NewerNoncurrentVersions"),
                transitions: try rule.all("Transition").map { transition throws(UnreadableField) in
                    LifecycleRule.Transition(
                        days: try transition.readInt("Days"), storageClass: transition.string("StorageClass") ?? "")
                },
                abortIncompleteMultipartDays: try rule.readInt("AbortIncompleteMultipartUpload", "DaysAfterInitiation"))
        }
    }
}

extension S3Collector: Collector {
    public var name: String { "s3" }
    public var families: Set<CheckFamily> { [.configuration] }

    public func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected {
        let result = await collect(policy.buckets)
        let buckets = result.buckets
        return Collected(samples: [], success: result.success) { $0.buckets = buckets }
    }
}
