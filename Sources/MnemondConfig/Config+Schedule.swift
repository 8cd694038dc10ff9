import Foundation
import MnemondModel
import Yams

/// The daemon's sections of the configuration: how often each check family is collected, how a
/// stop drains, and where the Prometheus textfile goes. Every key is optional.
extension Config {
    /// `schedule:`: per-family collection intervals and the scheduler's limits.
    public struct Schedule: Sendable, Equatable {
        /// Seconds between two collections of each family; `CheckFamily.defaultIntervalSeconds`
        /// for a family the file does not name.
        public var intervalSeconds: [CheckFamily: Int] = Dictionary(
            uniqueKeysWithValues: CheckFamily.allCases.map { ($0, $0.defaultIntervalSeconds) })
        /// How far, in percent of its interval, a run may come early or late, so families that
        /// share an interval do not call AWS in the same second.
        public var jitterPercent = 10
        /// A run still going after this long counts as stuck: the systemd watchdog stops being
        /// fed and systemd restarts the daemon.
        public var stallAfterSeconds = 900
        /// How long SIGTERM waits for runs in flight (store writes, deliveries) before exiting.
        /// Keep it below the unit's TimeoutStopSec.
        public var drainTimeoutSeconds = 20

        public init() {}

        public var intervals: [CheckFamily: Duration] { intervalSeconds.mapValues { .seconds($0) } }
        public var jitter: Double { Double(jitterPercent) / 100 }
        public var shortestIntervalSeconds: Int { intervalSeconds.values.min() ?? 60 }
    }

    static func parseSchedule(_ node: Node?, reader: YAMLReader) throws(ConfigError) -> Schedule {
        var schedule = Schedule()
        guard let node else { return schedule }
        let m = try reader.mapping(
            node, at: "schedule",
            allowed: ["interval_seconds", "jitter_percent", "stall_after_seconds", "drain_timeout_seconds"])
        if let intervals = m.value("interval_seconds") {
            let families = try reader.mapping(
                intervals, at: "schedule.interval_seconds", allowed: CheckFamily.allCases.map(\.rawValue))
            for family in CheckFamily.allCases {
                // Up to a week: the slowest source (S3 storage metrics) publishes daily.
                if let seconds = try families.optionalInt(family.rawValue, range: 1...604_800) {
                    schedule.intervalSeconds[family] = seconds
                }
            }
        }
        schedule.jitterPercent = try m.optionalInt("jitter_percent", range: 0...50) ?? schedule.jitterPercent
        schedule.stallAfterSeconds =
            try m.optionalInt("stall_after_seconds", range: 10...86400) ?? schedule.stallAfterSeconds
        schedule.drainTimeoutSeconds =
            try m.optionalInt("drain_timeout_seconds", range: 1...600) ?? schedule.drainTimeoutSeconds
        return schedule
    }

    /// `prometheus_textfile:`: off unless set; node_exporter's textfile collector reads only
    /// `*.prom` files, so any other name would be written and never scraped.
    static func parsePrometheusTextfile(_ top: YAMLReader.Mapping, reader: YAMLReader) throws(ConfigError) -> String? {
        guard let node = top.value("prometheus_textfile") else { return nil }
        let path = try reader.string(node, at: "prometheus_textfile")
        guard path.hasPrefix("/") else {
            throw reader.error(node, "prometheus_textfile must be an absolute path, found \(shown(path))")
        }
        guard path.hasSuffix(".prom") else {
            throw reader.error(
                node,
                "prometheus_textfile must end in .prom (node_exporter's textfile collector reads only *.prom), found \(shown(path))"
            )
        }
        return path
    }
}
