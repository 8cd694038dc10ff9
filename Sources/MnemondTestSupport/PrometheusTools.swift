import Foundation

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

    public static func checkMetrics(_ text: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: try PrometheusTools.require(PrometheusTools.promtool, package: "prometheus"))
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Write on another thread: promtool may answer before reading everything.
        let data = Data(text.utf8)
        let writer = Thread {
            try? input.fileHandleForWriting.write(contentsOf: data)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: answer, as: UTF8.self))
    }
}
