import ArgumentParser
import Foundation
import MnemondCommands
import MnemondDaemon

/// `mnemond test-alert`: the guide's Step 8.5 — a clearly-labelled test through every configured
/// channel, with each channel's success or exact error.
struct TestAlert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-alert",
        abstract:
            "Send a labelled test message through every configured channel. Exit 0 when all delivered, 1 otherwise.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        common.bootstrapLogging()
        let config = try common.loadConfig()
        let runtime: Runtime
        do {
            runtime = try Runtime.build(
                config: config, options: RuntimeOptions(profile: common.profile, dbPath: common.db))
        } catch {
            throw fail("\(error)", code: ExitCodes.store)
        }
        let results = await runtime.alerter.testAlert()
        await runtime.shutdown()
        print(Alerter.testAlertText(results), terminator: "")
        if results.isEmpty || results.contains(where: { $0.error != nil }) { throw ExitCode(1) }
    }
}
