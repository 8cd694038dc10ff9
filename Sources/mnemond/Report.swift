import ArgumentParser
import Foundation
import MnemondCommands
import MnemondDaemon

extension ReportCommand.Format: ExpressibleByArgument {}

struct ReportCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The weekly recovery report, from the store alone (no AWS calls); --send e-mails it.",
        discussion: """
            Default period: the ISO week that ended last in report.time_zone (Europe/Rome by default). \
            --send queues it in the outbox and delivers it through report.smtp (and the SNS summary when \
            report.sns_summary is on); what is not delivered within alerting.delivery.once_timeout stays \
            queued for `mnemond run`. Exit 0 when rendered or sent, 64 on bad arguments, 74 when the store \
            cannot be read, 75 when the report is queued but not delivered yet, 78 on a bad config.
            """)

    @OptionGroup var common: CommonOptions

    @Flag(help: "The ISO week that ended last (the default).")
    var week = false

    @Option(
        help:
            "Start of the period: a duration back from now (7d), a day (2026-11-16, midnight in report.time_zone) or an ISO 8601 time."
    )
    var since: String?

    @Option(help: "End of the period (exclusive), like --since; default now.")
    var until: String?

    @Option(help: "text, html or json.")
    var format: ReportCommand.Format = .text

    @Flag(help: "Send it (e-mail through report.smtp, and the SNS summary) instead of printing it.")
    var send = false

    @Option(help: "With --send: e-mail only these addresses (repeatable) instead of report.to; no SNS summary.")
    var to: [String] = []

    func run() async throws {
        common.bootstrapLogging()
        guard send || to.isEmpty else {
            throw fail(ReportCommand.Failure.usage("--to only goes with --send").failure)
        }
        let now = Date()
        if send {
            let config = try common.loadConfig()
            do throws(CommandFailure) {
                print(
                    try await CommandWork.sendReport(
                        config: config, options: common.runtimeOptions, week: week, since: since, until: until,
                        to: to, environment: ProcessInfo.processInfo.environment, now: now),
                    terminator: "")
            } catch {
                throw fail(error)
            }
            return
        }
        let (path, config) = try common.storeForReading()
        do throws(ReportCommand.Failure) {
            print(
                try await ReportCommand.run(
                    storePath: path, week: week, since: since, until: until, format: format, config: config, now: now),
                terminator: "")
        } catch {
            throw fail(error.failure)
        }
    }
}
