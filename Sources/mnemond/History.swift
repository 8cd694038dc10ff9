import ArgumentParser
import Foundation
import MnemondCommands

struct HistoryCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a measured series over time: min/median/p95/max and a sparkline, or CSV.",
        discussion: """
            Raw samples are kept 35 days, hourly rollups 400 days; older windows show the rollups. \
            Exit 0 when samples were shown, 1 when none match, 64 on a bad --since, 74 when the store cannot be read.
            """)

    @OptionGroup var common: CommonOptions

    @Argument(help: "Series name, e.g. rds_pitr_lag_seconds, s3_replication_latency_seconds.")
    var series: String

    @Option(help: "Only label sets with this value (a bucket, an RDS instance, a vault).")
    var resource: String?

    @Option(help: "How far back: a duration (30m, 12h, 7d, 2w) or a day (2026-11-16, UTC) or an ISO 8601 time.")
    var since = "7d"

    @Flag(help: "Print every stored point as CSV.")
    var csv = false

    func run() async throws {
        common.bootstrapLogging()
        do {
            let now = Date()
            let window = try HistoryCommand.window(since: since, now: now)
            let (path, _) = try common.storeForReading()
            print(
                try await HistoryCommand.run(
                    storePath: path, series: series, resource: resource, since: since, window: window, csv: csv,
                    now: now),
                terminator: "")
        } catch let error as CommandFailure {
            throw fail(error)
        }
    }
}
