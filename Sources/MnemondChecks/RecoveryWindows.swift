import Foundation
import MnemondModel

/// How far back each recovery path of the guide reaches, and whether it holds: the status
/// headline's segments. A window is the measured one where a sample exists, the promised one
/// otherwise; its state is the worst current state of the checks that declare it
/// (`Check.recoveryWindow`), UNKNOWN when none has a result yet.
public enum RecoveryWindows {
    /// A check's current state, as stored (accepted risks already counted as OK).
    public struct CheckStatus: Sendable, Equatable {
        public var check: CheckID
        public var resource: String
        public var state: CheckState
        public init(check: CheckID, resource: String, state: CheckState) {
            self.check = check
            self.resource = resource
            self.state = state
        }
    }

    public struct Segment: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// PITR of one RDS instance; `named` when the estate has several.
            case pitr(instance: String, named: Bool)
            case snapshots
            case drCopies
            case versions
            case replicas
        }

        public enum Span: Sendable, Equatable {
            /// Back to this many days ago (`0-35 d`); nil: not known.
            case upTo(days: Double?)
            /// Without a policy, the range of the windows measured (`35-180 d kept`).
            case kept(lowDays: Double, highDays: Double)
        }

        public var kind: Kind
        public var span: Span
        /// What was measured at the near end: PITR lag, age of the newest recovery point, or the
        /// worst replication latency (seconds); nil when nothing was sampled.
        public var measuredSeconds: Double?
        public var state: CheckState

        public init(kind: Kind, span: Span, measuredSeconds: Double? = nil, state: CheckState) {
            self.kind = kind
            self.span = span
            self.measuredSeconds = measuredSeconds
            self.state = state
        }
    }

    /// The segments, in headline order: PITR per instance, snapshots, DR copies, versions, replicas.
    /// `policy` nil (config unreadable): instances and windows come from the samples alone.
    public static func segments(policy: Policy?, states: [CheckStatus], latest: [Sample]) -> [Segment] {
        let windowOf = Dictionary(
            Catalog.all.compactMap { check in check.recoveryWindow.map { (check.id, $0) } },
            uniquingKeysWith: { first, _ in first })
        func value(_ series: Series, _ labels: [String: String]) -> Double? {
            latest.first { $0.series == series && $0.labels == labels }?.value
        }
        func worst(_ matching: (RecoveryWindow, CheckStatus) -> Bool) -> CheckState {
            let matched = states.filter { status in windowOf[status.check].map { matching($0, status) } ?? false }
            return matched.isEmpty ? .unknown : CheckState.worst(matched.map(\.state))
        }
        var segments: [Segment] = []

        // PITR, per RDS instance (the guide has one).
        let instances =
            policy?.rds.map(\.identifier)
            ?? Array(Set(latest.filter { $0.series.name.hasPrefix("rds_") }.compactMap { $0.labels["instance"] }))
            .sorted()
        for instance in instances {
            let window =
                value(.rdsBackupRetentionDays, ["instance": instance])
                ?? policy?.rds.first { $0.identifier == instance }.map { Double($0.retentionDays) }
            segments.append(
                Segment(
                    kind: .pitr(instance: instance, named: instances.count > 1), span: .upTo(days: window),
                    measuredSeconds: value(.rdsPitrLagSeconds, ["instance": instance]),
                    state: worst { $0 == .pitr && $1.resource == instance }))
        }

        // AWS Backup snapshots in the primary vault, and their copies in the DR vault.
        if let backup = policy?.backup {
            segments.append(
                Segment(
                    kind: .snapshots, span: .upTo(days: Double(backup.retentionDays)),
                    measuredSeconds: value(.backupSnapshotRPOSeconds, ["vault": backup.vault]),
                    state: worst { window, _ in window == .snapshots }))
            segments.append(
                Segment(
                    kind: .drCopies, span: .upTo(days: Double(backup.drRetentionDays)),
                    measuredSeconds: value(.backupSnapshotRPOSeconds, ["vault": backup.drVault]),
                    state: worst { window, _ in window == .drCopies }))
        }

        // S3 versions: the sources' noncurrent window and the replicas' (the DR copy).
        let noncurrent = latest.filter { $0.series == .s3LifecycleNoncurrentDays }
        func window(_ buckets: [BucketPolicy]) -> Double? {
            let names = Set(buckets.map(\.name))
            let measured = noncurrent.filter { names.contains($0.labels["bucket"] ?? "") }.map(\.value)
            return measured.min() ?? buckets.map { Double($0.noncurrentDays) }.min()
        }
        if let buckets = policy?.buckets, !buckets.isEmpty {
            let sources = buckets.filter { $0.role == .source }
            let replicas = buckets.filter { $0.role == .replica }
            let sourceNames = Set(sources.map(\.name))
            let replicaNames = Set(replicas.map(\.name))
            if let days = window(sources) {
                segments.append(
                    Segment(
                        kind: .versions, span: .upTo(days: days),
                        state: worst { $0 == .bucketVersions && sourceNames.contains($1.resource) }))
            }
            if let days = window(replicas) {
                segments.append(
                    Segment(
                        kind: .replicas, span: .upTo(days: days),
                        measuredSeconds: latest.filter { $0.series == .s3ReplicationLatencySeconds }.map(\.value)
                            .max(),
                        state: worst {
                            $0 == .replication || ($0 == .bucketVersions && replicaNames.contains($1.resource))
                        }))
            }
        } else if let low = noncurrent.map(\.value).min(), let high = noncurrent.map(\.value).max() {
            segments.append(
                Segment(
                    kind: .versions, span: low == high ? .upTo(days: low) : .kept(lowDays: low, highDays: high),
                    state: worst { window, _ in window == .bucketVersions || window == .replication }))
        }
        return segments
    }
}
