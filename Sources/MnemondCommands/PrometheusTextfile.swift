import Foundation
import MnemondModel

#if canImport(Glibc)
    import Glibc
#endif

/// The textfile could not be written (directory missing, no permission); the cycle itself is
/// stored regardless, and the error is logged.
public struct PrometheusTextfileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var message: String
    public var description: String { "prometheus_textfile \(path): \(operation) failed: \(message)" }
}

/// node_exporter's textfile collector convention: after each cycle mnemond rewrites one `.prom`
/// file that node_exporter serves with its own metrics; `metrics.listen` serves the same text over
/// HTTP. No timestamps (the collector rejects them), gauges and one counter, names as
/// `promtool check metrics` wants them, and the file is replaced atomically so a scrape never
/// sees half of it.
public enum PrometheusTextfile {
    /// The exposition text: one state gauge per check and resource, when the last cycle ended,
    /// the AWS API calls made since the daemon started (a counter), and the newest value of every
    /// measured series (`rds_pitr_lag_seconds` becomes `mnemond_rds_pitr_lag_seconds`) as
    /// `exposed(_:)` names it. With `estate`, every series carries it as the `estate` label.
    public static func render(
        findings: [Finding], samples: [Sample], cycleFinishedAt: Date, apiCallsTotal: [String: Int] = [:],
        estate: String? = nil
    ) -> String {
        text(
            families(
                findings: findings, samples: samples, cycleFinishedAt: cycleFinishedAt, apiCallsTotal: apiCallsTotal,
                estate: estate))
    }

    /// One metric family of the exposition: its HELP and TYPE once, then its series.
    public struct Family: Sendable, Equatable {
        public var name: String
        public var help: String
        public var type: String
        public var series: [Point]
    }

    public struct Point: Sendable, Equatable {
        public var labels: [String: String]
        public var value: Double
    }

    /// `render`'s families, in its order.
    public static func families(
        findings: [Finding], samples: [Sample], cycleFinishedAt: Date, apiCallsTotal: [String: Int] = [:],
        estate: String? = nil
    ) -> [Family] {
        func point(_ labels: [String: String], _ value: Double) -> Point {
            var labels = labels
            if let estate { labels["estate"] = estate }
            return Point(labels: labels, value: value)
        }
        let sorted = findings.sorted { ($0.check, $0.resource) < ($1.check, $1.resource) }
        var out = [
            Family(
                name: "mnemond_check_state",
                help: "State of a check on a resource: 0 OK, 1 warning, 2 critical, 3 unknown.", type: "gauge",
                series: sorted.map {
                    point(["check": $0.check.rawValue, "resource": $0.resource], Double($0.state.rawValue))
                }),
            Family(
                name: "mnemond_check_accepted_risk",
                help: "1 when the check's deviation is an accepted risk (reported, not paged).", type: "gauge",
                series: sorted.map {
                    point(["check": $0.check.rawValue, "resource": $0.resource], $0.acceptedRisk == nil ? 0 : 1)
                }),
            Family(
                name: "mnemond_last_cycle_timestamp_seconds",
                help: "When the last collection and evaluation cycle ended.",
                type: "gauge", series: [point([:], cycleFinishedAt.timeIntervalSince1970)]),
        ]
        if !apiCallsTotal.isEmpty {
            out.append(
                Family(
                    name: "mnemond_aws_api_calls_total",
                    help: "AWS API calls made since the daemon started, per service.", type: "counter",
                    series: apiCallsTotal.sorted { $0.key < $1.key }.map {
                        point(["service": $0.key], Double($0.value))
                    }
                ))
        }
        let byName = Dictionary(grouping: exposed(samples), by: \.name)
        for name in byName.keys.sorted() {
            let metrics = byName[name]!.sorted { labels($0.labels) < labels($1.labels) }
            out.append(
                Family(
                    name: name, help: metrics[0].help, type: "gauge",
                    series: metrics.map { point($0.labels, $0.value) }))
        }
        return out
    }

    /// Several estates' families as one exposition: one HELP and TYPE per name (the format allows
    /// no second), the series of every estate under it.
    public static func merged(_ estates: [[Family]]) -> [Family] {
        var order: [String] = []
        var byName: [String: Family] = [:]
        for family in estates.joined() {
            if byName[family.name] == nil {
                order.append(family.name)
                byName[family.name] = Family(name: family.name, help: family.help, type: family.type, series: [])
            }
            byName[family.name]!.series += family.series
        }
        return order.map { byName[$0]! }
    }

    public static func text(_ families: [Family]) -> String {
        var out = ""
        for family in families {
            // Families with no series still say what they are, as the check gauges always have.
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
            for point in family.series {
                out += "\(family.name)\(labels(point.labels)) \(number(point.value))\n"
            }
        }
        return out
    }

