import Foundation
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shipped config with the test's `schedule:` (short intervals; a stall limit a loaded machine,
/// whose simulator may take minutes over one family, does not trip) and extra top-level keys.
func daemonConfig(drainSeconds: Int = 10, extra: String = "") throws -> String {
    var lines = try String(contentsOfFile: repoConfig, encoding: .utf8).components(separatedBy: "\n")
    // Drop the shipped `schedule:` block: a top-level key and its indented or comment lines.
    if let start = lines.firstIndex(where: { $0.hasPrefix("schedule:") }) {
        var end = start + 1
        while end < lines.count, lines[end].isEmpty || lines[end].hasPrefix(" ") || lines[end].hasPrefix("#") {
            end += 1
        }
        lines.removeSubrange(start..<end)
    }
    return lines.joined(separator: "\n") + """

        schedule:
          interval_seconds:
            pitr: 2
            backup_jobs: 4
            metrics: 4
            configuration: 6
            storage_metrics: 8
          jitter_percent: 0
          stall_after_seconds: 600
          drain_timeout_seconds: \(drainSeconds)
        \(extra)
        """
}

/// `mnemond run` under a stand-in for systemd: a notify socket bound by the test, a watchdog,
/// SIGHUP and SIGTERM — the issue's acceptance, as a timeline.
@Suite(.serialized, .timeLimit(.minutes(15))) struct DaemonLifecycleTests {
    @Test func readyWatchdogStatusRejectedReloadReloadAndDrainingStop() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory()
        let socket = try NotifySocket()
        defer { socket.stop() }
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        let prom = dir.appendingPathComponent("mnemond.prom").path
        // A drain deadline a loaded 2-core machine can meet: a cycle there has been seen to take 10 s.
        let drain = 30
        let config = try writeConfig(
            try daemonConfig(drainSeconds: drain, extra: "prometheus_textfile: \(prom)"), in: dir)
        var environment = simulator.environment
        environment["NOTIFY_SOCKET"] = socket.address
        environment["WATCHDOG_USEC"] = "2000000"
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--db", db, "--log-level", "info"], environment: environment)

        // Config loaded and store open: READY=1.
        #expect(await socket.wait(for: "READY=1", timeout: .seconds(30)), "stderr: \(daemon.stderr)")
        // The first cycle ends: STATUS= carries its summary and the next run.
        let firstCycle = await socket.wait(timeout: .seconds(180)) { all in
            all.contains { $0.hasPrefix("STATUS=") && $0.contains(" ok") && $0.contains("next in") }
        }
        #expect(firstCycle, "notify: \(socket.assignments) stderr: \(daemon.stderr)")
        // The watchdog is fed every second (half of WATCHDOG_USEC) while the scheduler is healthy.
        #expect(
            await socket.wait(for: "WATCHDOG=1", count: 3, timeout: .seconds(20)),
            "notify: \(socket.assignments) stderr: \(daemon.stderr)")
        // The textfile is there after a cycle, whole. On a loaded machine the first cycle's RDS
        // call may time out; the PITR family runs every 2 s, so wait for a cycle that had it.
        // Its S3 calls may time out the same way (the check is then unknown, 3), so wait for both.
        var text = ""
        let wanted = [
            "mnemond_rds_pitr_lag_seconds{instance=",
            #"mnemond_check_state{check="s3.lifecycle.noncurrent",resource="mne-media-prod"} 0"#,
        ]
        for _ in 0..<180 where !wanted.allSatisfy(text.contains) {
            text = (try? String(contentsOfFile: prom, encoding: .utf8)) ?? ""
            if !wanted.allSatisfy(text.contains) { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(text.contains(wanted[1]), "\(text)")
        #expect(text.contains("mnemond_last_cycle_timestamp_seconds "))
        #expect(text.contains("mnemond_rds_pitr_lag_seconds{instance="))
        // S3's daily storage metrics are dated their day, days before the cycle: still in the file.
        #expect(text.contains(#"mnemond_s3_objects{bucket="mne-media-replica"}"#), "\(text)")
        #expect(text.contains(#"mnemond_s3_bucket_bytes{bucket="mne-media-prod","#), "\(text)")

        // SIGHUP with a broken config: RELOADING=1 with MONOTONIC_USEC, rejected and logged with
        // its location, READY=1 again, and the old config keeps running.
        let good = try String(contentsOfFile: config, encoding: .utf8)
        try good.replacingOccurrences(of: "noncurrent_days: 180       # Step 2B.3", with: "noncurent_days: 180")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let beforeRejected = socket.assignments.count
        daemon.signal(SIGHUP)
        let rejected = await socket.wait(timeout: .seconds(20)) { all in
            let new = all.dropFirst(beforeRejected)
            return new.contains("RELOADING=1") && new.contains { $0.hasPrefix("STATUS=reload rejected") }
                && new.contains("READY=1")
        }
        #expect(rejected, "notify: \(socket.assignments.dropFirst(beforeRejected))")
        let reload = Array(socket.assignments.dropFirst(beforeRejected))
        let reloading = try #require(reload.firstIndex(of: "RELOADING=1"))
        #expect(reload[reloading + 1].hasPrefix("MONOTONIC_USEC="))
        #expect(UInt64(reload[reloading + 1].dropFirst("MONOTONIC_USEC=".count)) != nil)
        // The log line and the datagram travel separately: wait for the line.
        #expect(await daemon.waitForLog(#"msg="reload rejected""#, timeout: .seconds(5)), "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains(#"unknown key \"noncurent_days\" in buckets[3]"#), "stderr: \(daemon.stderr)")
        let afterRejected = socket.assignments.count
        let keptRunning = await socket.wait(timeout: .seconds(30)) { all in
            all.dropFirst(afterRejected).contains { $0.hasPrefix("STATUS=") && $0.contains("next in") }
        }
        #expect(keptRunning, "no cycle after the rejected reload; stderr: \(daemon.stderr)")

        // SIGHUP with a good config: reloaded, every family collected again.
        try good.write(toFile: config, atomically: true, encoding: .utf8)
        let beforeReload = socket.assignments.count
        daemon.signal(SIGHUP)
        let reloaded = await socket.wait(timeout: .seconds(30)) { all in
            let new = all.dropFirst(beforeReload)
            return new.contains("RELOADING=1") && new.contains("STATUS=reloaded; collecting every family")
                && new.contains("READY=1")
        }
        #expect(reloaded, "notify: \(socket.assignments.dropFirst(beforeReload)) stderr: \(daemon.stderr)")
        #expect(await daemon.waitForLog("msg=reloaded", timeout: .seconds(5)))

        // SIGTERM: STOPPING=1, the run in flight drains, exit 0 within the drain deadline.
        let clock = ContinuousClock()
        let stopAt = clock.now
        daemon.signal(SIGTERM)
        #expect(await socket.wait(for: "STOPPING=1", timeout: .seconds(5)))
        let status = await daemon.waitForExit(timeout: .seconds(drain + 30))
        #expect(status == 0, "stderr: \(daemon.stderr)")
        // The drain is bounded by drain_timeout_seconds; the rest is process teardown, which on a
        // loaded 2-core machine has been seen to take several seconds.
        #expect(clock.now - stopAt < .seconds(drain + 15))
        #expect(await daemon.waitForLog("msg=stopped", timeout: .seconds(5)))
        #expect(!daemon.stderr.contains("drain deadline passed"))

        // Nothing lost: every cycle the daemon logged as done is in the store, which opens cleanly.
        let logged = daemon.stderr.components(separatedBy: #"msg="cycle done""#).count - 1
        #expect(logged >= 3)
        let store = try Store.openReadOnly(path: db)
        let cycles = try await store.reportSnapshot(since: .distantPast, until: .distantFuture, series: []).cycles
        #expect(cycles.count == logged)
        // A result row is written when a check's state or found value changes: the first cycle's is there.
        let results = try await store.results(
            check: "s3.lifecycle.noncurrent", resource: "mne-media-prod", limit: 10_000)
        #expect(results.count >= 1 && results.count <= logged)
        let statusCLI = try await CLI.run(["status", "--db", db, "--config", config, "--json"])
        #expect((0...3).contains(statusCLI.status), "\(statusCLI.stdout)\(statusCLI.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(statusCLI.stdout.utf8)) as? [String: Any]
        #expect((document?["findings"] as? [Any])?.isEmpty == false)
        await daemon.kill()
    }

    @Test func anAbstractNotifySocketAndSIGINTWork() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory()
        let socket = try NotifySocket(abstract: true)
        defer { socket.stop() }
        #expect(socket.address.hasPrefix("@"))
        let config = try writeConfig(try daemonConfig(), in: dir)
        var environment = simulator.environment
        environment["NOTIFY_SOCKET"] = socket.address
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--db", dir.appendingPathComponent("m.sqlite").path],
            environment: environment)
        #expect(await socket.wait(for: "READY=1", timeout: .seconds(30)), "stderr: \(daemon.stderr)")
        // No WATCHDOG_USEC: no pings.
        let cycled = await socket.wait(timeout: .seconds(60)) { all in
            all.contains { $0.hasPrefix("STATUS=") && $0.contains("next in") }
        }
        #expect(cycled)
        #expect(!socket.assignments.contains("WATCHDOG=1"))
        daemon.signal(SIGINT)
        #expect(await socket.wait(for: "STOPPING=1", timeout: .seconds(5)))
        #expect(await daemon.waitForExit(timeout: .seconds(40)) == 0, "stderr: \(daemon.stderr)")
        await daemon.kill()
    }

    @Test func withoutSystemdItRunsAndStopsTheSame() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("m.sqlite").path
        let config = try writeConfig(try daemonConfig(), in: dir)
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--db", db, "--log-level", "info"], environment: simulator.environment)
        // No notify socket to wait on: the log is the event.
        #expect(await daemon.waitForLog(#"msg="cycle done""#, timeout: .seconds(60)), "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains("systemd=false"))
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(40)) == 0, "stderr: \(daemon.stderr)")
        await daemon.kill()
    }

    @Test func aBadConfigAtStartExits78AndAnUnopenableStore74() async throws {
        let dir = temporaryDirectory()
        var text = try daemonConfig()
        text = text.replacingOccurrences(of: "jitter_percent: 0", with: "jitter_percent: 90")
        let bad = try writeConfig(text, in: dir)
        let result = try await CLI.run(["run", "--config", bad, "--db", dir.appendingPathComponent("m.sqlite").path])
        #expect(result.status == 78)
        #expect(
            result.stderr.contains("schedule.jitter_percent must be between 0 and 50, found 90"), "\(result.stderr)")

        let good = try writeConfig(try daemonConfig(), in: dir)
        let blocked = dir.appendingPathComponent("file")
        try Data().write(to: blocked)
        let store = try await CLI.run([
            "run", "--config", good, "--db", blocked.appendingPathComponent("m.sqlite").path,
        ])
        #expect(store.status == 74, "\(store.stderr)")
        #expect(store.stderr.contains(#"msg="store unavailable""#))
    }
}
