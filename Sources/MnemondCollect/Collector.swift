import Foundation
import MnemondModel

/// One source of evidence, in node_exporter's shape: a name (the `collector` label of its
/// `collector_success` / `collector_duration_seconds` samples), the check families it serves, and
/// one `collect` that fetches and translates — never judges. "No data" is an outcome
/// (`.unavailable` in the observations, `success == false`), never a thrown error.
///
/// A family may have several collectors (configuration: S3, IAM/STS, alert plumbing), and one
/// collector may serve several families (the CloudWatch metrics of `metrics` and
/// `storage_metrics` ride in one GetMetricData call per region).
public protocol Collector: Sendable {
    var name: String { get }
    var families: Set<CheckFamily> { get }
    /// `due` holds the families of this cycle that are among `families` (never empty); `time` is
    /// when the cycle's collection started, the reference for look-back windows.
    func collect(_ policy: Policy, due: Set<CheckFamily>, at time: Date) async -> Collected
}

/// What one collector brought back: its samples, whether every call answered, and a pure merge
/// of its observations into the latest ones (it replaces exactly the fields it collected).
public struct Collected: Sendable {
    public var samples: [Sample]
    public var success: Bool
    /// False when the policy promises nothing this collector could look at: it made no call,
    /// and reports nothing about itself.
    public var ran: Bool
    let update: @Sendable (inout Observations) -> Void

    public init(samples: [Sample], success: Bool, merge: @escaping @Sendable (inout Observations) -> Void) {
        self.samples = samples
        self.success = success
        self.ran = true
        self.update = merge
    }

    /// Nothing to collect for this policy (no RDS instance, no backup plan promised).
    public static let notConfigured: Collected = {
        var nothing = Collected(samples: [], success: true, merge: { _ in })
        nothing.ran = false
        return nothing
    }()

    public func merge(into observations: inout Observations) { update(&observations) }
}
