import Foundation
import GRDB
import MnemondModel

/// Where an alert is in its life: OK (`inactive`), failing but not yet for long enough
/// (`pending`), or `firing`. "Resolved" is the step from firing back to inactive.
public enum AlertPhase: String, Sendable, Codable, CaseIterable {
    case inactive
    case pending
    case firing
}

/// The alert state of one check on one resource, with its notification log. Kept in the store,
/// so an alert keeps its identity (episode, idempotency keys, last notification) across restarts.
public struct AlertRecord: Sendable, Equatable {
    public var check: CheckID
    public var resource: String
    public var phase: AlertPhase
    /// The state the alert speaks for (warning, critical or unknown; ok while inactive).
    public var severity: CheckState
    /// 0 before the first firing; every new firing episode increments it.
    public var episode: Int
    /// First failing evaluation of the current streak.
    public var badSince: Date?
    /// Consecutive warning/critical evaluations; UNKNOWN ones neither count nor reset it.
    public var failingCount: Int
    public var unknownSince: Date?
    public var unknownCount: Int
    public var firingSince: Date?
    public var resolvedAt: Date?
    /// Times the evaluation changed between OK and failing, within the flap window.
    public var flips: [Date]
    /// Firing only because it flaps: its resolve is held back.
    public var heldFlapping: Bool
    public var flapAnnounced: Bool
    public var lastState: CheckState
    /// The last state that was not UNKNOWN (flips are counted between known states).
    public var lastKnownState: CheckState?
    public var lastEvaluated: Date
    /// The finding the alert speaks about (the last one, or the last known one while UNKNOWN).
    public var message: String
    public var expected: String?
    public var found: String?
    public var guide: String?
    public var runbook: String?
    // The notification log: what was last queued for delivery.
    public var notifiedEpisode: Int?
    public var notifiedSeverity: CheckState?
    public var notifiedKind: String?
    public var notifiedAt: Date?
    /// Repeats sent in the current episode.
    public var repeats: Int
    /// Idempotency key of the episode's firing notification, which its resolve refers to.
    public var firingKey: String?
    /// The silence that held back this alert's last notification, while it is in force.
    public var silencedBy: Int64?
    /// The idempotency key of the notification the silence last held back (logged once).
    public var silencedKey: String?

    /// A new, OK alert that has never been evaluated.
    public init(check: CheckID, resource: String, at time: Date) {
        self.check = check
        self.resource = resource
        phase = .inactive
        severity = .ok
        episode = 0
        failingCount = 0
        unknownCount = 0
        flips = []
        heldFlapping = false
        flapAnnounced = false
        lastState = .ok
        lastEvaluated = time
        message = ""
        repeats = 0
    }

    /// The records of rows read with `SELECT *`, each column's position looked up once.
    static func records(_ rows: [Row]) -> [AlertRecord] {
        guard let first = rows.first else { return [] }
        let positions = ColumnPositions(first)
        return rows.map { AlertRecord(row: PositionedRow(row: $0, positions: positions)) }
    }

    init(row: PositionedRow) {
        check = CheckID(rawValue: row["check_id"])
        resource = row["resource"]
        phase = AlertPhase(rawValue: row["phase"]) ?? .inactive
        severity = CheckState(rawValue: row["severity"]) ?? .unknown
        episode = row["episode"]
        badSince = (row["bad_since"] as Int64?).map(Date.init(millis:))
        failingCount = row["failing_count"]
        unknownSince = (row["unknown_since"] as Int64?).map(Date.init(millis:))
        unknownCount = row["unknown_count"]
        firingSince = (row["firing_since"] as Int64?).map(Date.init(millis:))
        resolvedAt = (row["resolved_at"] as Int64?).map(Date.init(millis:))
        flips = AlertRecord.decodeFlips(row["flips"]).map(Date.init(millis:))
        heldFlapping = row["held_flapping"]
        flapAnnounced = row["flap_announced"]
        lastState = CheckState(rawValue: row["last_state"]) ?? .unknown
        lastKnownState = (row["last_known_state"] as Int?).flatMap(CheckState.init(rawValue:))
        lastEvaluated = Date(millis: row["last_evaluated"])
        message = row["message"]
        expected = row["expected"]
        found = row["found"]
        guide = row["guide"]
        runbook = row["runbook"]
        notifiedEpisode = row["notified_episode"]
        notifiedSeverity = (row["notified_severity"] as Int?).flatMap(CheckState.init(rawValue:))
        notifiedKind = row["notified_kind"]
        notifiedAt = (row["notified_at"] as Int64?).map(Date.init(millis:))
        repeats = row["repeats"]
        firingKey = row["firing_key"]
        silencedBy = row["silenced_by"]
        silencedKey = row["silenced_key"]
    }
}

