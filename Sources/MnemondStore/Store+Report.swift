import Foundation
import GRDB
import MnemondModel

/// One stored evaluation of a check on a resource, as the weekly report reads it.
public struct ResultPoint: Sendable, Equatable {
    public var time: Date
    public var state: CheckState
    public var message: String
    public var expected: String?
    public var found: String?
    public var acceptedRisk: AcceptedRisk?

    public init(
        time: Date, state: CheckState, message: String, expected: String? = nil, found: String? = nil,
        acceptedRisk: AcceptedRisk? = nil
    ) {
        self.time = time
        self.state = state
        self.message = message
        self.expected = expected
        self.found = found
        self.acceptedRisk = acceptedRisk
    }

    /// Accepted risks count as OK, as everywhere else.
    public var effectiveState: CheckState { state.waived(byAcceptedRisk: acceptedRisk != nil) }
}

/// The results of one check on one resource around a period: the last one before it (the state
/// the period starts in) and, inside it, the first and last stored result of every run of the
/// same state, then the pair's newest evaluation if it falls in the period — oldest first, a
/// step function (a cycle writes a result only when it changes), not a sample per cycle.
public struct ResultHistory: Sendable, Equatable {
    public var check: CheckID
    public var resource: String
    /// The last time this pair was evaluated at all (from `check_state`): a pair that left the
    /// config stops here instead of carrying its last state forever.
    public var lastEvaluated: Date
    public var points: [ResultPoint]

    public init(check: CheckID, resource: String, lastEvaluated: Date, points: [ResultPoint]) {
        self.check = check
        self.resource = resource
        self.lastEvaluated = lastEvaluated
        self.points = points
    }
}

/// What became of one outbox row: the delivery evidence for a notification.
public struct DeliveryRecord: Sendable, Equatable {
    public var channel: String
    public var idempotencyKey: String
    public var createdAt: Date
    public var deliveredAt: Date?
    public var deadLetteredAt: Date?
    public var attempts: Int
    public var lastError: String?

    public init(
        channel: String, idempotencyKey: String, createdAt: Date, deliveredAt: Date?, deadLetteredAt: Date?,
        attempts: Int, lastError: String?
    ) {
        self.channel = channel
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
        self.deadLetteredAt = deadLetteredAt
        self.attempts = attempts
        self.lastError = lastError
    }
}

/// Everything the weekly report reads, taken in one read transaction so every part describes the
/// same moment of the store.
public struct ReportSnapshot: Sendable {
    public var since: Date
    public var until: Date
    public var results: [ResultHistory]
    /// Finish times of the cycles in [since − lookback, until): when mnemond was watching.
    public var cycles: [Date]
    /// The requested series, from their lookback before `since` to `until`.
    public var series: [SeriesHistory]
    /// Notification decisions in [since, until + slack).
    public var alertLog: [AlertLogEntry]
    /// Outbox rows by idempotency key (an alert message's key is its alert log entries' group key).
    public var deliveries: [String: [DeliveryRecord]]

    public init(
        since: Date, until: Date, results: [ResultHistory], cycles: [Date], series: [SeriesHistory],
        alertLog: [AlertLogEntry], deliveries: [String: [DeliveryRecord]]
    ) {
        self.since = since
        self.until = until
        self.results = results
        self.cycles = cycles
        self.series = series
        self.alertLog = alertLog
        self.deliveries = deliveries
    }
}

/// A report queued for delivery (the record behind "once per week").
public struct ReportSend: Sendable, Equatable {
    public var id: Int64
    public var periodStart: Date
    public var periodEnd: Date
    public var scheduled: Bool
    public var queuedAt: Date
    public var idempotencyKey: String
    public var subject: String
}

/// The result of queueing a report.
public enum ReportQueueResult: Sendable, Equatable {
    /// Queued, with the report's record and its outbox rows (due now, for any dispatcher).
    case queued(ReportSend, [OutboxRow])
    /// A scheduled report for this period is already recorded: nothing was written.
    case alreadyRecorded(ReportSend)
}

extension Store {
    // MARK: Reading a period

