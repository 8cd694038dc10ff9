import Foundation
import MnemondModel
import MnemondReport
import MnemondStore

/// `mnemond history SERIES`: a measured series over time from the store, read-only.
public enum HistoryCommand {
    /// `--since`, or exit 64.
    /// `--since` as `history` and `report` both read it: a duration back from now (`30m`, `12h`,
    /// `7d`, `2w`, `1d12h`) or a day (`2026-11-16`, midnight in `timeZone`) or an ISO 8601 time.
    public static func since(_ text: String, now: Date, timeZone: TimeZone) -> Date? {
        if let duration = HistoryRender.parseSince(text) { return now - duration.seconds }
        return ReportPeriod.parseBoundary(text, timeZone: timeZone)
    }

    /// How far back `history` looks for `--since`.
    public static func window(since text: String, now: Date, timeZone: TimeZone = .gmt) throws(CommandFailure)
        -> Duration
    {
        guard let start = since(text, now: now, timeZone: timeZone), start < now else {
            throw CommandFailure(
                "--since \"\(text)\": use a duration (30m, 12h, 7d, 2w) or a past day (2026-11-16) or ISO 8601 time",
                status: ExitStatus.usage)
        }
        return .seconds(now.timeIntervalSince(start).rounded(.up))
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