/// One notification decision: queued for the channels, or held back by a silence.
public struct AlertLogEntry: Sendable, Equatable {
    public var time: Date
    public var check: CheckID
    public var resource: String
    public var episode: Int
    /// `firing`, `repeat-2`, `escalated`, `flapping`, `resolved`.
    public var kind: String
    public var severity: CheckState
    public var idempotencyKey: String
    /// The outbox message it went out in; nil when silenced or no channel is configured.
    public var groupKey: String?
    public var silencedBy: Int64?
    public var reason: String

    public init(
        time: Date, check: CheckID, resource: String, episode: Int, kind: String, severity: CheckState,
        idempotencyKey: String, groupKey: String?, silencedBy: Int64?, reason: String
    ) {
        self.time = time
        self.check = check
        self.resource = resource
        self.episode = episode
        self.kind = kind
        self.severity = severity
        self.idempotencyKey = idempotencyKey
        self.groupKey = groupKey
        self.silencedBy = silencedBy
        self.reason = reason
    }
}

/// A message to queue for one channel. The payload is the rendered-later message as JSON
/// (`OutboxPayload`); it never contains a channel secret (webhook URLs live only in the process).
public struct OutboxMessage: Sendable, Equatable {
    public var channel: String
    public var idempotencyKey: String
    public var kind: OutboxPayload.Kind
    public var payload: String
    public var createdAt: Date

    public init(
        channel: String, idempotencyKey: String, payload: String, createdAt: Date, kind: OutboxPayload.Kind = .alert
    ) {
        self.channel = channel
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.payload = payload
        self.createdAt = createdAt
    }

    public init(channel: String, idempotencyKey: String, payload: OutboxPayload, createdAt: Date) {
        self.init(
            channel: channel, idempotencyKey: idempotencyKey, payload: payload.json(), createdAt: createdAt,
            kind: payload.kind)
    }
}

/// An outbox row as stored.
public struct OutboxRow: Sendable, Equatable {
    public var id: Int64
    public var createdAt: Date
    public var channel: String
    public var idempotencyKey: String
    public var kind: OutboxPayload.Kind
    public var payload: String
    public var attempts: Int
    public var lastError: String?
    public var lastAttemptAt: Date?
    public var nextAttemptAt: Date
    public var deliveredAt: Date?
    public var deadLetteredAt: Date?
    /// While a sender holds the row: the end of its lease (`claimDueOutbox`).
    public var claimedUntil: Date?

    init(row: Row) {
        id = row["id"]
        createdAt = Date(millis: row["created_at"])
        channel = row["channel"]
        idempotencyKey = row["idempotency_key"]
        // A store not yet migrated (read-only readers) has no column: its rows read as alerts.
        kind = (row["kind"] as String?).flatMap(OutboxPayload.Kind.init(rawValue:)) ?? .alert
        payload = row["payload"]
        attempts = row["attempts"]
        lastError = row["last_error"]
        lastAttemptAt = (row["last_attempt_at"] as Int64?).map(Date.init(millis:))
        nextAttemptAt = Date(millis: row["next_attempt_at"])
        deliveredAt = (row["delivered_at"] as Int64?).map(Date.init(millis:))
        deadLetteredAt = (row["dead_lettered_at"] as Int64?).map(Date.init(millis:))
        claimedUntil = (row["claimed_until"] as Int64?).map(Date.init(millis:))
    }
}

