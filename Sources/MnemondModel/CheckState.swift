/// The state of one check on one resource, in the Nagios convention: the raw values are the
/// exit codes `mnemond check` and `mnemond status` return (0 OK, 1 warning, 2 critical, 3 unknown).
public enum CheckState: Int, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    public var description: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    public init?(name: String) {
        guard let state = Self.allCases.first(where: { $0.description == name.uppercased() }) else { return nil }
        self = state
    }

    /// How bad a state is when several are summarised into one: critical outranks unknown (a known
    /// loss of recoverability is worse than a blind spot), unknown outranks warning.
    public var badness: Int {
        switch self {
        case .ok: 0
        case .warning: 1
        case .unknown: 2
        case .critical: 3
        }
    }

    /// The state that counts for paging, summaries and exit codes when an accepted risk covers the
    /// finding: a waived WARNING or CRITICAL counts as OK, but UNKNOWN stays UNKNOWN — nothing was
    /// evaluated, so there is nothing the risk could have accepted.
    public func waived(byAcceptedRisk accepted: Bool) -> CheckState {
        accepted && self != .unknown ? .ok : self
    }

    /// The worst of several states; `.ok` for none.
    public static func worst<S: Sequence>(_ states: S) -> CheckState where S.Element == CheckState {
        states.max(by: { $0.badness < $1.badness }) ?? .ok
    }
}