    /// One gauge of the exposition made from stored samples.
    public struct Exposed: Sendable, Equatable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
        public var help: String
    }

    /// The stored series as Prometheus names them; the store keeps its own names (history,
    /// checks and the report read them), this is the exposition's view only:
    /// - `…_days` series become `…_seconds` with the value converted (Prometheus wants base units);
    /// - `aws_api_calls` (per cycle) is left out: `mnemond_aws_api_calls_total` counts the calls;
    /// - `cycle_duration_seconds{families="pitr+metrics"}` becomes one series per family,
    ///   `{family="pitr"}`, the duration of the newest cycle that collected that family (a label
    ///   value must not be a combination).
    public static func exposed(_ samples: [Sample]) -> [Exposed] {
        var out: [Exposed] = []
        var newestCycleOfFamily: [String: Sample] = [:]
        for sample in samples {
            switch sample.series {
            case .awsAPICalls:
                continue
            case .cycleDurationSeconds where sample.labels["families"] != nil:
                for family in sample.labels["families"]!.split(separator: "+").map(String.init) {
                    if let kept = newestCycleOfFamily[family], kept.time >= sample.time { continue }
                    newestCycleOfFamily[family] = sample
                }
            default:
                let stored = sample.series.name
                if stored.hasSuffix("_days") {
                    out.append(
                        Exposed(
                            name: metricName(Series(String(stored.dropLast("_days".count)) + "_seconds")),
                            labels: sample.labels, value: sample.value * 86400,
                            help: "mnemond series \(stored) in seconds, newest sample."))
                } else {
                    out.append(
                        Exposed(
                            name: metricName(sample.series), labels: sample.labels, value: sample.value,
                            help: "mnemond series \(stored), newest sample."))
                }
            }
        }
        for (family, sample) in newestCycleOfFamily {
            var labels = sample.labels
            labels["families"] = nil
            labels["family"] = family
            out.append(
                Exposed(
                    name: metricName(.cycleDurationSeconds), labels: labels, value: sample.value,
                    help: "Duration of the newest cycle that collected the family, in seconds."))
        }
        return out
    }

    /// Which stored samples are current for the file after a cycle that ended `finishedAt`.
    /// Series not measured for two of the longest intervals have gone (a bucket removed from the
    /// config): they leave the file rather than linger as stale gauges. S3's daily storage
    /// metrics are stamped with their day and published up to 3 days late: current for 4 days.
    public struct Window: Sendable, Equatable {
        public var measured: Date
        public var daily: Date
        /// What to read from the store: the older of the two bounds.
        public var since: Date { min(measured, daily) }
    }

    public static func window(finishedAt: Date, longestInterval: Int) -> Window {
        Window(measured: finishedAt - Double(2 * longestInterval), daily: finishedAt - 4 * 86400)
    }

    public static func current(_ samples: [Sample], _ window: Window) -> [Sample] {
        samples.filter {
            $0.time >= window.measured
                || ([Series.s3Objects, .s3BucketBytes].contains($0.series) && $0.time >= window.daily)
        }
    }

    /// `mnemond_` + the series name with anything outside `[a-zA-Z0-9_:]` replaced by `_`.
    static func metricName(_ series: Series) -> String {
        "mnemond_"
            + String(
                series.name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") ? $0 : "_" })
    }

    static func labelName(_ name: String) -> String {
        let cleaned = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
        return cleaned.first?.isNumber == true ? "_" + cleaned : cleaned
    }

    /// `{a="x",b="y"}` with the exposition format's escapes (backslash, quote, newline).
    static func labels(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let pairs = labels.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\""
            )
            .replacingOccurrences(of: "\n", with: "\\n")
            return "\(labelName(key))=\"\(escaped)\""
        }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Writes `text` to a temporary file beside `path` (a name node_exporter ignores: it reads
    /// only `*.prom`), flushes it, and renames it over `path`: readers see the old file or the
    /// new one, never a part.
    public static func write(_ text: String, to path: String) throws(PrometheusTextfileError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "create \(temporary)") }
        // World-readable whatever the umask (the unit sets UMask=0077): node_exporter runs as
        // another user and must read the file.
        guard fchmod(fd, 0o644) == 0 else {
            let error = failure(path, "chmod \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = failure(path, "write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let error = failure(path, "fsync \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "rename \(temporary)")
            unlink(temporary)
            throw error
        }
    }

    static func failure(_ path: String, _ operation: String) -> PrometheusTextfileError {
        PrometheusTextfileError(path: path, operation: operation, message: String(cString: strerror(errno)))
    }
}