/// Everything one alerting step writes, in one transaction: the alert states, the decisions and
/// the outbox rows they caused. Either all of it is stored or none.
public struct AlertCommit: Sendable {
    public var records: [AlertRecord]
    public var log: [AlertLogEntry]
    public var outbox: [OutboxMessage]

    public init(records: [AlertRecord], log: [AlertLogEntry] = [], outbox: [OutboxMessage] = []) {
        self.records = records
        self.log = log
        self.outbox = outbox
    }
}

/// What `mnemond status` shows about delivery.
public struct OutboxSummary: Sendable, Equatable {
    /// Not yet delivered and still being retried.
    public var pending: Int
    /// Given up on after the dead-letter age; kept for inspection.
    public var deadLettered: Int
    public var oldestPending: Date?
    public var oldestDeadLettered: Date?
    /// The newest error of a pending or dead-lettered row, with its channel.
    public var lastError: String?
    public var lastErrorChannel: String?
}

/// A maintenance window: matching alerts are recorded but not sent.
public struct Silence: Sendable, Equatable {
    public var id: Int64
    public var check: CheckID
    /// nil: every resource of the check.
    public var resource: String?
    public var startsAt: Date
    public var endsAt: Date
    public var reason: String
    public var createdBy: String
    public var createdAt: Date
    public var removedAt: Date?

    public init(
        id: Int64, check: CheckID, resource: String?, startsAt: Date, endsAt: Date, reason: String, createdBy: String,
        createdAt: Date, removedAt: Date? = nil
    ) {
        self.id = id
        self.check = check
        self.resource = resource
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.removedAt = removedAt
    }

    init(row: Row) {
        id = row["id"]
        check = CheckID(rawValue: row["check_id"])
        resource = row["resource"]
        startsAt = Date(millis: row["starts_at"])
        endsAt = Date(millis: row["ends_at"])
        reason = row["reason"]
        createdBy = row["created_by"]
        createdAt = Date(millis: row["created_at"])
        removedAt = (row["removed_at"] as Int64?).map(Date.init(millis:))
    }

    public func isActive(at now: Date) -> Bool { removedAt == nil && startsAt <= now && now < endsAt }

    public func matches(_ check: CheckID, resource: String) -> Bool {
        self.check == check && (self.resource == nil || self.resource == resource)
    }
}

extension Store {
    // MARK: Alert state

    /// Every alert record, ordered by check then resource.
    public func alertRecords() async throws(StoreError) -> [AlertRecord] {
        do {
            return try await pool.read { db in
                AlertRecord.records(try Row.fetchAll(db, sql: "SELECT * FROM alert_state ORDER BY check_id, resource"))
            }
        } catch {
            throw StoreError(path: path, operation: "read alert states", message: "\(error)")
        }
    }

