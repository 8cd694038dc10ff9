import Foundation
import MnemondProcess

/// The real Prometheus tools mnemond's exposition is checked with: `promtool` (Debian package
/// `prometheus`) and `prometheus-node-exporter`. A missing tool is an error naming the setup
/// step, never a skipped test.
public enum PrometheusTools {
    public static let promtool = "/usr/bin/promtool"
    public static let nodeExporter = "/usr/bin/prometheus-node-exporter"

    /// The path of `tool` if it is installed, or an error saying how to install it.
    public static func require(_ tool: String, package: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw PeerError(
                "\(tool) is not installed: run scripts/setup.sh --build-tests as root (Debian package \(package))")
        }
        return tool
    }
}

/// `promtool check metrics`: reads the exposition on stdin; exit 0 and no output means the text
/// parses and follows the naming conventions.
public enum Promtool {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    public static func checkMetrics(_ text: String) async throws -> Result {
        let promtool = try PrometheusTools.require(PrometheusTools.promtool, package: "prometheus")
        let output = try await ChildProcess.run(
            URL(fileURLWithPath: promtool), ["check", "metrics"], input: Data(text.utf8), timeout: .seconds(300))
        // promtool writes its findings on stderr, its verdict in the status.
        return Result(status: output.status, output: output.stdoutText + output.stderrText)
    }

    /// `promtool check rules FILE`: the rules file parses and every expression is valid PromQL.
    public static func checkRules(_ path: String) async throws -> Result {
        try await run(["check", "rules", path])
    }

    /// `promtool test rules FILE`: the unit tests in FILE (fixture series, expected alerts and
    /// expression values) pass against the rule files it names.
    public static func testRules(_ path: String) async throws -> Result {
        try await run(["test", "rules", path])
    }

    static func run(_ arguments: [String]) async throws -> Result {
        let promtool = try PrometheusTools.require(PrometheusTools.promtool, package: "prometheus")
        let output = try await ChildProcess.run(URL(fileURLWithPath: promtool), arguments, timeout: .seconds(300))
        return Result(status: output.status, output: output.stdoutText + output.stderrText)
    }
}
