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
        let results: [TestAlertCommand.Result]
        do {
            results = try await CommandWork.testAlert(config: config, options: common.runtimeOptions)
        } catch {
            throw fail(error)
        }
        let (text, status) = TestAlertCommand.output(results)
        print(text, terminator: "")
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}