    /// Writes alert states, their decisions and the outbox rows they caused in one transaction:
    /// a notification exists exactly when the state change that caused it was stored.
    public func commitAlerts(_ commit: AlertCommit) async throws(StoreError) {
        do {
            try await pool.write { db in
                for record in commit.records { try Self.upsert(record, db: db) }
                for entry in commit.log {
                    try db.execute(
                        sql: """
                            INSERT INTO alert_log (ts, check_id, resource, episode, kind, severity, idempotency_key,
                                group_key, silenced_by, reason)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            entry.time.millis, entry.check.rawValue, entry.resource, entry.episode, entry.kind,
                            entry.severity.rawValue, entry.idempotencyKey, entry.groupKey, entry.silencedBy,
                            entry.reason,
                        ])
                }
                for message in commit.outbox {
                    // The same key on the same channel is the same message: at most one row.
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO outbox (created_at, channel, idempotency_key, kind, payload,
                                next_attempt_at)
                            VALUES (?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            message.createdAt.millis, message.channel, message.idempotencyKey, message.kind.rawValue,
                            message.payload, message.createdAt.millis,
                        ])
                }
            }
        } catch {
            throw StoreError(path: path, operation: "record alert states", message: "\(error)")
        }
    }

    static func upsert(_ r: AlertRecord, db: Database) throws {
        let flips = AlertRecord.encodeFlips(r.flips.map(\.millis))
        // Every check's record is written every cycle: one prepared statement, not one per row.
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO alert_state (check_id, resource, phase, severity, episode, bad_since,
                    failing_count, unknown_since, unknown_count, firing_since, resolved_at, flips, held_flapping,
                    flap_announced, last_state, last_known_state, last_evaluated, message, expected, found, guide,
                    runbook, notified_episode, notified_severity, notified_kind, notified_at, repeats, firing_key,
                    silenced_by, silenced_key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                r.check.rawValue, r.resource, r.phase.rawValue, r.severity.rawValue, r.episode, r.badSince?.millis,
                r.failingCount, r.unknownSince?.millis, r.unknownCount, r.firingSince?.millis, r.resolvedAt?.millis,
                flips, r.heldFlapping, r.flapAnnounced, r.lastState.rawValue, r.lastKnownState?.rawValue,
                r.lastEvaluated.millis, r.message, r.expected, r.found, r.guide, r.runbook, r.notifiedEpisode,
                r.notifiedSeverity?.rawValue, r.notifiedKind, r.notifiedAt?.millis, r.repeats, r.firingKey,
                r.silencedBy, r.silencedKey,
            ])
    }

    /// The notification decisions about one alert, oldest first.
    public func alertLog(check: CheckID, resource: String) async throws(StoreError) -> [AlertLogEntry] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM alert_log WHERE check_id = ? AND resource = ? ORDER BY id",
                    arguments: [check.rawValue, resource]
                ).map(AlertLogEntry.init(row:))
            }
        } catch {
            throw StoreError(path: path, operation: "read alert log", message: "\(error)")
        }
    }

    // MARK: Outbox

    /// Claims up to `limit` due rows (of `kinds`, nil: every kind) for `lease`: another process (or
    /// this one) will not send them until the lease ends. A sender killed mid-send leaves a lease
    /// that simply expires.
    public func claimDueOutbox(
        now: Date, lease: Duration, limit: Int = 20, kinds: Set<OutboxPayload.Kind>? = nil
    ) async throws(StoreError) -> [OutboxRow] {
        let until = now.addingTimeInterval(TimeInterval(lease.components.seconds))
        let (filter, kindArguments) = Self.kindFilter(kinds)
        do {
            return try await pool.write { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM outbox
                        WHERE delivered_at IS NULL AND dead_lettered_at IS NULL AND next_attempt_at <= ?
                            AND (claimed_until IS NULL OR claimed_until <= ?)\(filter)
                        ORDER BY next_attempt_at, id LIMIT ?
                        """,
                    arguments: StatementArguments([now.millis, now.millis]) + kindArguments + [limit]
                ).map(OutboxRow.init)
                for row in rows {
                    try db.execute(
                        sql: "UPDATE outbox SET claimed_until = ? WHERE id = ?", arguments: [until.millis, row.id])
                }
                return rows
            }
        } catch {
            throw StoreError(path: path, operation: "claim outbox rows", message: "\(error)")
        }
    }

    /// Marks a row delivered (and releases its claim).
    public func markDelivered(_ id: Int64, at time: Date) async throws(StoreError) {
        do {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE outbox SET delivered_at = ?, last_attempt_at = ?, attempts = attempts + 1,
                            claimed_until = NULL
                        WHERE id = ?
                        """,
                    arguments: [time.millis, time.millis, id])
            }
        } catch {
            throw StoreError(path: path, operation: "mark outbox row \(id) delivered", message: "\(error)")
        }
    }

    /// Records a failed attempt: the error, when to try next, or that the row is dead-lettered.
    /// `countAttempt: false` only postpones (the row was not tried: its channel asked us to wait).
    public func markFailed(
        _ id: Int64, at time: Date, error: String, nextAttemptAt: Date, deadLetter: Bool, countAttempt: Bool = true
    ) async throws(StoreError) {
        do {
            try await pool.write { db in
                if countAttempt {
                    try db.execute(
                        sql: """
                            UPDATE outbox SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?,
                                next_attempt_at = ?, dead_lettered_at = ?, claimed_until = NULL
                            WHERE id = ?
                            """,
                        arguments: [error, time.millis, nextAttemptAt.millis, deadLetter ? time.millis : nil, id])
                } else {
                    try db.execute(
                        sql: "UPDATE outbox SET next_attempt_at = ?, claimed_until = NULL WHERE id = ?",
                        arguments: [nextAttemptAt.millis, id])
                }
            }
        } catch {
            throw StoreError(path: path, operation: "record failed delivery of outbox row \(id)", message: "\(error)")
        }
    }

    /// The earliest time a pending row (of `kinds`, nil: every kind) is due (claimed rows: when
    /// their lease ends), nil when none is pending.
    public func nextOutboxAttempt(kinds: Set<OutboxPayload.Kind>? = nil) async throws(StoreError) -> Date? {
        let (filter, arguments) = Self.kindFilter(kinds)
        do {
            return try await pool.read { db in
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT MIN(MAX(next_attempt_at, COALESCE(claimed_until, 0))) FROM outbox
                        WHERE delivered_at IS NULL AND dead_lettered_at IS NULL\(filter)
                        """,
                    arguments: arguments
                ).map(Date.init(millis:))
            }
        } catch {
            throw StoreError(path: path, operation: "read outbox", message: "\(error)")
        }
    }

    /// Rows (of `kinds`, nil: every kind) neither delivered nor dead-lettered.
    public func pendingOutboxCount(kinds: Set<OutboxPayload.Kind>? = nil) async throws(StoreError) -> Int {
        let (filter, arguments) = Self.kindFilter(kinds)
        do {
            return try await pool.read { db in
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND dead_lettered_at IS NULL\(filter)
                        """,
                    arguments: arguments) ?? 0
            }
        } catch {
            throw StoreError(path: path, operation: "read outbox", message: "\(error)")
        }
    }

    /// ` AND kind IN (?, …)` with its arguments, or nothing for every kind.
    static func kindFilter(_ kinds: Set<OutboxPayload.Kind>?) -> (String, StatementArguments) {
        guard let kinds else { return ("", []) }
        let sorted = kinds.map(\.rawValue).sorted()
        guard !sorted.isEmpty else { return (" AND 0", []) }
        return (
            " AND kind IN (\(Array(repeating: "?", count: sorted.count).joined(separator: ", ")))",
            StatementArguments(sorted)
        )
    }

    /// Outbox rows, newest first.
    public func outboxRows(limit: Int = 100) async throws(StoreError) -> [OutboxRow] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id DESC LIMIT ?", arguments: [limit])
                    .map(OutboxRow.init)
            }
        } catch {
            throw StoreError(path: path, operation: "read outbox", message: "\(error)")
        }
    }

    /// Pending and dead-lettered counts with the oldest of each and the newest error, for `status`.
    public func outboxSummary() async throws(StoreError) -> OutboxSummary {
        do {
            return try await pool.read { db in
                let pending = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox
                        WHERE delivered_at IS NULL AND dead_lettered_at IS NULL
                        """)
                let dead = try Row.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE dead_lettered_at IS NOT NULL"
                )
                let error = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT channel, last_error FROM outbox
                        WHERE delivered_at IS NULL AND last_error IS NOT NULL
                        ORDER BY last_attempt_at DESC LIMIT 1
                        """)
                return OutboxSummary(
                    pending: pending?["n"] ?? 0, deadLettered: dead?["n"] ?? 0,
                    oldestPending: (pending?["oldest"] as Int64?).map(Date.init(millis:)),
                    oldestDeadLettered: (dead?["oldest"] as Int64?).map(Date.init(millis:)),
                    lastError: error?["last_error"], lastErrorChannel: error?["channel"])
            }
        } catch {
            throw StoreError(path: path, operation: "summarise outbox", message: "\(error)")
        }
    }

    // MARK: Silences

    public func addSilence(
        check: CheckID, resource: String?, startsAt: Date, endsAt: Date, reason: String, createdBy: String
    ) async throws(StoreError) -> Silence {
        do {
            return try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO silences (check_id, resource, starts_at, ends_at, reason, created_by, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        check.rawValue, resource, startsAt.millis, endsAt.millis, reason, createdBy, startsAt.millis,
                    ])
                return Silence(
                    id: db.lastInsertedRowID, check: check, resource: resource, startsAt: startsAt, endsAt: endsAt,
                    reason: reason, createdBy: createdBy, createdAt: startsAt)
            }
        } catch {
            throw StoreError(path: path, operation: "add silence", message: "\(error)")
        }
    }

    /// Silences in force at `now` (or all, newest first, with `includeInactive`).
    public func silences(activeAt now: Date, includeInactive: Bool = false) async throws(StoreError) -> [Silence] {
        do {
            return try await pool.read { db in
                let all = try Row.fetchAll(db, sql: "SELECT * FROM silences ORDER BY id DESC").map(Silence.init)
                return includeInactive ? all : all.filter { $0.isActive(at: now) }
            }
        } catch {
            throw StoreError(path: path, operation: "read silences", message: "\(error)")
        }
    }

    /// Ends a silence now; the row is kept for the record. Returns nil when there is no such silence.
    public func removeSilence(_ id: Int64, at now: Date) async throws(StoreError) -> Silence? {
        do {
            return try await pool.write { db in
                try db.execute(
                    sql: "UPDATE silences SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
                    arguments: [now.millis, id])
                return try Row.fetchOne(db, sql: "SELECT * FROM silences WHERE id = ?", arguments: [id])
                    .map(Silence.init)
            }
        } catch {
            throw StoreError(path: path, operation: "remove silence \(id)", message: "\(error)")
        }
    }
}

extension AlertLogEntry {
    init(row: Row) {
        self.init(
            time: Date(millis: row["ts"]), check: CheckID(rawValue: row["check_id"]),
            resource: row["resource"], episode: row["episode"], kind: row["kind"],
            severity: CheckState(rawValue: row["severity"]) ?? .unknown,
            idempotencyKey: row["idempotency_key"], groupKey: row["group_key"],
            silencedBy: row["silenced_by"], reason: row["reason"])
    }
}

// MARK: Installation identity

extension Store {
    /// The identity created with this store (see `Migrations.registerInstallation`): part of every
    /// alert's idempotency key. Stable for the life of the store file, different for every store.
    public func installationID() async throws(StoreError) -> String {
        do {
            return try await pool.read { db in
                try String.fetchOne(db, sql: "SELECT id FROM installation LIMIT 1") ?? ""
            }
        } catch {
            throw StoreError(path: path, operation: "read installation identity", message: "\(error)")
        }
    }
}

// MARK: Alerts in status

/// One firing or pending alert as `mnemond status` shows it: where it is, since when, what was
/// last said about it, and how far each channel got with that notification.
public struct AlertStatus: Sendable, Equatable {
    public var record: AlertRecord
    /// The newest notification queued about this alert (`firing`, `repeat-2`, …), nil: none yet.
    public var lastNotification: AlertLogEntry?
    /// Per channel, the outbox row of the message that carried `lastNotification`.
    public var deliveries: [Delivery]

    public struct Delivery: Sendable, Equatable {
        public var channel: String
        public var state: State
        public var attempts: Int
        public var lastError: String?
        /// When it was delivered, dead-lettered, or is next tried.
        public var at: Date

        public enum State: String, Sendable, Equatable {
            case delivered, pending
            case deadLettered = "dead_lettered"
        }
    }
}

extension Store {
    /// Every alert that is firing or pending, worst first, with its last notification and the
    /// delivery state of that notification per channel — in one read.
    public func alertStatuses() async throws(StoreError) -> [AlertStatus] {
        do {
            return try await pool.read { db in
                let records = AlertRecord.records(
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM alert_state WHERE phase != 'inactive' ORDER BY check_id, resource"))
                return try records.map { record in
                    let entry = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT * FROM alert_log
                            WHERE check_id = ? AND resource = ? AND silenced_by IS NULL AND group_key IS NOT NULL
                            ORDER BY ts DESC, id DESC LIMIT 1
                            """,
                        arguments: [record.check.rawValue, record.resource]
                    ).map(AlertLogEntry.init(row:))
                    var deliveries: [AlertStatus.Delivery] = []
                    if let key = entry?.groupKey {
                        deliveries = try Row.fetchAll(
                            db, sql: "SELECT * FROM outbox WHERE idempotency_key = ? ORDER BY channel",
                            arguments: [key]
                        ).map(OutboxRow.init).map { row in
                            let state: AlertStatus.Delivery.State =
                                row.deliveredAt != nil
                                ? .delivered : row.deadLetteredAt != nil ? .deadLettered : .pending
                            return AlertStatus.Delivery(
                                channel: row.channel, state: state, attempts: row.attempts, lastError: row.lastError,
                                at: row.deliveredAt ?? row.deadLetteredAt ?? row.nextAttemptAt)
                        }
                    }
                    return AlertStatus(record: record, lastNotification: entry, deliveries: deliveries)
                }
                .sorted { a, b in
                    func key(_ r: AlertRecord) -> (Int, Int, CheckID, String) {
                        (r.phase == .firing ? 0 : 1, -r.severity.badness, r.check, r.resource)
                    }
                    return key(a.record) < key(b.record)
                }
            }
        } catch {
            throw StoreError(path: path, operation: "read alert statuses", message: "\(error)")
        }
    }
}

