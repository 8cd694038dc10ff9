import Foundation
import MnemondHTTP
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `mnemond run` as Kubernetes runs it: no systemd (no NOTIFY_SOCKET, no WATCHDOG_USEC), probes
/// on `metrics.listen`. `/readyz` turns 200 after the first cycle; `/healthz` says what the
/// watchdog would: 200 while the daemon is healthy, 503 with the reason once the daily integrity
/// check finds the store corrupt (the kubelet then restarts the container, as systemd would).
@Suite(.serialized, .timeLimit(.minutes(15))) struct HealthProbeTests {
    @Test func healthzFollowsTheWatchdogVerdictWithoutSystemd() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory("mnemond-health-probe")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        try await seedOldHistory(db)
        let port = try PeerProcess.unusedLoopbackPort()
        let config = try writeConfig(
            try daemonConfig(drainSeconds: 30, extra: "metrics:\n  listen: 127.0.0.1:\(port)\n"), in: dir)
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--db", db, "--log-level", "info"], environment: simulator.environment)
        let client = HTTPClient()
        let base = "http://127.0.0.1:\(port)"
        do {
            let ready = await Self.poll(client, "\(base)/readyz", until: .seconds(180)) { $0.status == 200 }
            #expect(ready?.status == 200, "stderr: \(daemon.stderr.suffix(3000))")
            let alive = try await client.send(HTTPRequest(url: URL(string: "\(base)/healthz")!))
            #expect(alive.status == 200)
            #expect(String(decoding: alive.body, as: UTF8.self) == "ok\n")

            // Intact: the maintenance run (SIGUSR1) checks and passes; still alive.
            daemon.signal(SIGUSR1)
            #expect(
                await daemon.waitForLog("integrity_check=ok", timeout: .seconds(90)),
                "stderr: \(daemon.stderr.suffix(3000))")
            #expect(try await client.send(HTTPRequest(url: URL(string: "\(base)/healthz")!)).status == 200)

            // A page in the middle of the old history goes bad on disk.
            let page = try StoreFileDamage.corruptTableLeafPage(of: db, fromEnd: 20)
            #expect(page > 0)
            daemon.signal(SIGUSR1)
            #expect(
                await daemon.waitForLog("store integrity check failed", timeout: .seconds(90)),
                "stderr: \(daemon.stderr.suffix(3000))")
            // The verdict is taken every 10 s without systemd.
            let dead = await Self.poll(client, "\(base)/healthz", until: .seconds(90)) { $0.status == 503 }
            #expect(dead?.status == 503, "stderr: \(daemon.stderr.suffix(3000))")
            let body = dead.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            #expect(body.hasPrefix("mnemond: store integrity check failed: "), "\(body)")
            #expect(body.hasSuffix("\n") && body.dropLast().split(separator: "\n").count == 1, "\(body)")
            #expect(daemon.stderr.contains("watchdog withheld"), "\(daemon.stderr.suffix(3000))")
            // Still serving its findings: only liveness fails.
            #expect(try await client.send(HTTPRequest(url: URL(string: "\(base)/readyz")!)).status == 200)
            #expect(daemon.exitStatus == nil)
        } catch {
            Issue.record(error, "stderr: \(daemon.stderr.suffix(3000))")
        }
        await client.shutdown()
        daemon.signal(SIGTERM)
        _ = await daemon.waitForExit(timeout: .seconds(60))
        await daemon.kill()
    }

    /// GETs `url` until `accept` holds or `until` has passed; returns the last answer (nil: none).
    static func poll(
        _ client: HTTPClient, _ url: String, until timeout: Duration, accept: (HTTPResponse) -> Bool
    ) async -> HTTPResponse? {
        let deadline = ContinuousClock.now + timeout
        var last: HTTPResponse?
        while ContinuousClock.now < deadline {
            last = try? await client.send(HTTPRequest(url: URL(string: url)!, timeout: .seconds(20)))
            if let last, accept(last) { return last }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return last
    }
}
