import Foundation
import MnemondModel
import MnemondNotify
import MnemondStore
import Testing

/// Alert identity lives in the store: a restart (a new process opening the same file) continues
/// the episode instead of announcing it as new.
@Suite struct PersistenceTests {
    @Test func identitySurvivesARestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mnemond-notify-\(UUID().uuidString)/m.sqlite"
        ).path
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["sns", "slack"])
        var store = try Store.open(path: path)
        _ = try await pipeline.run(findings: [finding("C")], store: store, now: t0)
        let fired = try await pipeline.run(findings: [finding("C")], store: store, now: t0 + 300)
        let firingKey = try #require(fired.message?.items.first?.idempotencyKey)
        #expect(try await store.outboxRows().count == 2)

        // "Restart": a new Store on the same file, days later, the finding still there.
        store = try Store.open(path: path)
        let later = try await pipeline.run(findings: [finding("C")], store: store, now: t0 + 600)
        #expect(later.message == nil, "a restart must not re-announce a firing alert")
        let records = try await store.alertRecords()
        #expect(records.count == 1)
        #expect(records[0].episode == 1)
        #expect(records[0].firingKey == firingKey)
        #expect(records[0].phase == .firing)

        // Only the repeat interval brings it back, as a repeat of the same episode.
        let repeated = try await pipeline.run(findings: [finding("C")], store: store, now: t0 + 300 + 4 * 3600)
        #expect(repeated.message?.items.map(\.kind) == [.repeat])
        #expect(repeated.message?.items.first?.episode == 1)

        // The resolve refers to the original firing notification.
        store = try Store.open(path: path)
        let resolved = try await pipeline.run(findings: [finding("O")], store: store, now: t0 + 5 * 3600)
        #expect(resolved.message?.items.first?.resolves == firingKey)
        let log = try await store.alertLog(check: "s3.lifecycle.noncurrent", resource: "mne-media-replica")
        #expect(log.map(\.kind) == ["firing", "repeat-1", "resolved"])
        #expect(try await store.outboxRows().count == 6)
    }

    @Test func stateAndOutboxAreWrittenTogether() async throws {
        let store = try temporaryStore()
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["slack"])
        _ = try await pipeline.run(findings: [finding("C")], store: store, now: t0)
        let plan = try await pipeline.run(findings: [finding("C")], store: store, now: t0 + 300)
        let records = try await store.alertRecords()
        let rows = try await store.outboxRows()
        #expect(records.first?.notifiedEpisode == 1)
        #expect(rows.map(\.idempotencyKey) == [plan.message?.idempotencyKey])
        #expect(try AlertMessage.decode(rows[0].payload) == plan.message)
        // Writing the same message twice keeps one row per channel.
        try await store.commitAlerts(plan.commit)
        #expect(try await store.outboxRows().count == 1)
        let summary = try await store.outboxSummary()
        #expect(summary.pending == 1)
        #expect(summary.oldestPending == t0 + 300)
    }

    @Test func silencesAreStoredListedAndRemoved() async throws {
        let store = try temporaryStore()
        let silence = try await store.addSilence(
            check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", startsAt: t0, endsAt: t0 + 7200,
            reason: "lifecycle migration", createdBy: "ops")
        #expect(try await store.silences(activeAt: t0 + 60).map(\.id) == [silence.id])
        #expect(try await store.silences(activeAt: t0 + 7200).isEmpty)
        let removed = try await store.removeSilence(silence.id, at: t0 + 120)
        #expect(removed?.removedAt == t0 + 120)
        #expect(try await store.silences(activeAt: t0 + 180).isEmpty)
        #expect(try await store.silences(activeAt: t0 + 180, includeInactive: true).count == 1)
        #expect(try await store.removeSilence(99, at: t0) == nil)
    }
}
