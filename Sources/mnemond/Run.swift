import ArgumentParser
import Foundation
import Logging
import MnemondDaemon

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run as a daemon: collect and evaluate on schedule until SIGTERM.",
        discussion: """
            systemd Type=notify: READY=1 once the config is loaded and the store open, WATCHDOG=1 while the \
            scheduler is healthy, STATUS= after each cycle. SIGHUP reloads the config (a bad one is rejected and \
            logged; the running one stays). SIGTERM/SIGINT drain the runs in flight and exit 0. \
            Exit 78 on a bad config at start, 74 when the store cannot be opened.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        common.bootstrapLogging()
        let code = await Daemon.run(
            DaemonOptions(
                configPath: common.config, runtime: RuntimeOptions(profile: common.profile, dbPath: common.db),
                estate: common.estate),
            logger: Logger(label: "mnemond"))
        throw ExitCode(code)
    }
}