    /// Reads what the report of [since, until) needs, in one read transaction: results per check
    /// and resource (with the one before `since`), cycle times, the named series (each from its
    /// lookback before `since`), and the notification log with the delivery of each message.
    /// Every query is a range walk of an index (results by check/resource/time, samples by
    /// series/time, cycles by time), so the cost follows the period, not the store's size.
    public func reportSnapshot(
        since: Date, until: Date, series: [(name: Series, lookback: TimeInterval)], cycleLookback: TimeInterval = 3600,
        alertSlack: TimeInterval = 86400
    ) async throws(StoreError) -> ReportSnapshot {
        do {
            return try await pool.read { db in
                let results = try Self.resultHistories(since: since, until: until, db: db)
                let cycles = try Int64.fetchAll(
                    db,
                    sql:
                        "SELECT finished_at FROM cycles WHERE finished_at >= ? AND finished_at < ? ORDER BY finished_at",
                    arguments: [(since - cycleLookback).millis, until.millis]
                ).map(Date.init(millis:))
                var histories: [SeriesHistory] = []
                for (name, lookback) in series {
                    histories += try Self.seriesWindow(name: name, since: since - lookback, until: until, db: db)
                }
                let hasAlerting = try db.tableExists("alert_log")
                let log = hasAlerting ? try Self.alertLog(since: since, until: until + alertSlack, db: db) : []
                let keys = Array(Set(log.compactMap(\.groupKey)))
                let deliveries = hasAlerting ? try Self.deliveries(keys: keys, db: db) : [:]
                return ReportSnapshot(
                    since: since, until: until, results: results, cycles: cycles, series: histories, alertLog: log,
                    deliveries: deliveries)
            }
        } catch {
            throw StoreError(path: path, operation: "read the report period", message: "\(error)")
        }
    }

    static func resultHistories(since: Date, until: Date, db: Database) throws -> [ResultHistory] {
        // Every pair ever evaluated has a check_state row; each is then two seeks on
        // check_results_by_check (check_id, resource, ts).
        let pairs = try Row.fetchAll(
            db,
            sql: """
                SELECT check_id, resource, last_evaluated, state, message, expected, found, accepted_risk
                FROM check_state ORDER BY check_id, resource
                """)
        let before = try db.cachedStatement(
            sql: """
                SELECT ts, state, message, expected, found, accepted_risk FROM check_results
                WHERE check_id = ? AND resource = ? AND ts < ? ORDER BY ts DESC, id DESC LIMIT 1
                """)
        // Inside the period only the first and the last result of each run of equal (state,
        // accepted or not) are returned: the step function is the same, and a week of results
        // written every minute decodes as a handful of rows. The window functions run in SQLite
        // over one index range.
        let inside = try db.cachedStatement(
            sql: """
                SELECT ts, state, message, expected, found, accepted_risk FROM (
                    SELECT ts, state, message, expected, found, accepted_risk, id,
                        LAG(state) OVER w AS previous_state, LEAD(state) OVER w AS next_state,
                        LAG(accepted_risk IS NULL) OVER w AS previous_plain,
                        LEAD(accepted_risk IS NULL) OVER w AS next_plain
                    FROM check_results WHERE check_id = ? AND resource = ? AND ts >= ? AND ts < ?
                    WINDOW w AS (ORDER BY ts, id))
                WHERE previous_state IS NULL OR next_state IS NULL OR previous_state != state OR next_state != state
                    OR previous_plain != (accepted_risk IS NULL) OR next_plain != (accepted_risk IS NULL)
                ORDER BY ts, id
                """)
        let decoder = JSONDecoder()
        var risks: [String: AcceptedRisk?] = [:]
        func risk(_ text: String?) -> AcceptedRisk? {
            guard let text else { return nil }
            if let known = risks[text] { return known }
            let decoded = try? decoder.decode(AcceptedRisk.self, from: Data(text.utf8))
            risks[text] = decoded
            return decoded
        }
        // Columns by position: this runs for every row of the period.
        func point(_ row: Row) -> ResultPoint {
            ResultPoint(
                time: Date(millis: row[0]), state: CheckState(rawValue: row[1]) ?? .unknown, message: row[2],
                expected: row[3], found: row[4], acceptedRisk: risk(row[5]))
        }
        var histories: [ResultHistory] = []
        for pair in pairs {
            let check: String = pair["check_id"]
            let resource: String = pair["resource"]
            let lastEvaluated = Date(millis: pair["last_evaluated"])
            guard lastEvaluated >= since else { continue }  // not evaluated during the period
            var points = try Row.fetchAll(before, arguments: [check, resource, since.millis]).map(point)
            points += try Row.fetchAll(inside, arguments: [check, resource, since.millis, until.millis]).map(point)
            // A cycle writes a result only when it changes (see `recordCycle`); the pair's newest
            // evaluation, in check_state, is the last point of its current run.
            if lastEvaluated < until, let last = points.last, last.time < lastEvaluated {
                points.append(
                    ResultPoint(
                        time: lastEvaluated, state: CheckState(rawValue: pair["state"]) ?? .unknown,
                        message: pair["message"], expected: pair["expected"], found: pair["found"],
                        acceptedRisk: risk(pair["accepted_risk"])))
            }
            guard !points.isEmpty else { continue }
            histories.append(
                ResultHistory(
                    check: CheckID(rawValue: check), resource: resource, lastEvaluated: lastEvaluated, points: points))
        }
        return histories
    }

