import Foundation
import GRDB
import GRDBSQLite
import MnemondModel

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's durable memory: samples, observations, check results and current states, in one
/// SQLite file (WAL, so `mnemond status` reads while the daemon writes). Every public method is
/// one transaction that keeps the invariants; GRDB runs SQLite on its own queues, so callers
/// never block a Swift-concurrency thread.
public final class Store: Sendable {
    /// The file, or `:memory:` for an in-memory store.
    public let path: String
    /// A `DatabasePool` for a file (concurrent readers while the daemon writes), a `DatabaseQueue`
    /// in memory; the methods only read and write through it, as GRDB's AppDatabase does.
    let pool: any DatabaseWriter

    /// A store over an open database, migrated to the current schema.
    public init(_ writer: any DatabaseWriter, path: String) throws(StoreError) {
        do {
            try Migrations.migrator.migrate(writer)
        } catch {
            throw StoreError(path: path, operation: "migrate", message: "\(error)")
        }
        self.path = path
        self.pool = writer
        self.permissionsTightened = nil
        self.mode = nil
    }

    /// The mode an existing store file had when `open` tightened it (`0644`), else nil.
    public let permissionsTightened: String?
    /// The mode `open` gives the store (`0600`, or `0640` where the umask lets the group read).
    public let mode: String?

    init(path: String, pool: any DatabaseWriter, permissionsTightened: String? = nil, mode: String? = nil) {
        self.path = path
        self.pool = pool
        self.permissionsTightened = permissionsTightened
        self.mode = mode
    }

