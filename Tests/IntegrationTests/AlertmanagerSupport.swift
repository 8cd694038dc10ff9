import Foundation
import MnemondHTTP
import MnemondProcess
import MnemondTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A real Alertmanager (Debian package `prometheus-alertmanager`) on a loopback port of its own,
/// with a private config and storage directory and no clustering; queried with `amtool`. A
/// missing binary is an error naming the setup step, never a skipped test.
final class AlertmanagerPeer: @unchecked Sendable {
    // @unchecked: `process` and `exit` are replaced only by `start`/`stop`, which the test calls in turn.
    static let binary = "/usr/bin/prometheus-alertmanager"
    static let amtool = "/usr/bin/amtool"

    let directory: URL
    let port: Int
    private var process: Process?
    private var exit: ProcessExit?
    private let http = HTTPClient()

    var url: String { "http://127.0.0.1:\(port)" }

    init(directory: URL) throws {
        _ = try PrometheusTools.require(Self.binary, package: "prometheus-alertmanager")
        _ = try PrometheusTools.require(Self.amtool, package: "prometheus-alertmanager")
        self.directory = directory.appendingPathComponent("alertmanager")
        try FileManager.default.createDirectory(
            at: self.directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        port = try PeerProcess.unusedLoopbackPort()
        // Every alert goes to a receiver that sends nothing: the test reads Alertmanager's state.
        try """
        route:
          receiver: nowhere
        receivers:
          - name: nowhere
        """.write(to: configFile, atomically: true, encoding: .utf8)
    }

    var configFile: URL { directory.appendingPathComponent("alertmanager.yml") }
    var logFile: URL { directory.appendingPathComponent("alertmanager.log") }

    /// Starts it (again, on the same port) and waits until `/-/ready` answers 200.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "--config.file=\(configFile.path)", "--storage.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ]
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logFile)
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let exit = ProcessExit(process)
        try process.run()
        self.process = process
        self.exit = exit
        let ready = try await eventually(.seconds(120)) {
            if exit.exitStatus != nil { return true }
            let response = try? await http.send(HTTPRequest(url: URL(string: "\(url)/-/ready")!, timeout: .seconds(5)))
            return response?.status == 200
        }
        guard ready, exit.exitStatus == nil else {
            throw PeerError("alertmanager did not become ready on \(url): \(logTail())")
        }
    }

    /// Stops it (SIGTERM, then SIGKILL) and waits until it is gone. Its alerts are not kept:
    /// Alertmanager holds alerts in memory only.
    func stop() async {
        guard let process, let exit else { return }
        kill(process.processIdentifier, SIGTERM)
        if await exit.wait(timeout: .seconds(60)) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = await exit.wait(timeout: .seconds(60))
        }
        self.process = nil
        self.exit = nil
    }

    func shutdown() async {
        await stop()
        await http.shutdown()
    }

    /// The active alerts, as `amtool alert query -o json` prints them.
    func activeAlerts() async throws -> [[String: Any]] {
        let output = try await ChildProcess.run(
            URL(fileURLWithPath: Self.amtool), ["alert", "query", "--alertmanager.url=\(url)", "-o", "json"],
            timeout: .seconds(120))
        guard output.succeeded else {
            throw PeerError("amtool alert query failed (\(output.status)): \(output.stderrText)")
        }
        guard let alerts = try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]] else {
            throw PeerError("amtool alert query printed no JSON array: \(output.stdoutText.prefix(400))")
        }
        return alerts
    }

    /// Polls `amtool` every half second until `count` alerts are active, for at most `timeout`;
    /// returns the last answer.
    func waitForAlerts(count: Int, timeout: Duration) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        var alerts = try await activeAlerts()
        while alerts.count != count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            alerts = try await activeAlerts()
        }
        return alerts
    }

    func logTail() -> String {
        String(((try? String(contentsOf: logFile, encoding: .utf8)) ?? "").suffix(2000))
    }
}

extension [String: Any] {
    var labels: [String: String] { self["labels"] as? [String: String] ?? [:] }
    var annotations: [String: String] { self["annotations"] as? [String: String] ?? [:] }
}
