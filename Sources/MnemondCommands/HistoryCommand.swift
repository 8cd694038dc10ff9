import Foundation
import MnemondModel
import MnemondStore

/// `mnemond history SERIES`: a measured series over time from the store, read-only.
public enum HistoryCommand {
    /// `--since`, or exit 64.
    public static func window(since: String) throws(CommandFailure) -> Duration {
        guard let window = HistoryRender.parseSince(since) else {
            throw CommandFailure(
                "--since \"\(since)\": use a count and a unit, e.g. 30m, 12h, 7d, 2w", status: ExitStatus.usage)
        }
        return window
    }

    /// The series as text (or CSV); exit 1 when no sample matches, 74 when the store cannot be read.
    public static func run(
        storePath: String, series: String, resource: String?, since: String, window: Duration, csv: Bool, now: Date
    ) async throws(CommandFailure) -> String {
        let from = now - Double(window.components.seconds)
        let histories: [SeriesHistory]
        let known: [String]
        do {
            let store = try Store.openReadOnly(path: storePath)
            histories = try await store.history(series: Series(series), resource: resource, since: from, until: now)
            known = histories.isEmpty ? try await store.seriesNames().map(\.name) : []
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.store)
        }
        guard !histories.isEmpty else {
            if known.contains(series) {
                throw CommandFailure(
                    "no samples of \(series)\(resource.map { " for \($0)" } ?? "") in the last \(since)",
                    status: ExitStatus.failed)
            }
            throw CommandFailure(HistoryRender.unknownSeries(series, known: known), status: ExitStatus.failed)
        }
        return csv ? HistoryRender.csv(histories) : HistoryRender.text(histories, since: from, now: now)
    }
}