    /// An empty, migrated store in memory: for tests and tools that need no file.
    public static func inMemory() throws(StoreError) -> Store {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue()
        } catch {
            throw StoreError(path: ":memory:", operation: "open", message: "\(error)")
        }
        return try Store(queue, path: ":memory:")
    }

    /// Opens (creating it if needed), checks and migrates the store for writing.
    ///
    /// The file's mode is the owner's read-write, plus the group's read where the umask allows it:
    /// 0600 under the unit's `UMask=0077`, 0640 under `UMask=0027` (the opt-in that lets a
    /// monitoring user in mnemond's group run `mnemond status`). Others never read it.
    ///
    /// Refuses, with a message naming the file and what to do, a directory the store cannot be
    /// written in (SQLite creates `-wal` and `-shm` files beside it) and a store that fails
    /// `PRAGMA quick_check` (corrupt pages anywhere in the file, not only those a cycle reads).
    /// An existing store with more permissions than that has its mode tightened
    /// (`permissionsTightened` says from what, for the caller to log).
    /// `umask`: the process's own (read from /proc) unless given.
    public static func open(path: String, umask: mode_t? = nil) throws(StoreError) -> Store {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(
                path: path, operation: "create directory \(directory)", message: "\(error.localizedDescription)")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw StoreError(
                path: path, operation: "open",
                message:
                    "directory \(directory) is not writable (\(String(cString: strerror(errno)))): the store and "
                    + "its -wal and -shm files are written there — give mnemond's user write access to it, or "
                    + "point --db (store.path) elsewhere")
        }
        let allowed = allowedMode(umask: umask ?? currentUmask())
        let tightened = try tightenPermissions(path, allowed: allowed)
        // Create the file ourselves so it is never readable by others, even briefly; fchmod sets
        // exactly the mode (open(2) applies the process's umask, which `umask` may override).
        // SQLite gives the -wal and -shm files the same mode as the database.
        let fd = Glibc.open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        if fd >= 0 {
            let changed = fchmod(fd, allowed)
            let error = errno
            Glibc.close(fd)
            guard changed == 0 else {
                throw StoreError(path: path, operation: "create", message: String(cString: strerror(error)))
            }
        } else if errno != EEXIST {
            throw StoreError(path: path, operation: "create", message: String(cString: strerror(errno)))
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let groupReads = allowed & 0o040 != 0
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A reader in mnemond's group cannot create the -wal and -shm files in the 0750 state
            // directory, and SQLite cannot open a WAL database read-only without them: where the
            // group may read, they outlive the last connection. journal_size_limit 0 makes that
            // last close truncate the checkpointed WAL to nothing: no old frames stay behind to
            // be replayed over the file (they would hide a corrupt page from quick_check).
            if groupReads {
                try db.execute(sql: "PRAGMA journal_size_limit = 0")
                var persist: Int32 = 1
                let code = sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &persist)
                guard code == SQLITE_OK else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "SQLITE_FCNTL_PERSIST_WAL")
                }
            }
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(path: path, operation: "open", message: "\(error)")
        }
        try quickCheck(pool, path: path)
        do {
            try Migrations.migrator.migrate(pool)
        } catch {
            throw StoreError(path: path, operation: "open", message: "\(error)")
        }
        return Store(path: path, pool: pool, permissionsTightened: tightened, mode: "0" + String(allowed, radix: 8))
    }

    /// `PRAGMA quick_check` over the whole file: every b-tree page and record format, without
    /// the index cross-checks of `integrity_check` (seconds on a year of samples, not minutes).
    /// Throws with SQLite's first complaints when the file is corrupt.
    static func quickCheck(_ pool: DatabasePool, path: String) throws(StoreError) {
        let problems: [String]
        do {
            problems = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(5)") }
        } catch {
            throw corrupt(path, "\(error)")
        }
        guard problems != ["ok"] else { return }
        throw corrupt(path, problems.joined(separator: "; "))
    }

    /// `PRAGMA integrity_check` over the whole file (quick_check's page and record checks plus
    /// every index against its table): SQLite's first complaints, empty when the store is
    /// intact. It reads through a connection of its own, opened for the check, so no page cached
    /// by the pool's long-lived connections stands in for what is on disk. Minutes on a large
    /// store: for the daily pass and for tests, never per cycle.
    public func integrityCheck() async throws(StoreError) -> [String] {
        do {
            let problems: [String]
            if path == ":memory:" {
                problems = try await pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(10)") }
            } else {
                var configuration = Configuration()
                configuration.readonly = true
                configuration.busyMode = .timeout(5)
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                problems = try await queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(10)") }
                try queue.close()
            }
            return problems == ["ok"] ? [] : problems
        } catch {
            // SQLite reports some damage (a malformed page header) as an error, not as rows.
            if let error = error as? DatabaseError, error.resultCode == .SQLITE_CORRUPT {
                return ["\(error.message ?? "database disk image is malformed")"]
            }
            throw StoreError(path: path, operation: "integrity check", message: "\(error)")
        }
    }

    static func corrupt(_ path: String, _ detail: String) -> StoreError {
        StoreError(
            path: path, operation: "integrity check",
            message:
                "the store is corrupt (PRAGMA quick_check: \(detail.prefix(500))); nothing was read or written. "
                + "Stop mnemond, move \(path) and its -wal and -shm files aside, and restore the store from a "
                + "backup or let mnemond start an empty one (history and alert states start over)")
    }

    /// The store's mode under `umask`: owner read-write always, group read where the umask
    /// leaves it, nothing else (0600 under 0077, 0640 under 0027 or 0022).
    static func allowedMode(umask: mode_t) -> mode_t {
        0o600 | (0o040 & ~umask)
    }

    /// This process's umask, read without changing it (`umask(2)` can only be read by setting
    /// it, which would race with threads creating files): Linux's /proc/self/status `Umask:`.
    /// When that cannot be read, 0077: the store stays private.
    static func currentUmask() -> mode_t {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
            let value = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8)
        else { return 0o077 }
        return value
    }

    /// Sets an existing store file (and its -wal and -shm files) with permissions beyond
    /// `allowed` (others may read it, or the group may write it or read it where the umask says
    /// no) to `allowed`. Returns the old mode (`0644`) when it changed something, nil otherwise.
    static func tightenPermissions(_ path: String, allowed: mode_t) throws(StoreError) -> String? {
        var old: String?
        let target = String(allowed, radix: 8)
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            let mode = info.st_mode & 0o777
            guard mode & ~allowed != 0 else { continue }
            guard chmod(file, allowed) == 0 else {
                throw StoreError(
                    path: path, operation: "open",
                    message:
                        "\(file) has mode \(String(mode, radix: 8)) (more than 0\(target): others may read the store) "
                        + "and cannot be set to 0\(target): \(String(cString: strerror(errno))) — chmod \(target) it as its owner"
                )
            }
            if file == path { old = "0" + String(mode, radix: 8) }
        }
        return old
    }

    /// Opens an existing store read-only, for `status`, `history` and `report` while the daemon writes.
    public static func openReadOnly(path: String) throws(StoreError) -> Store {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let error = errno
            guard error == EACCES else {
                throw StoreError(
                    path: path, operation: "open read-only",
                    message: error == ENOENT
                        ? "no store here yet — has `mnemond run` or `mnemond check` written one? (--db sets the path)"
                        : String(cString: strerror(error)))
            }
            throw permissionDenied(path, "its directory \(URL(fileURLWithPath: path).deletingLastPathComponent().path)")
        }
        // SQLite reads the -wal beside it too (the newest cycles sit there until a checkpoint).
        for file in [path, path + "-wal"] where access(file, R_OK) != 0 && errno == EACCES {
            throw permissionDenied(path, file == path ? "the file" : file)
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            return Store(path: path, pool: pool)
        } catch {
            throw StoreError(path: path, operation: "open read-only", message: "\(error)")
        }
    }

    /// A user who may not read the store (a monitoring user outside mnemond's group, or the
    /// group-read opt-in not enabled): says so, not "no store here yet".
    static func permissionDenied(_ path: String, _ what: String) -> StoreError {
        StoreError(
            path: path, operation: "open read-only",
            message:
                "permission denied reading \(path) (\(what) is not readable by uid \(getuid())): run as the daemon's "
                + "user (sudo -u mnemond mnemond status), or let a monitoring user in the mnemond group read the "
                + "store — README, \"Monitoring users\"")
    }

    // MARK: Writing

    /// Records one evaluation cycle atomically: its summary, the observations, the samples, the
    /// findings that changed, and the current state per check and resource (keeping `since` while
    /// the state holds).
    ///
    /// `check_results` is a step function: a finding is written when its pair has no result yet,
    /// when its state, its found value or whether a risk is accepted differs from the pair's
    /// current state, or when the pair was not evaluated in the previous cycle (it left the
    /// config and came back). An unchanged finding only updates `check_state` (message,
    /// `last_evaluated`), so in steady state a cycle adds its cycle row and samples, not a row per
    /// check. Readers take each result as holding until the next one, and `check_state` for the
    /// present, as they already did for results past the retention's detail window.
    /// Observations likewise: a row is written when its payload differs from the last one stored
    /// for the same kind and resource.
    @discardableResult
    public func recordCycle(_ cycle: CycleInput) async throws(StoreError) -> Int64 {
        do {
            return try await pool.write { db in
                // The previous cycle: a pair last evaluated before it was absent from a cycle since.
                let previous = try Int64.fetchOne(db, sql: "SELECT MAX(finished_at) FROM cycles")
                let counts = Dictionary(grouping: cycle.findings, by: \.effectiveState).mapValues(\.count)
                try db.execute(
                    sql: """
                        INSERT INTO cycles (started_at, finished_at, ok, warning, critical, unknown, api_calls)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        cycle.startedAt.millis, cycle.finishedAt.millis, counts[.ok] ?? 0, counts[.warning] ?? 0,
                        counts[.critical] ?? 0, counts[.unknown] ?? 0, cycle.apiCalls,
                    ])
                let cycleID = db.lastInsertedRowID
                let ts = cycle.finishedAt.millis
                // Cached statements: a cycle writes ~60 results and states; preparing each anew cost
                // milliseconds per cycle.
                for observation in cycle.observations {
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO observations (cycle_id, ts, kind, resource, payload)
                            SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (
                                SELECT 1 FROM (
                                    SELECT payload FROM observations WHERE kind = ?3 AND resource = ?4
                                    ORDER BY ts DESC, id DESC LIMIT 1)
                                WHERE payload = ?5)
                            """
                    ).execute(
                        arguments: [cycleID, ts, observation.kind, observation.resource, observation.payload])
                }
                try Self.insertSamples(cycle.samples, db: db)
                let encoder = JSONEncoder()
                for finding in cycle.findings {
                    let risk = try finding.acceptedRisk.map {
                        String(decoding: try encoder.encode($0), as: UTF8.self)
                    }
                    // Read before the check_state upsert below replaces the pair's current state.
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO check_results (cycle_id, ts, check_id, resource, state, message, expected,
                                found, guide, runbook, accepted_risk)
                            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE NOT EXISTS (
                                SELECT 1 FROM check_state
                                WHERE check_id = ?3 AND resource = ?4 AND state = ?5 AND found IS ?8
                                    AND (accepted_risk IS NULL) = (?11 IS NULL) AND last_evaluated >= ?12)
                            """
                    ).execute(
                        arguments: [
                            cycleID, ts, finding.check.rawValue, finding.resource, finding.state.rawValue,
                            finding.message, finding.expected, finding.found, finding.guide, finding.runbook, risk,
                            previous ?? Int64.max,
                        ])
                    // `since` survives while the state is unchanged; a new state starts a new `since` —
                    // except that UNKNOWN (nothing could be evaluated) is a gap, not a change: a check
                    // back in the state it was last known in takes that state's `since` back.
                    // `known_*` remember the last state that was not UNKNOWN (3).
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO check_state (check_id, resource, state, since, last_evaluated, message,
                                expected, found, guide, runbook, accepted_risk, known_state, known_since)
                            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                                CASE WHEN ?3 = 3 THEN NULL ELSE ?3 END, CASE WHEN ?3 = 3 THEN NULL ELSE ?4 END)
                            ON CONFLICT (check_id, resource) DO UPDATE SET
                                since = CASE
                                    WHEN check_state.state = excluded.state THEN check_state.since
                                    WHEN check_state.state = 3 AND check_state.known_state = excluded.state
                                        THEN check_state.known_since
                                    ELSE excluded.since END,
                                known_since = CASE
                                    WHEN excluded.state = 3 THEN check_state.known_since
                                    WHEN check_state.state = excluded.state THEN check_state.since
                                    WHEN check_state.state = 3 AND check_state.known_state = excluded.state
                                        THEN check_state.known_since
                                    ELSE excluded.since END,
                                known_state = CASE WHEN excluded.state = 3 THEN check_state.known_state
                                                   ELSE excluded.state END,
                                state = excluded.state, last_evaluated = excluded.last_evaluated,
                                message = excluded.message, expected = excluded.expected, found = excluded.found,
                                guide = excluded.guide, runbook = excluded.runbook,
                                accepted_risk = excluded.accepted_risk
                            """
                    ).execute(
                        arguments: [
                            finding.check.rawValue, finding.resource, finding.state.rawValue, ts, ts, finding.message,
                            finding.expected, finding.found, finding.guide, finding.runbook, risk,
                        ])
                }
                return cycleID
            }
        } catch {
            throw StoreError(path: path, operation: "record cycle", message: "\(error)")
        }
    }

    /// Appends samples outside a cycle (bulk loads, benchmarks).
    public func insertSamples(_ samples: [Sample]) async throws(StoreError) {
        do {
            try await pool.write { db in try Self.insertSamples(samples, db: db) }
        } catch {
            throw StoreError(path: path, operation: "insert samples", message: "\(error)")
        }
    }

    static func insertSamples(_ samples: [Sample], db: Database) throws {
        var seriesIDs: [String: Int64] = [:]
        // A storage run brings back the 20 days it asked for, most of them stored already with
        // the same value: those rows are left as they are (no page written), a changed value
        // replaces the stored one.
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO samples (series_id, ts, value) VALUES (?, ?, ?)
                ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value
                WHERE samples.value IS NOT excluded.value
                """)
        // Bound and stepped with SQLite's C API on GRDB's prepared statement: a storage run at
        // 1,000 buckets writes ~85,000 rows, and GRDB's per-row argument boxing and step
        // bookkeeping cost more than SQLite's upsert itself. The statement is left reset and
        // unbound for its next user, whatever happens.
        let statement = insert.sqliteStatement
        sqlite3_reset(statement)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        // A series' samples come one after another: its labels are put in their canonical text
        // (sorted and joined) once per run of samples, not once per sample.
        var previous: (series: Series, labels: [String: String], id: Int64)?
        for sample in samples {
            let id: Int64
            if let previous, previous.series == sample.series, previous.labels == sample.labels {
                id = previous.id
            } else {
                let labels = sample.labelKey
                let key = sample.series.name + "\u{1F}" + labels
                if let known = seriesIDs[key] {
                    id = known
                } else {
                    id = try seriesID(name: sample.series.name, labels: labels, db: db)
                    seriesIDs[key] = id
                }
                previous = (sample.series, sample.labels, id)
            }
            sqlite3_bind_int64(statement, 1, id)
            sqlite3_bind_int64(statement, 2, sample.time.millis)
            sqlite3_bind_double(statement, 3, sample.value)
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                    sql: insert.sql)
            }
            sqlite3_reset(statement)
        }
    }

    static func seriesID(name: String, labels: String, db: Database) throws -> Int64 {
        // Cached: a thousand buckets bring thousands of series to every storage run.
        if let id = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM series WHERE name = ? AND labels = ?"), arguments: [name, labels])
        {
            return id
        }
        try db.cachedStatement(sql: "INSERT INTO series (name, labels) VALUES (?, ?)").execute(arguments: [
            name, labels,
        ])
        return db.lastInsertedRowID
    }

    // MARK: Reading

    /// The current state of every check and resource, ordered by check then resource.
    public func currentStates() async throws(StoreError) -> [StoredState] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM check_state ORDER BY check_id, resource").map(StoredState.init)
            }
        } catch {
            throw StoreError(path: path, operation: "read check states", message: "\(error)")
        }
    }

    public func lastCycle() async throws(StoreError) -> CycleSummary? {
        do {
            return try await pool.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM cycles ORDER BY id DESC LIMIT 1").map(CycleSummary.init)
            }
        } catch {
            throw StoreError(path: path, operation: "read last cycle", message: "\(error)")
        }
    }

    /// How many cycles the store holds (retention deletes those past its window).
    public func cycleCount() async throws(StoreError) -> Int {
        do {
            return try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cycles") ?? 0 }
        } catch {
            throw StoreError(path: path, operation: "count cycles", message: "\(error)")
        }
    }

    /// Samples of one series in [since, until), for every label set or only `labels`.
    public func samples(
        series: Series, labels: [String: String]? = nil, since: Date, until: Date = .distantFuture
    ) async throws(StoreError) -> [Sample] {
        do {
            return try await pool.read { db in
                var sql = """
                    SELECT series.labels AS labels, samples.ts AS ts, samples.value AS value
                    FROM series JOIN samples ON samples.series_id = series.id
                    WHERE series.name = ? AND samples.ts >= ? AND samples.ts < ?
                    """
                var arguments: StatementArguments = [series.name, since.millis, until.millis]
                if let labels {
                    sql += " AND series.labels = ?"
                    arguments += [Sample.labelKey(labels)]
                }
                sql += " ORDER BY series.labels, samples.ts"
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    Sample(
                        series: series, labels: parseLabels(row["labels"]), time: Date(millis: row["ts"]),
                        value: row["value"])
                }
            }
        } catch {
            throw StoreError(path: path, operation: "read samples of \(series)", message: "\(error)")
        }
    }

    /// The stored results of one check on one resource, newest first: its first evaluation and
    /// every change of state or found value since (see `recordCycle`).
    public func results(check: CheckID, resource: String, limit: Int = 100) async throws(StoreError) -> [StoredResult] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT ts, state, message FROM check_results WHERE check_id = ? AND resource = ?
                        ORDER BY ts DESC LIMIT ?
                        """,
                    arguments: [check.rawValue, resource, limit]
                ).map {
                    StoredResult(
                        time: Date(millis: $0["ts"]), state: CheckState(rawValue: $0["state"]) ?? .unknown,
                        message: $0["message"])
                }
            }
        } catch {
            throw StoreError(path: path, operation: "read results", message: "\(error)")
        }
    }
}

func parseLabels(_ text: String) -> [String: String] {
    var labels: [String: String] = [:]
    for pair in text.split(separator: ",") {
        let parts = pair.split(separator: "=", maxSplits: 1)
        if parts.count == 2 { labels[String(parts[0])] = String(parts[1]) }
    }
    return labels
}

extension Date {
    /// Clamped to ±2^53 ms (±285,000 years), so no date, however absurd, traps the conversion.
    var millis: Int64 {
        let ms = (timeIntervalSince1970 * 1000).rounded()
        guard ms.isFinite else { return 0 }
        return Int64(max(-9_007_199_254_740_992, min(9_007_199_254_740_992, ms)))
    }
    init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
