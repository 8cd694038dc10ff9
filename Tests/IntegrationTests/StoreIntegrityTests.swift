import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Corruption that appears while the daemon runs, in pages no cycle reads: the daily store
/// maintenance (run at once here with SIGUSR1, as `systemctl kill -s USR1 mnemond` does) runs a
/// full `PRAGMA integrity_check` and turns what it finds into a CRITICAL `mnemond.store`
/// finding and a withheld watchdog — never silently ignored.
@Suite(.serialized, .timeLimit(.minutes(15))) struct StoreIntegrityTests {
    @Test func theDailyIntegrityCheckFindsCorruptionWhileTheDaemonRuns() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        try await seedOldHistory(db)
        let (daemon, socket) = try await DaemonProcess.supervised(db: db, simulator: simulator, in: dir)
        defer {
            socket.stop()
            Task { await daemon.kill() }
        }

        // Intact: the maintenance run checks and passes, the watchdog keeps being fed.
        daemon.signal(SIGUSR1)
        #expect(
            await daemon.waitForLog("integrity_check=ok", timeout: .seconds(90)),
            "stderr: \(daemon.stderr.suffix(3000))")
        #expect(!daemon.stderr.contains("watchdog withheld"))

        // A page in the middle of the old history goes bad on disk.
        let page = try StoreFileDamage.corruptTableLeafPage(of: db, fromEnd: 20)
        #expect(page > 0)
        daemon.signal(SIGUSR1)
        #expect(
            await daemon.waitForLog("store integrity check failed", timeout: .seconds(90)),
            "stderr: \(daemon.stderr.suffix(3000))")
        #expect(
            await daemon.waitForLog("watchdog withheld", timeout: .seconds(30)), "stderr: \(daemon.stderr.suffix(3000))"
        )
        #expect(daemon.stderr.contains("reason=\"store integrity check failed: "), "\(daemon.stderr.suffix(3000))")
        // The next cycles report it: mnemond.store CRITICAL, naming the store, in `status`.
        var reported = false
        let deadline = Date().addingTimeInterval(90)
        while !reported, Date() < deadline {
            let status = try await CLI.run(["status", "--json", "--db", db])
            reported = status.stdout.contains("mnemond.store") && status.stdout.contains("CRITICAL")
            if !reported { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(reported, "status never showed mnemond.store CRITICAL; stderr: \(daemon.stderr.suffix(3000))")
        #expect(daemon.exitStatus == nil, "the daemon keeps running and saying so")

        daemon.signal(SIGTERM)
        _ = await daemon.waitForExit(timeout: .seconds(60))
        // A restart refuses the store (quick_check at open): under systemd the unit fails, loudly.
        let restart = try await CLI.run(
            ["check", "--once", "--config", repoConfig, "--db", db], environment: simulator.environment)
        #expect(restart.status == 74, "stderr: \(restart.stderr.suffix(2000))")
        #expect(restart.stderr.contains("the store is corrupt"), "\(restart.stderr.suffix(2000))")
    }
}

/// Old history in a new store: a year-old series the cycles never write again, many pages of it
/// (pages to corrupt under a running daemon that no cycle reads or rewrites).
func seedOldHistory(_ db: String) async throws {
    let store = try Store.open(path: db)
    let start = Date(timeIntervalSinceNow: -300 * 86400)
    try await store.insertSamples(
        (0..<6000).map {
            Sample(
                series: .rdsPitrLagSeconds, labels: ["instance": "retired-\($0 % 5)"],
                time: start.addingTimeInterval(Double($0) * 60), value: Double($0 % 90))
        })
}
