import ArgumentParser
import Foundation
import MnemondCommands
import MnemondDaemon
import MnemondStore

struct HistoryCommand: AsyncParsableCommand {
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

    @Option(help: "How far back: 30m, 12h, 7d, 2w.")
    var since = "7d"

    @Flag(help: "Print every stored point as CSV.")
    var csv = false

    func run() async throws {
        common.bootstrapLogging()
        guard let window = HistoryRender.parseSince(since) else {
            throw fail("--since \"\(since)\": use a count and a unit, e.g. 30m, 12h, 7d, 2w", code: 64)
        }
        let (path, _) = try common.storeForReading()
        let now = Date()
        let from = now - Double(window.components.seconds)
        do {
            let store = try Store.openReadOnly(path: path)
            let histories = try await store.history(series: series, resource: resource, since: from, until: now)
            guard !histories.isEmpty else {
                let known = try await store.seriesNames()
                if known.contains(series) {
                    throw fail(
                        "no samples of \(series)\(resource.map { " for \($0)" } ?? "") in the last \(since)", code: 1)
                }
                throw fail(HistoryRender.unknownSeries(series, known: known), code: 1)
            }
            print(
                csv ? HistoryRender.csv(histories) : HistoryRender.text(histories, since: from, now: now),
                terminator: "")
        } catch let error as StoreError {
            throw fail("\(error)", code: ExitCodes.store)
        }
    }
}

extension CommonOptions {
    /// The store to read and the config when it is readable. `--db` alone is enough for readers
    /// (the config then only names bucket roles and intervals); without `--db` the config is
    /// required, since it holds the store path.
    func storeForReading() throws -> (path: String, config: Config?) {
        if let db { return (db, try? Config.load(path: config)) }
        let config = try loadConfig()
        return (config.storePath, config)
    }
}
