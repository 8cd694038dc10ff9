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
        public var report: CollectorReport
    }

    public func collect(_ policies: [RDSPolicy]) async -> Result {
        let started = now()
        var instances: [String: Observed<RDSInstanceObservation>] = [:]
        for policy in policies {
            instances[policy.identifier] = await observe(
                "rds:DescribeDBInstances", resource: policy.identifier, region: policy.region
            ) {
                Self.instance(try await rds.describeDBInstance(identifier: policy.identifier, region: policy.region), region: policy.region)
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
                        series: "rds_pitr_lag_seconds", labels: ["instance": identifier], time: finished,
                        value: max(0, finished.timeIntervalSince(restorable))))
            }
            samples.append(
                Sample(
                    series: "rds_backup_retention_days", labels: ["instance": identifier], time: finished,
                    value: Double(instance.backupRetentionDays)))
        }
        let report = CollectorReport(
            collector: "rds", success: instances.values.allSatisfy { $0.value != nil },
            durationSeconds: finished.timeIntervalSince(started))
        return Result(instances: instances, samples: samples + report.samples(at: finished), report: report)
    }

    static func instance(_ xml: XMLTree, region: String) -> RDSInstanceObservation {
        RDSInstanceObservation(
            identifier: xml.string("DBInstanceIdentifier") ?? "", region: region, engine: xml.string("Engine") ?? "",
            status: xml.string("DBInstanceStatus") ?? "", backupRetentionDays: xml.int("BackupRetentionPeriod") ?? 0,
            preferredBackupWindow: xml.string("PreferredBackupWindow"),
            latestRestorableTime: xml.string("LatestRestorableTime").flatMap(ISO8601.parse))
    }
}
