import Foundation
import MnemondHTTP
import MnemondProcess
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// mnemond's exposition as Prometheus gets it: through Debian's real node_exporter reading the
/// textfile as another user, and straight from `metrics.listen`; both checked by the real
/// promtool. Needs root (two users) and `scripts/setup.sh --build-tests` (promtool,
/// prometheus-node-exporter).
@Suite(.serialized, .timeLimit(.minutes(15))) struct PrometheusScrapeTests {
    /// The textfile directory laid out as `deploy/tmpfiles.d/mnemond-node-exporter.conf` says,
    /// mnemond run as an unprivileged user under the unit's `UMask=0077`, node_exporter as user
    /// `prometheus`: the scrape carries mnemond's series and `node_textfile_scrape_error 0`.
    @Test func nodeExporterServesTheTextfileWrittenUnderUMask077() async throws {
        let nodeExporter = try PrometheusTools.require(
            PrometheusTools.nodeExporter, package: "prometheus-node-exporter")
        try #require(getuid() == 0, "runs mnemond and node_exporter as two other users: run the tests as root")
        try #require(getpwnam("prometheus") != nil, "user prometheus comes with prometheus-node-exporter")
        let simulator = try await AWSSimulator.shared(.target)
        let base = temporaryDirectory("mnemond-node-exporter")
        defer { try? FileManager.default.removeItem(at: base) }
        let textDirectory = base.appendingPathComponent("node-exporter")
        let state = base.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: textDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        // As Debian's package ships /var/lib/prometheus/node-exporter: root:root 0755.
        #expect(chmod(base.path, 0o755) == 0 && chmod(textDirectory.path, 0o755) == 0)
        // The daemon's own state directory, as StateDirectory= gives it: its user's, 0700.
        let nobody: uid_t = 65534
        #expect(chown(state.path, nobody, gid_t(nobody)) == 0 && chmod(state.path, 0o700) == 0)

        // The shipped tmpfiles.d file applied by the real systemd-tmpfiles, with the test's
        // directory for the package's and `nobody` for the `mnemond` user (the test creates no
        // system user).
        let shipped = try String(
            contentsOf: PeerProcess.repoRoot().appendingPathComponent("deploy/tmpfiles.d/mnemond-node-exporter.conf"),
            encoding: .utf8)
        #expect(shipped.contains("a+ /var/lib/prometheus/node-exporter - - - - u:mnemond:rwx"))
        let tmpfiles = base.appendingPathComponent("tmpfiles.conf").path
        try shipped.replacingOccurrences(of: "/var/lib/prometheus/node-exporter", with: textDirectory.path)
            .replacingOccurrences(of: "u:mnemond:", with: "u:nobody:")
            .write(toFile: tmpfiles, atomically: true, encoding: .utf8)
        let applied = try await Self.run("/usr/bin/systemd-tmpfiles", ["--create", tmpfiles])
        try #require(applied.status == 0, "systemd-tmpfiles: \(applied.output)")

        let textfile = textDirectory.appendingPathComponent("mnemond.prom").path
        let config = try writeConfig(try daemonConfig(extra: "prometheus_textfile: \(textfile)"), in: base)
        // umask 077 as the unit's UMask=0077, then setpriv drops to nobody and execs mnemond.
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--db", state.appendingPathComponent("mnemond.sqlite").path],
            environment: simulator.environment,
            launcher: [
                "/bin/sh", "-c", #"umask 077 && exec "$@""#, "sh", "/usr/bin/setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", "--",
            ])
        let port = try PeerProcess.unusedLoopbackPort()
        var exporter: (process: Process, exit: ProcessExit)?
        do {
            // The first cycle writes the file, or logs why it could not (then fail now, not at the deadline).
            _ = await Self.waitFor(.seconds(180)) {
                FileManager.default.fileExists(atPath: textfile)
                    || daemon.stderr.contains("prometheus exposition not updated")
            }
            try #require(FileManager.default.fileExists(atPath: textfile), "stderr: \(daemon.stderr)")
            let attributes = try FileManager.default.attributesOfItem(atPath: textfile)
            #expect(attributes[.ownerAccountID] as? Int == Int(nobody), "stderr: \(daemon.stderr)")
            #expect(attributes[.posixPermissions] as? Int == 0o644)

            exporter = try Self.start(
                "/usr/bin/setpriv",
                [
                    "--reuid=prometheus", "--regid=prometheus", "--init-groups", "--", nodeExporter,
                    "--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults", "--collector.textfile",
                    "--collector.textfile.directory=\(textDirectory.path)",
                ], log: base.appendingPathComponent("node-exporter.log"))
            // Until a cycle that reached RDS wrote the file (on a loaded machine the first
            // cycle's RDS calls may time out; the test schedule runs them every few seconds).
            let scraped = await Self.scrape("http://127.0.0.1:\(port)/metrics", until: .seconds(240)) {
                $0.contains("node_textfile_scrape_error") && $0.contains("mnemond_rds_pitr_lag_seconds{")
                    && $0.contains("mnemond_rds_backup_retention_seconds{")
            }
            let log = (try? String(contentsOf: base.appendingPathComponent("node-exporter.log"), encoding: .utf8)) ?? ""
            #expect(scraped.contains("node_textfile_scrape_error 0"), "node_exporter: \(log)\n\(scraped)")
            for series in [
                #"mnemond_check_state{check="s3.lifecycle.noncurrent",resource="mne-media-prod"} 0"#,
                "mnemond_last_cycle_timestamp_seconds ", #"mnemond_s3_objects{bucket="mne-media-replica"}"#,
                #"mnemond_s3_bucket_bytes{bucket="mne-media-prod","#, "mnemond_rds_pitr_lag_seconds{instance=",
                "mnemond_rds_backup_retention_seconds{", #"mnemond_aws_api_calls_total{service="#,
                "# TYPE mnemond_aws_api_calls_total counter",
            ] {
                #expect(scraped.contains(series), "\(series) missing from node_exporter's scrape:\n\(scraped)")
            }

            // The textfile as the simulator's estate makes it passes promtool's checks.
            let lint = try await Promtool.checkMetrics(try String(contentsOfFile: textfile, encoding: .utf8))
            #expect(lint.status == 0 && lint.output.isEmpty, "promtool: \(lint.output)")
        } catch {
            Issue.record(error, "stderr: \(daemon.stderr)")
        }
        if let exporter {
            exporter.process.terminate()
            if await exporter.exit.wait(timeout: .seconds(60)) == nil {
                kill(exporter.process.processIdentifier, SIGKILL)
                _ = await exporter.exit.wait(timeout: .seconds(60))
            }
        }
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "stderr: \(daemon.stderr)")
        await daemon.kill()
    }

    /// `metrics.listen`: the daemon serves the textfile's exposition at GET /metrics.
    @Test func metricsListenServesTheSameExpositionAsTheTextfile() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory("mnemond-metrics-listen")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try PeerProcess.unusedLoopbackPort()
        let textfile = dir.appendingPathComponent("mnemond.prom").path
        let config = try writeConfig(
            try daemonConfig(extra: "prometheus_textfile: \(textfile)\nmetrics:\n  listen: 127.0.0.1:\(port)\n"),
            in: dir)
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--db", dir.appendingPathComponent("mnemond.sqlite").path],
            environment: simulator.environment)
        let client = HTTPClient()
        do {
            #expect(await Self.waitFor(.seconds(180)) { FileManager.default.fileExists(atPath: textfile) })
            let url = URL(string: "http://127.0.0.1:\(port)/metrics")!
            // A cycle may end between reading the file and the scrape: compare a pair taken
            // while no cycle ended (the same text), within a deadline.
            var same = false
            var last = (file: "", scraped: "")
            let deadline = ContinuousClock.now + .seconds(60)
            while !same && ContinuousClock.now < deadline {
                let response = try await client.send(HTTPRequest(url: url, timeout: .seconds(20)))
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
                last = (
                    try String(contentsOfFile: textfile, encoding: .utf8),
                    String(decoding: response.body, as: UTF8.self)
                )
                same = last.file == last.scraped
            }
            #expect(same, "textfile:\n\(last.file)\nscraped:\n\(last.scraped)")
            #expect(
                last.scraped.contains(
                    #"mnemond_check_state{check="s3.lifecycle.noncurrent",resource="mne-media-prod"} 0"#))
            #expect(last.scraped.contains(#"mnemond_aws_api_calls_total{service="#))
            let lint = try await Promtool.checkMetrics(last.scraped)
            #expect(lint.status == 0 && lint.output.isEmpty, "promtool: \(lint.output)")

            let other = try await client.send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/")!))
            #expect(other.status == 404)
            let post = try await client.send(HTTPRequest(method: "POST", url: url))
            #expect(post.status == 405)
        } catch {
            Issue.record(error, "stderr: \(daemon.stderr)")
        }
        await client.shutdown()
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "stderr: \(daemon.stderr)")
        await daemon.kill()
    }

    /// An address that cannot be bound stops the start with an error naming it (EX_CONFIG).
    @Test func anAddressInUseStopsTheStartNamingIt() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory("mnemond-metrics-in-use")
        defer { try? FileManager.default.removeItem(at: dir) }
        let taken = try MetricsListener(host: "127.0.0.1", port: 0) { nil }
        defer { taken.stop() }
        let config = try writeConfig(
            try daemonConfig(extra: "metrics:\n  listen: 127.0.0.1:\(taken.port)\n"), in: dir)
        let result = try await CLI.run(
            ["run", "--config", config, "--db", dir.appendingPathComponent("mnemond.sqlite").path],
            environment: simulator.environment)
        #expect(result.status == 78, "stderr: \(result.stderr)")
        #expect(
            result.stderr.contains("metrics.listen 127.0.0.1:\(taken.port): bind failed: Address already in use"),
            "\(result.stderr)")
    }

    // MARK: Helpers

    /// Polls `condition` every 200 ms until it holds or `timeout` passes.
    static func waitFor(_ timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return condition()
    }

    /// GETs `url` until it answers 200 with a body `accept`s (the server may still be starting),
    /// or `until` passes; returns the last body seen.
    static func scrape(_ url: String, until timeout: Duration, accept: (String) -> Bool) async -> String {
        let client = HTTPClient()
        let deadline = ContinuousClock.now + timeout
        var body = ""
        while ContinuousClock.now < deadline {
            if let response = try? await client.send(HTTPRequest(url: URL(string: url)!, timeout: .seconds(20))) {
                body = String(decoding: response.body, as: UTF8.self)
                if response.status == 200 && accept(body) { break }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        await client.shutdown()
        return body
    }

    static func start(_ program: String, _ arguments: [String], log: URL) throws -> (
        process: Process, exit: ProcessExit
    ) {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        let exit = ProcessExit(process)
        try process.run()
        return (process, exit)
    }

    static func run(_ program: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw PeerError("\(program) is not installed (Debian package systemd)")
        }
        let result = try await runProgram(URL(fileURLWithPath: program), arguments, timeout: .seconds(300))
        return (result.status, result.stdout + result.stderr)
    }
}
