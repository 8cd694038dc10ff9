import Foundation
import MnemondConfig
import MnemondModel
import MnemondReport
import MnemondStore

// MARK: - `mnemond report`

/// What `mnemond report` does, so the executable only parses arguments and maps exit codes.
public enum ReportCommand {
    public enum Format: String, Sendable, CaseIterable {
        case text, html, json
    }

    /// A usage problem (exit 64), an unreadable store (74), or a report that could not be sent (75).
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case usage(String)
        case store(StoreError)
        case notSent(String)

        public var description: String {
            switch self {
            case .usage(let text), .notSent(let text): text
            case .store(let error): "\(error)"
            }
        }

        public var status: Int32 {
            switch self {
            case .usage: ExitStatus.usage
            case .store: ExitStatus.store
            case .notSent: ExitStatus.notSent
            }
        }

        public var failure: CommandFailure { CommandFailure(description, status: status) }
    }

    /// `--week` (the default) or `--since [--until]`, read in `timeZone`. `--since` is what
    /// `history` takes too: a duration back from now (`7d`) or a day or an ISO 8601 time;
    /// `--until` defaults to now.
    public static func period(week: Bool, since: String?, until: String?, timeZone: TimeZone, now: Date)
        throws(Failure) -> ReportPeriod
    {
        switch (since, until) {
        case (nil, nil):
            return ReportPeriod.lastCompletedWeek(before: now, timeZone: timeZone)
        case (nil, _?):
            throw .usage("--until needs --since (the period is [since, until))")
        case (let since?, let until):
            guard !week else { throw .usage("--week and --since/--until exclude each other") }
            guard let start = HistoryCommand.since(since, now: now, timeZone: timeZone) else {
                throw .usage(
                    "--since \"\(since)\": use a duration (7d, 12h), a day (2026-11-16) or an ISO 8601 time (2026-11-16T08:00:00Z)"
                )
            }
            var end = now
            if let until {
                guard let parsed = HistoryCommand.since(until, now: now, timeZone: timeZone) else {
                    throw .usage(
                        "--until \"\(until)\": use a duration back from now (1d), a day (2026-11-23) or an ISO 8601 time"
                    )
                }
                end = parsed
            }
            guard end > start else { throw .usage("--until must be after --since") }
            guard end.timeIntervalSince(start) <= 400 * 86400 else {
                throw .usage("the period is at most 400 days (the store keeps rollups that long)")
            }
            return ReportPeriod(start: start, end: end, timeZone: timeZone)
        }
    }

    /// The zone: the config's `report.time_zone`, else Europe/Rome.
    public static func timeZone(_ config: Config?) -> TimeZone {
        config?.report.timeZone ?? ReportPeriod.defaultTimeZone
    }

    /// Renders the report of `period` from a store opened read-only.
    public static func render(store: Store, period: ReportPeriod, format: Format, config: Config?, now: Date)
        async throws(Failure) -> String
    {
        let gap = config.map { Double(max(300, 3 * $0.schedule.shortestIntervalSeconds)) } ?? 900
        let report: RecoveryReport
        do {
            report = try await ReportBuilder.load(
                store: store,
                context: ReportContext(
                    period: period, now: now, policy: config?.policy, gapThreshold: gap, estate: config?.estate?.name))
        } catch {
            throw .store(error)
        }
        switch format {
        case .text: return TextReport.render(report)
        case .html: return HTMLReport.render(report)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            // snake_case keys, as every other JSON output of mnemond.
            encoder.keyEncodingStrategy = .convertToSnakeCase
            return String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self) + "\n"
        }
    }

    /// `mnemond report` without `--send`: the period from the arguments, rendered from the store
    /// at `storePath` opened read-only.
    public static func run(
        storePath: String, week: Bool, since: String?, until: String?, format: Format, config: Config?, now: Date
    ) async throws(Failure) -> String {
        let period = try period(week: week, since: since, until: until, timeZone: timeZone(config), now: now)
        let store: Store
        do {
            store = try Store.openReadOnly(path: storePath)
        } catch {
            throw Failure.store(error)
        }
        return try await render(store: store, period: period, format: format, config: config, now: now)
    }
}