    /// Points of every label set of `name` in [since, until): hourly rollups where the raw samples
    /// were rolled up, raw samples after.
    static func seriesWindow(name: Series, since: Date, until: Date, db: Database) throws -> [SeriesHistory] {
        let rollups = try db.cachedStatement(
            sql: """
                SELECT hour, min_value, max_value, avg_value, sample_count FROM sample_rollups
                WHERE series_id = ? AND hour >= ? AND hour < ? ORDER BY hour
                """)
        let raw = try db.cachedStatement(
            sql: "SELECT ts, value FROM samples WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts")
        var result: [SeriesHistory] = []
        for row in try Row.fetchAll(
            db, sql: "SELECT id, labels FROM series WHERE name = ? ORDER BY labels", arguments: [name.name])
        {
            let id: Int64 = row["id"]
            var points = try Row.fetchAll(
                rollups, arguments: [id, RetentionPolicy.hourStart(since.millis), until.millis]
            ).map {
                HistoryPoint(
                    time: Date(millis: $0["hour"]), min: $0["min_value"], max: $0["max_value"], mean: $0["avg_value"],
                    count: $0["sample_count"], rolledUp: true)
            }
            let rolledUp = !points.isEmpty
            let rows = try Row.fetchCursor(raw, arguments: [id, since.millis, until.millis])
            while let row = try rows.next() {
                points.append(HistoryPoint.raw(Date(millis: row[0]), row[1]))
            }
            if rolledUp { points.sort { $0.time < $1.time } }
            if !points.isEmpty {
                result.append(SeriesHistory(series: name, labels: parseLabels(row["labels"]), points: points))
            }
        }
        return result
    }

