import Foundation
import MnemondBenchData
import MnemondConfig
import MnemondReport
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `mnemond run` with a `report:` section, on the real clock: a store that has watched for two
/// weeks but never sent a report has missed last Monday's; the daemon sends it once at start, and
/// a restart does not send it again.
@Suite(.serialized, .timeLimit(.minutes(15))) struct ReportDaemonTests {
    @Test func theDaemonCatchesUpOnTheMissedReportOnceAndNotAgainAfterARestart() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let (_, db, directory) = try await ReportTests.generatedStore()
        try await SMTPSink.with { sink in
            let config = try writeConfig(
                try daemonConfig(
                    extra: """
                        report:
                          from: mnemond@example.org
                          to: [ops@example.org]
                          smtp: {url: "\(sink.smtpURL.absoluteString)", require_tls: false}
                        """), in: directory)
            let first = try DaemonProcess(
                arguments: ["--config", config, "--db", db, "--log-level", "debug"], environment: simulator.environment)
            #expect(
                await first.waitForLog(#"msg="report delivered""#, timeout: .seconds(60)), "stderr: \(first.stderr)")
            #expect(first.stderr.contains(#"msg="report due""#))
            #expect(try await sink.messages().count == 1)
            first.signal(SIGTERM)
            #expect(await first.waitForExit(timeout: .seconds(30)) == 0)

            let second = try DaemonProcess(
                arguments: ["--config", config, "--db", db, "--log-level", "debug"], environment: simulator.environment)
            #expect(
                await second.waitForLog(#"msg="report not due""#, timeout: .seconds(60)), "stderr: \(second.stderr)")
            #expect(await second.waitForLog(#"msg="cycle done""#, timeout: .seconds(60)))
            second.signal(SIGTERM)
            #expect(await second.waitForExit(timeout: .seconds(30)) == 0)
            #expect(!second.stderr.contains(#"msg="report queued""#))
            #expect(try await sink.messages().count == 1, "the restart sent it again")
            let store = try Store.openReadOnly(path: db)
            #expect(try await store.lastScheduledReport() != nil)
            await first.kill()
            await second.kill()
        }
    }
}