extension AlertRecord {
    /// The flip times as the `flips` column holds them: a JSON array of epoch milliseconds
    /// (`[1795000000000,1795000300000]`), written without building a JSONEncoder per record.
    static func encodeFlips(_ millis: [Int64]) -> String {
        "[" + millis.map(String.init).joined(separator: ",") + "]"
    }

    /// Reads the `flips` column: the compact form `encodeFlips` writes directly, anything else
    /// (white space, a store written by hand) through JSONDecoder; unreadable is no flips.
    static func decodeFlips(_ text: String) -> [Int64] {
        if text.hasPrefix("["), text.hasSuffix("]") {
            let inner = text.dropFirst().dropLast()
            if inner.isEmpty { return [] }
            let parts = inner.split(separator: ",", omittingEmptySubsequences: false).map { Int64($0) }
            if parts.allSatisfy({ $0 != nil }) { return parts.map { $0! } }
        }
        return (try? JSONDecoder().decode([Int64].self, from: Data(text.utf8))) ?? []
    }
}

/// Where each column of a statement's rows is, by name: GRDB's lookup by name lowercases every
/// column name on every read, which for the alert states (30 columns, every state every cycle)
/// was 3 % of a 1,000-bucket cycle.
struct ColumnPositions: Sendable {
    fileprivate var positions: [String: Int] = [:]
    init(_ row: Row) {
        for (position, name) in row.columnNames.enumerated() where positions[name] == nil {
            positions[name] = position
        }
    }
}

/// A row read by column name through `ColumnPositions` (GRDB's own lookup for a name it does
/// not hold).
struct PositionedRow {
    let row: Row
    let positions: ColumnPositions

    @_disfavoredOverload
    subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value {
        if let position = positions.positions[name] { return row[position] }
        return row[name]
    }

    subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value? {
        if let position = positions.positions[name] { return row[position] }
        return row[name]
    }
}
