import Foundation

/// How long a failing state must hold before its alert fires: a number of consecutive failing
/// evaluations, or a duration since the first failing one.
public enum ForRule: Sendable, Equatable, CustomStringConvertible {
    case evaluations(Int)
    case duration(Duration)

    /// Whether a streak of `count` evaluations that began at `since` satisfies the rule at `now`.
    public func isSatisfied(count: Int, since: Date?, now: Date) -> Bool {
        switch self {
        case .evaluations(let n): return count >= n
        case .duration(let d):
            guard count > 0, let since else { return false }
            return now.timeIntervalSince(since) >= d.seconds
        }
    }

    public var description: String {
        switch self {
        case .evaluations(let n): "\(n) consecutive evaluation\(n == 1 ? "" : "s")"
        case .duration(let d): DurationText.format(d)
        }
    }
}

/// When a failing state of one severity fires, and how often a still-firing alert is repeated.
public struct SeverityRule: Sendable, Equatable {
    public var forRule: ForRule
    public var repeatInterval: Duration

    public init(for forRule: ForRule, repeat repeatInterval: Duration) {
        self.forRule = forRule
        self.repeatInterval = repeatInterval
    }
}

/// Flap damping: an alert whose evaluation changes between OK and failing more than `maxFlips`
/// times within `window` is held firing (its resolve waits) and says so.
public struct FlapPolicy: Sendable, Equatable {
    public var maxFlips: Int
    public var window: Duration

    public init(maxFlips: Int = 4, window: Duration = .seconds(3600)) {
        self.maxFlips = maxFlips
        self.window = window
    }
}

/// The alerting rules: defaults per severity, per-check overrides, flap damping.
public struct AlertRules: Sendable, Equatable {
    public var critical: SeverityRule
    public var warning: SeverityRule
    public var unknown: SeverityRule
    /// Per check, the rules that differ from the defaults.
    public var overrides: [CheckID: Overrides]
    public var flap: FlapPolicy

    public struct Overrides: Sendable, Equatable {
        public var critical: SeverityRule?
        public var warning: SeverityRule?
        public var unknown: SeverityRule?
        public init(critical: SeverityRule? = nil, warning: SeverityRule? = nil, unknown: SeverityRule? = nil) {
            self.critical = critical
            self.warning = warning
            self.unknown = unknown
        }
    }

    /// The issue's defaults: critical fires after 2 consecutive failing evaluations and repeats
    /// every 4 h; warning after 3, every 24 h; UNKNOWN (a collector failed) only after 30 min, so an
    /// AWS API hiccup pages no one, and then every 24 h.
    public static let defaultCritical = SeverityRule(for: .evaluations(2), repeat: .seconds(4 * 3600))
    public static let defaultWarning = SeverityRule(for: .evaluations(3), repeat: .seconds(24 * 3600))
    public static let defaultUnknown = SeverityRule(for: .duration(.seconds(30 * 60)), repeat: .seconds(24 * 3600))

    public init(
        critical: SeverityRule = defaultCritical, warning: SeverityRule = defaultWarning,
        unknown: SeverityRule = defaultUnknown, overrides: [CheckID: Overrides] = [:], flap: FlapPolicy = FlapPolicy()
    ) {
        self.critical = critical
        self.warning = warning
        self.unknown = unknown
        self.overrides = overrides
        self.flap = flap
    }

    /// The rule for a failing severity of a check (OK has no rule; it is answered with critical's).
    public func rule(_ severity: CheckState, for check: CheckID) -> SeverityRule {
        let o = overrides[check]
        switch severity {
        case .warning: return o?.warning ?? warning
        case .unknown: return o?.unknown ?? unknown
        case .critical, .ok: return o?.critical ?? critical
        }
    }
}

extension Duration {
    /// Whole and fractional seconds, for date arithmetic.
    public var seconds: TimeInterval {
        let (s, atto) = components
        return TimeInterval(s) + TimeInterval(atto) / 1e18
    }
}
