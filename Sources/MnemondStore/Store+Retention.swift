import Foundation
import GRDB
import MnemondModel

/// How long the store keeps what. A year of default operation stays under 200 MB: raw samples
/// only for the operational window, hourly rollups for the long trend, and past a few hours
/// only what changed. A cycle writes a check's result only when its state or found value
/// changed (see `Store.recordCycle`); past the detail window the daily pass keeps only the
/// state changes of those (and of stores written when every cycle wrote every result).
public struct RetentionPolicy: Sendable, Equatable {
    /// Raw samples at full resolution (the guide's 35-day operational recovery window); also how
    /// long observations and unreferenced cycles are kept.
    public var rawSampleDays = 35
    /// Hourly rollups (min/max/avg/count) of older samples, and the check results' state
    /// changes: a year of trends plus a month.
    public var rollupDays = 400
    /// Check results and observations younger than this are kept in full. Older results are
    /// kept where the state changed; older observations as the last of each hour, where the
    /// payload changed.
    public var detailHours = 6

    public init() {}

    func rawCutoff(_ now: Date) -> Int64 { Self.hourStart((now - Double(rawSampleDays) * 86400).millis) }
    func rollupCutoff(_ now: Date) -> Int64 { Self.hourStart((now - Double(rollupDays) * 86400).millis) }
    func detailCutoff(_ now: Date) -> Int64 { (now - Double(detailHours) * 3600).millis }

    /// The start of the hour holding `millis`: rollups never split an hour.
    static func hourStart(_ millis: Int64) -> Int64 { millis - ((millis % 3_600_000) + 3_600_000) % 3_600_000 }
}

/// What one retention run did, for the log and the `maintenance` table.
public struct RetentionReport: Sendable, Equatable, Codable {
    /// Raw samples folded into hourly rollups and deleted.
    public var samplesRolledUp = 0
    public var rollupsDeleted = 0
    /// Check results dropped because they repeated the previous state (or passed the rollup age).
    public var resultsCompacted = 0
    /// Observations dropped: past the raw window, within an hour, or repeating the previous payload.
    public var observationsCompacted = 0
    public var cyclesDeleted = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case samplesRolledUp = "samples_rolled_up"
        case rollupsDeleted = "rollups_deleted"
        case resultsCompacted = "results_compacted"
        case observationsCompacted = "observations_compacted"
        case cyclesDeleted = "cycles_deleted"
    }
}

/// One point of a series' history: a raw sample, or an hourly rollup of older samples.
public struct HistoryPoint: Sendable, Equatable {
    public var time: Date
    public var min: Double
    public var max: Double
    public var mean: Double
    public var count: Int
    public var rolledUp: Bool

    public init(time: Date, min: Double, max: Double, mean: Double, count: Int, rolledUp: Bool) {
        self.time = time
        self.min = min
        self.max = max
        self.mean = mean
        self.count = count
        self.rolledUp = rolledUp
    }

    public static func raw(_ time: Date, _ value: Double) -> HistoryPoint {
        HistoryPoint(time: time, min: value, max: value, mean: value, count: 1, rolledUp: false)
    }
}

/// The stored history of one series and label set, oldest point first.
public struct SeriesHistory: Sendable, Equatable {
    public var series: Series
    public var labels: [String: String]
    public var points: [HistoryPoint]

    public init(series: Series, labels: [String: String], points: [HistoryPoint]) {
        self.series = series
        self.labels = labels
        self.points = points
    }
}

extension Store {
    // MARK: Retention

