import Foundation
import MnemondAWS
import MnemondModel

/// DescribeDBInstances per configured instance; samples the measured PITR RPO every run.
public struct RDSCollector: Sendable {
    let rds: RDS
    let now: @Sendable () -> Date

    public init(client: AWSClient, now: @escaping @Sendable () -> Date = Date.init) {
        self.rds = RDS(client: client)
        self.now = now
    }

    public struct Result: Sendable {
        public var instances: [String: Observed<RDSInstanceObservation>]
        public var samples: [Sample]
        /// Every instance answered.
        public var success: Bool
    }

    public func collect(_ policies: [RDSPolicy]) async -> Result {
        var instances: [String: Observed<RDSInstanceObservation>] = [:]
        for policy in policies {
            instances[policy.identifier] = await observe(
                "rds:DescribeDBInstances", resource: policy.identifier, region: policy.region
            ) {
                try Self.instance(
                    try await rds.describeDBInstance(identifier: policy.identifier, region: policy.region),
                    region: policy.region)
            }
        }
        let finished = now()
        var samples: [Sample] = []
        for (identifier, observed) in instances {
            guard let instance = observed.value else { continue }
            if let restorable = instance.latestRestorableTime {
                // The measured RPO of PITR: how far back the newest restorable second lies.
                samples.append(
                    Sample(
                        series: .rdsPitrLagSeconds, labels: ["instance": identifier], time: finished,
                        value: max(0, finished.timeIntervalSince(restorable))))
            }
            samples.append(
                Sample(
                    series: .rdsBackupRetentionDays, labels: ["instance": identifier], time: finished,
                    value: Double(instance.backupRetentionDays)))
        }
        return Result(
            instances: instances, samples: samples, success: instances.values.allSatisfy { $0.value != nil })
    }

    /// `<DBInstance>` → observation. An absent LatestRestorableTime is an answer (PITR is not
    /// possible); an unparsable one, or a BackupRetentionPeriod that is absent or not a number,
    /// is not: it throws, and the checks depending on it are UNKNOWN instead of a false CRITICAL.
    static func instance(_ xml: XMLTree, region: String) throws(UnreadableField) -> RDSInstanceObservation {
        guard let retention = try xml.readInt("BackupRetentionPeriod") else {
            throw UnreadableField("BackupRetentionPeriod", "(absent)")
        }
        return RDSInstanceObservation(
            identifier: xml.string("DBInstanceIdentifier") ?? "", region: region, engine: xml.string("Engine") ?? "",
            status: xml.string("DBInstanceStatus") ?? "", backupRetentionDays: retention,
            preferredBackupWindow: xml.string("PreferredBackupWindow"),
            latestRestorableTime: try xml.readDate("LatestRestorableTime"))
    }
}

extension RDSCollector: Collector {
    public var name: String { "rds" }
    public var families: Set<CheckFamily> { [.pitr] }

    public func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected {
        guard !policy.rds.isEmpty else { return .notConfigured }
        let result = await collect(policy.rds)
        let instances = result.instances
        return Collected(samples: result.samples, success: result.success) { $0.rds = instances }
    }
}
