import Foundation
import MnemondChecks
import MnemondConfig
import MnemondModel
import MnemondNotify
import MnemondStore

// MARK: Silences and status (the executable's `silence` commands and `status` call these)

/// A `silence` command that cannot be done: a usage problem (exit 64) or the store (exit 74).
public enum AlertingCommandError: Error, Sendable, CustomStringConvertible {
    case usage(String)
    case store(StoreError)

    public var description: String {
        switch self {
        case .usage(let text): text
        case .store(let error): "\(error)"
        }
    }
}

/// `mnemond silence add|list|remove`: maintenance windows in the store, which the running daemon
/// reads at every cycle (no reload needed).
public enum SilenceCommands {
    /// Adds a silence and says what it covers and until when.
    public static func add(
        store: Store, check: String, resource: String?, duration: String, reason: String, createdBy: String, now: Date
    ) async throws(AlertingCommandError) -> String {
        let id = CheckID(check)
        guard Catalog.check(id) != nil else {
            var message = "unknown check \"\(check)\""
            if let hint = suggestion(for: check, among: Catalog.all.map(\.id.rawValue)) {
                message += " (did you mean \"\(hint)\"?)"
            }
            throw .usage(message + " — `mnemond check --json` lists the check IDs")
        }
        guard let length = DurationText.parse(duration), length > .zero else {
            throw .usage("--for must be a duration like 30m, 2h or 1d, found \"\(duration)\"")
        }
        guard length <= .seconds(30 * 86400) else {
            throw .usage("--for is at most 30d; a longer waiver is an accepted risk (accepted_risks in the config)")
        }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw .usage("--reason must say why (it is shown with every silenced alert)") }
        let silence: Silence
        do {
            silence = try await store.addSilence(
                check: id, resource: resource, startsAt: now,
                endsAt: now.addingTimeInterval(TimeInterval(length.components.seconds)),
                reason: why, createdBy: createdBy)
        } catch {
            throw .store(error)
        }
        return "silence #\(silence.id) added: \(describe(silence, now: now))\n"
    }

    /// Silences in force (or all, with `all`), newest first.
    public static func list(store: Store, all: Bool, now: Date) async throws(AlertingCommandError) -> String {
        let silences: [Silence]
        let records: [AlertRecord]
        do {
            silences = try await store.silences(activeAt: now, includeInactive: all)
            records = try await store.alertRecords()
        } catch {
            throw .store(error)
        }
        guard !silences.isEmpty else { return all ? "no silences\n" : "no silence in force\n" }
        var lines: [String] = []
        for silence in silences {
            let state = silence.isActive(at: now) ? "ACTIVE " : (silence.removedAt != nil ? "REMOVED" : "EXPIRED")
            lines.append("#\(silence.id)  \(state)  \(describe(silence, now: now))")
            for r in records where r.silencedBy == silence.id && r.phase != .inactive {
                lines.append("      holding back: \(r.severity) \(r.check) \(r.resource) (\(r.phase.rawValue))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Ends a silence now.
    public static func remove(store: Store, id: Int64, now: Date) async throws(AlertingCommandError) -> String {
        let silence: Silence?
        do {
            silence = try await store.removeSilence(id, at: now)
        } catch {
            throw .store(error)
        }
        guard let silence else { throw .usage("no silence #\(id) (`mnemond silence list --all` lists them)") }
        return "silence #\(silence.id) removed: \(describe(silence, now: now))\n"
    }

    static func describe(_ s: Silence, now: Date) -> String {
        let scope = "\(s.check) on \(s.resource ?? "every resource")"
        let until: String
        if let removed = s.removedAt {
            until = "removed \(Render.time(removed)) (was until \(Render.time(s.endsAt)))"
        } else if s.endsAt > now {
            until = "until \(Render.time(s.endsAt)) (\(DurationText.human(s.endsAt.timeIntervalSince(now))) left)"
        } else {
            until = "ended \(Render.time(s.endsAt))"
        }
        return "\(scope) \(until) by \(s.createdBy): \(s.reason)"
    }
}

/// The alerting lines of `mnemond status`: firing, pending and silenced alerts, silences in
/// force, and the outbox (pending and dead-lettered deliveries with the last error).
public enum AlertingStatus {
    public static func text(store: Store, now: Date) async -> String {
        let records: [AlertRecord]
        let silences: [Silence]
        let outbox: OutboxSummary
        do {
            records = try await store.alertRecords()
            silences = try await store.silences(activeAt: now)
            outbox = try await store.outboxSummary()
        } catch {
            return "alerting: unavailable (\(error))\n"
        }
        let firing = records.filter { $0.phase == .firing }
        let pending = records.filter { $0.phase == .pending }
        let silenced = records.filter { $0.silencedBy != nil && $0.phase != .inactive }
        var lines = [
            "alerting: \(firing.count) firing, \(pending.count) pending, \(silenced.count) silenced; outbox: \(outbox.pending) pending, \(outbox.deadLettered) dead-lettered"
        ]
        for r in firing + pending {
            var line =
                "  \(r.phase.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.severity.description.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.check) \(r.resource)"
            if let since = r.firingSince ?? r.badSince { line += " since \(Render.time(since))" }
            if r.phase == .firing { line += " (episode \(r.episode))" }
            if r.heldFlapping { line += " flapping" }
            if let id = r.silencedBy { line += " silenced by #\(id)" }
            lines.append(line)
        }
        for s in silences {
            lines.append("  silence #\(s.id): \(SilenceCommands.describe(s, now: now))")
        }
        if let oldest = outbox.oldestPending {
            lines.append(
                "  oldest undelivered: queued \(Render.time(oldest)) (\(DurationText.human(now.timeIntervalSince(oldest))) ago)"
            )
        }
        if let oldest = outbox.oldestDeadLettered {
            lines.append(
                "  DEAD-LETTERED since \(Render.time(oldest)): \(outbox.deadLettered) message(s) were not delivered for 24 h"
            )
        }
        if let error = outbox.lastError {
            lines.append("  last delivery error (\(outbox.lastErrorChannel ?? "?")): \(error)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