    /// Applies `policy` at `now`: rolls raw samples past the raw window into hourly rollups, drops
    /// rollups past theirs, compacts results and observations past the detail window to changes
    /// (observations first thinned to the last of each hour), and drops old cycles nothing refers to. Each series and each check is its own short
    /// transaction, so the daemon's cycles are never held up for long; a run interrupted halfway
    /// leaves a consistent store and the next run finishes the job.
    @discardableResult
    public func applyRetention(_ policy: RetentionPolicy = RetentionPolicy(), now: Date) async throws(StoreError)
        -> RetentionReport
    {
        var report = RetentionReport()
        let raw = policy.rawCutoff(now)
        let rollup = policy.rollupCutoff(now)
        let detail = policy.detailCutoff(now)
        do {
            let seriesIDs = try await pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM series ORDER BY id")
            }
            for id in seriesIDs {
                let (rolled, dropped) = try await pool.write { db in
                    try Self.rollUp(seriesID: id, before: raw, dropRollupsBefore: rollup, db: db)
                }
                report.samplesRolledUp += rolled
                report.rollupsDeleted += dropped
            }
            let checks = try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT DISTINCT check_id, resource FROM check_results")
                    .map { ($0["check_id"] as String, $0["resource"] as String) }
            }
            for (check, resource) in checks {
                report.resultsCompacted += try await pool.write { db in
                    // A result is kept where its state differs from the one before: the state changes.
                    try db.execute(
                        sql: """
                            DELETE FROM check_results WHERE id IN (
                                SELECT id FROM (
                                    SELECT id, state, LAG(state) OVER (ORDER BY ts, id) AS previous
                                    FROM check_results WHERE check_id = ? AND resource = ? AND ts < ?)
                                WHERE previous = state)
                            """,
                        arguments: [check, resource, detail])
                    let compacted = db.changesCount
                    try db.execute(
                        sql: "DELETE FROM check_results WHERE check_id = ? AND resource = ? AND ts < ?",
                        arguments: [check, resource, rollup])
                    return compacted + db.changesCount
                }
            }
            let kinds = try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT DISTINCT kind, resource FROM observations")
                    .map { ($0["kind"] as String, $0["resource"] as String) }
            }
            for (kind, resource) in kinds {
                report.observationsCompacted += try await pool.write { db in
                    // Past the raw window the evidence goes with the samples; before it, only changes stay.
                    try db.execute(
                        sql: "DELETE FROM observations WHERE kind = ? AND resource = ? AND ts < ?",
                        arguments: [kind, resource, raw])
                    let expired = db.changesCount
                    // A payload that changes every run (a timestamp inside) keeps the hour's last one.
                    try db.execute(
                        sql: """
                            DELETE FROM observations WHERE id IN (
                                SELECT id FROM (
                                    SELECT id, ts, LEAD(ts) OVER (ORDER BY ts, id) AS next
                                    FROM observations WHERE kind = ? AND resource = ? AND ts < ?)
                                WHERE next / 3600000 = ts / 3600000)
                            """,
                        arguments: [kind, resource, detail])
                    let thinned = db.changesCount
                    try db.execute(
                        sql: """
                            DELETE FROM observations WHERE id IN (
                                SELECT id FROM (
                                    SELECT id, payload, LAG(payload) OVER (ORDER BY ts, id) AS previous
                                    FROM observations WHERE kind = ? AND resource = ? AND ts < ?)
                                WHERE previous = payload)
                            """,
                        arguments: [kind, resource, detail])
                    return expired + thinned + db.changesCount
                }
            }
            report.cyclesDeleted = try await pool.write { db in try Self.deleteUnreferencedCycles(before: raw, db: db) }
            let detailJSON = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            try await pool.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO maintenance (job, last_run, detail) VALUES ('retention', ?, ?)",
                    arguments: [now.millis, detailJSON])
            }
        } catch {
            throw StoreError(path: path, operation: "apply retention", message: "\(error)")
        }
        // Give the WAL's space back after a large deletion; a busy reader only delays this.
        _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        return report
    }

    /// When retention last ran, if ever.
    public func lastRetention() async throws(StoreError) -> Date? {
        do {
            return try await pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT last_run FROM maintenance WHERE job = 'retention'")
                    .map(Date.init(millis:))
            }
        } catch {
            throw StoreError(path: path, operation: "read maintenance", message: "\(error)")
        }
    }

    static func rollUp(seriesID: Int64, before cutoff: Int64, dropRollupsBefore rollupCutoff: Int64, db: Database)
        throws -> (rolled: Int, dropped: Int)
    {
        // Merging into an existing hour keeps the statistics exact if a late sample arrives.
        try db.execute(
            sql: """
                INSERT INTO sample_rollups (series_id, hour, min_value, max_value, avg_value, sample_count)
                SELECT series_id, ts - (ts % 3600000) AS hour, MIN(value), MAX(value), AVG(value), COUNT(*)
                FROM samples WHERE series_id = ? AND ts < ? GROUP BY hour
                ON CONFLICT (series_id, hour) DO UPDATE SET
                    min_value = MIN(min_value, excluded.min_value),
                    max_value = MAX(max_value, excluded.max_value),
                    avg_value = (avg_value * sample_count + excluded.avg_value * excluded.sample_count)
                        / (sample_count + excluded.sample_count),
                    sample_count = sample_count + excluded.sample_count
                """,
            arguments: [seriesID, cutoff])
        try db.execute(sql: "DELETE FROM samples WHERE series_id = ? AND ts < ?", arguments: [seriesID, cutoff])
        let rolled = db.changesCount
        try db.execute(
            sql: "DELETE FROM sample_rollups WHERE series_id = ? AND hour < ?", arguments: [seriesID, rollupCutoff])
        return (rolled, db.changesCount)
    }

    /// Deletes cycles older than `cutoff` that no row of any table refers to. The referring tables
    /// are read from the schema, so a feature that adds one (alerting) is respected without
    /// this code knowing it.
    static func deleteUnreferencedCycles(before cutoff: Int64, db: Database) throws -> Int {
        let references = try Row.fetchAll(
            db,
            sql: """
                SELECT m.name AS tbl, f."from" AS col FROM sqlite_master m, pragma_foreign_key_list(m.name) f
                WHERE m.type = 'table' AND f."table" = 'cycles'
                """)
        var sql = "DELETE FROM cycles WHERE finished_at < ?"
        for reference in references {
            let table: String = reference["tbl"]
            let column: String = reference["col"]
            sql +=
                " AND id NOT IN (SELECT \(column.quotedDatabaseIdentifier) FROM \(table.quotedDatabaseIdentifier)"
                + " WHERE \(column.quotedDatabaseIdentifier) IS NOT NULL)"
        }
        try db.execute(sql: sql, arguments: [cutoff])
        return db.changesCount
    }

    // MARK: Reading across the tiers

    /// The newest sample of every series whose newest sample is at or after `since` (for the
    /// Prometheus textfile and the status headline).
    public func latestSamples(since: Date) async throws(StoreError) -> [Sample] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT series.name AS name, series.labels AS labels, samples.ts AS ts, samples.value AS value
                        FROM series JOIN samples ON samples.series_id = series.id
                        WHERE samples.ts = (SELECT MAX(ts) FROM samples WHERE series_id = series.id)
                            AND samples.ts >= ?
                        ORDER BY series.name, series.labels
                        """,
                    arguments: [since.millis]
                ).map { row in
                    Sample(
                        series: Series(row["name"]), labels: parseLabels(row["labels"]), time: Date(millis: row["ts"]),
                        value: row["value"])
                }
            }
        } catch {
            throw StoreError(path: path, operation: "read latest samples", message: "\(error)")
        }
    }

    /// Every series name in the store, sorted.
    public func seriesNames() async throws(StoreError) -> [Series] {
        do {
            return try await pool.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT name FROM series ORDER BY name").map(Series.init)
            }
        } catch {
            throw StoreError(path: path, operation: "read series names", message: "\(error)")
        }
    }

    /// The history of `series` in [since, until): hourly rollups where raw samples have been
    /// rolled up, raw samples after. With `resource`, only label sets that have it as a value
    /// (`bucket=mne-media-replica`, `instance=eks-mnemonica-prod`).
    public func history(series: Series, resource: String? = nil, since: Date, until: Date = .distantFuture)
        async throws(StoreError) -> [SeriesHistory]
    {
        do {
            return try await pool.read { db in
                let all = try Row.fetchAll(
                    db, sql: "SELECT id, labels FROM series WHERE name = ? ORDER BY labels", arguments: [series.name])
                var result: [SeriesHistory] = []
                for row in all {
                    let labels = parseLabels(row["labels"])
                    if let resource, !labels.values.contains(resource) { continue }
                    let id: Int64 = row["id"]
                    var points = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT hour, min_value, max_value, avg_value, sample_count FROM sample_rollups
                            WHERE series_id = ? AND hour >= ? AND hour < ? ORDER BY hour
                            """,
                        arguments: [id, RetentionPolicy.hourStart(since.millis), until.millis]
                    ).map {
                        HistoryPoint(
                            time: Date(millis: $0["hour"]), min: $0["min_value"], max: $0["max_value"],
                            mean: $0["avg_value"], count: $0["sample_count"], rolledUp: true)
                    }
                    points += try Row.fetchAll(
                        db,
                        sql: "SELECT ts, value FROM samples WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts",
                        arguments: [id, since.millis, until.millis]
                    ).map { HistoryPoint.raw(Date(millis: $0["ts"]), $0["value"]) }
                    points.sort { $0.time < $1.time }
                    if !points.isEmpty { result.append(SeriesHistory(series: series, labels: labels, points: points)) }
                }
                return result
            }
        } catch {
            throw StoreError(path: path, operation: "read history of \(series)", message: "\(error)")
        }
    }
}