    static func alertLog(since: Date, until: Date, db: Database) throws -> [AlertLogEntry] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM alert_log WHERE ts >= ? AND ts < ? ORDER BY ts, id",
            arguments: [since.millis, until.millis]
        ).map { row in
            AlertLogEntry(
                time: Date(millis: row["ts"]), check: CheckID(rawValue: row["check_id"]), resource: row["resource"],
                episode: row["episode"], kind: row["kind"], severity: CheckState(rawValue: row["severity"]) ?? .unknown,
                idempotencyKey: row["idempotency_key"], groupKey: row["group_key"], silencedBy: row["silenced_by"],
                reason: row["reason"])
        }
    }

    static func deliveries(keys: [String], db: Database) throws -> [String: [DeliveryRecord]] {
        guard !keys.isEmpty else { return [:] }
        var byKey: [String: [DeliveryRecord]] = [:]
        // Chunked: SQLite limits the number of bound parameters.
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = Array(keys[start..<min(start + 500, keys.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT channel, idempotency_key, created_at, delivered_at, dead_lettered_at, attempts, last_error
                    FROM outbox WHERE idempotency_key IN (\(marks)) ORDER BY id
                    """,
                arguments: StatementArguments(chunk))
            {
                let record = DeliveryRecord(
                    channel: row["channel"], idempotencyKey: row["idempotency_key"],
                    createdAt: Date(millis: row["created_at"]),
                    deliveredAt: (row["delivered_at"] as Int64?).map(Date.init(millis:)),
                    deadLetteredAt: (row["dead_lettered_at"] as Int64?).map(Date.init(millis:)),
                    attempts: row["attempts"], lastError: row["last_error"])
                byKey[record.idempotencyKey, default: []].append(record)
            }
        }
        return byKey
    }

    /// When the store first recorded a cycle (nil: never). A fresh install does not owe a report
    /// for the weeks before it started watching.
    public func firstCycleTime() async throws(StoreError) -> Date? {
        do {
            return try await pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT MIN(finished_at) FROM cycles").map(Date.init(millis:))
            }
        } catch {
            throw StoreError(path: path, operation: "read the first cycle", message: "\(error)")
        }
    }

    // MARK: Report sends

    /// The newest report queued by the schedule, if any.
    public func lastScheduledReport() async throws(StoreError) -> ReportSend? {
        do {
            return try await pool.read { db in
                guard try db.tableExists("report_sends") else { return nil }
                return try Row.fetchOne(
                    db, sql: "SELECT * FROM report_sends WHERE scheduled = 1 ORDER BY queued_at DESC, id DESC LIMIT 1"
                ).map(ReportSend.init)
            }
        } catch {
            throw StoreError(path: path, operation: "read report sends", message: "\(error)")
        }
    }

    /// Records a report and queues its messages in one transaction: the record "this week's
    /// report went out" and its outbox rows exist together or not at all. The rows are due at
    /// once; the dispatcher delivers them like every other row. A scheduled report whose period is
    /// already recorded writes nothing.
    public func queueReport(
        periodStart: Date, periodEnd: Date, scheduled: Bool, idempotencyKey: String, subject: String,
        messages: [OutboxMessage], now: Date
    ) async throws(StoreError) -> ReportQueueResult {
        do {
            return try await pool.write { db in
                if scheduled,
                    let existing = try Row.fetchOne(
                        db, sql: "SELECT * FROM report_sends WHERE scheduled = 1 AND period_start = ?",
                        arguments: [periodStart.millis]
                    ).map(ReportSend.init)
                {
                    return .alreadyRecorded(existing)
                }
                try db.execute(
                    sql: """
                        INSERT INTO report_sends (period_start, period_end, scheduled, queued_at, idempotency_key, subject)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        periodStart.millis, periodEnd.millis, scheduled, now.millis, idempotencyKey, subject,
                    ])
                let reportID = db.lastInsertedRowID
                let send = try Row.fetchOne(db, sql: "SELECT * FROM report_sends WHERE id = ?", arguments: [reportID])
                    .map(ReportSend.init)!
                var rows: [OutboxRow] = []
                for message in messages {
                    try db.execute(
                        sql: """
                            INSERT INTO outbox (created_at, channel, idempotency_key, kind, payload, next_attempt_at)
                            VALUES (?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            message.createdAt.millis, message.channel, message.idempotencyKey, message.kind.rawValue,
                            message.payload, message.createdAt.millis,
                        ])
                    let outboxID = db.lastInsertedRowID
                    try db.execute(
                        sql: "INSERT INTO report_outbox (outbox_id, report_id) VALUES (?, ?)",
                        arguments: [outboxID, reportID])
                    let row = try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [outboxID])
                        .map(OutboxRow.init)!
                    rows.append(row)
                }
                return .queued(send, rows)
            }
        } catch {
            throw StoreError(path: path, operation: "queue the report", message: "\(error)")
        }
    }

    /// The outbox rows of one report, oldest first.
    public func reportRows(reportID: Int64) async throws(StoreError) -> [OutboxRow] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT outbox.* FROM report_outbox JOIN outbox ON outbox.id = report_outbox.outbox_id
                        WHERE report_outbox.report_id = ? ORDER BY outbox.id
                        """,
                    arguments: [reportID]
                ).map(OutboxRow.init)
            }
        } catch {
            throw StoreError(path: path, operation: "read report rows", message: "\(error)")
        }
    }
}

extension ReportSend {
    init(row: Row) {
        id = row["id"]
        periodStart = Date(millis: row["period_start"])
        periodEnd = Date(millis: row["period_end"])
        scheduled = row["scheduled"]
        queuedAt = Date(millis: row["queued_at"])
        idempotencyKey = row["idempotency_key"]
        subject = row["subject"]
    }
}
