import Foundation
import MnemondBenchData
import MnemondModel
import MnemondReport
import MnemondStore
import MnemondTestSupport
import Testing

/// `mnemond report` against a store filled with a generated week (MnemondBenchData/ReportWeek.swift): the
/// numbers it prints are the ones computed from what was generated.
@Suite(.serialized, .timeLimit(.minutes(15))) struct ReportTests {
    /// A fresh copy of the generated fortnight's store (generated once per test run); returns the
    /// fixture and the copy's path.
    static func generatedStore() async throws -> (week: ReportWeek, db: String, directory: URL) {
        let (week, template) = try await GeneratedStore.shared.template()
        let directory = temporaryDirectory()
        let db = directory.appendingPathComponent("mnemond.sqlite").path
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: template + suffix) {
            try FileManager.default.copyItem(atPath: template + suffix, toPath: db + suffix)
        }
        return (week, db, directory)
    }

    static func decode(_ json: String) throws -> RecoveryReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(RecoveryReport.self, from: Data(json.utf8))
    }

    @Test func aGeneratedWeekRendersTheNumbersComputedFromIt() async throws {
        let (w, db, _) = try await Self.generatedStore()
        let result = try await CLI.run(["report", "--config", repoConfig, "--db", db, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let r = try Self.decode(result.stdout)

        // The period: the last ISO week in Europe/Rome.
        #expect(r.period.start == w.period.start && r.period.end == w.period.end)
        #expect(r.period.timeZone == "Europe/Rome")

        // Verdict: CRITICAL from Wed 13:00 to 16:10 is the only loss of recoverability.
        #expect(!r.verdict.recoverable)
        #expect(r.verdict.criticalSeconds == w.criticalEnd.timeIntervalSince(w.criticalStart))
        #expect(
            r.verdict.line.hasPrefix(
                "Not recoverable as promised for 3 h 10 min on Wed — backup.job_freshness eks-mnemonica-prod"),
            "\(r.verdict.line)")
        #expect(r.verdict.unmonitoredSeconds == w.gapSeconds)

        // Monitoring: one 95-minute gap, every other 5-minute cycle recorded.
        #expect(r.monitoring.gaps.count == 1)
        #expect(r.monitoring.gaps.first?.start == w.gapStart - ReportWeek.step)
        #expect(r.monitoring.cycles == w.cycles.filter { $0 >= w.period.start && $0 < w.period.end }.count)

        // Compliance: the backup area is OK until the job failed on Wed 12:05 and not after
        // (the coverage warning lasts to the end); the gap is not counted either way.
        let backup = try #require(r.areas.first { $0.area == "backup" })
        let backupOK = w.failedAt.timeIntervalSince(w.period.start) / w.observedSeconds
        #expect(abs((backup.okFraction ?? -1) - backupOK) < 1e-9, "\(backup.okFraction ?? -1) vs \(backupOK)")
        #expect(backup.observedSeconds == w.observedSeconds)
        let freshness = try #require(backup.checks.first { $0.check == "backup.job_freshness" })
        #expect(abs((freshness.okFraction ?? -1) - (1 - 11400 / w.observedSeconds)) < 1e-9)
        // s3.object_lock is CRITICAL but accepted: the S3 area stays OK.
        #expect(r.areas.first { $0.area == "s3" }?.okFraction == 1)
        #expect(r.areas.map(\.area) == ["rds", "backup", "s3", "alerting"])

        // Incidents, worst first: the critical one notified and delivered, the warning silenced,
        // the coverage warning still going at the end of the week.
        #expect(
            r.incidents.map { "\($0.severity) \($0.check) \($0.resource)" } == [
                "CRITICAL backup.job_freshness eks-mnemonica-prod",
                "WARNING backup.job_failures eks-mnemonica-prod",
                "WARNING backup.coverage eks-mnemonica-prod-vault",
            ])
        let critical = r.incidents[0]
        #expect(critical.start == w.criticalStart && critical.end == w.criticalEnd)
        #expect(critical.durationSeconds == 11400)
        #expect(critical.notification.outcome == .delivered)
        #expect(critical.notification.channels == ["slack", "sns"])
        #expect(critical.notification.detail == "firing, resolved delivered via slack+sns")
        #expect(r.incidents[1].notification.outcome == .silenced)
        #expect(r.incidents[1].durationSeconds == w.failuresEnd.timeIntervalSince(w.failedAt))
        #expect(r.incidents[2].end == nil)
        // An incident's duration is wall time: the monitoring gap inside it is included.
        #expect(r.incidents[2].durationSeconds == w.period.end.timeIntervalSince(w.coverageWarningFrom))

        // Measured RPO against independently computed nearest-rank percentiles.
        let pitrValues = w.inWeek(w.pitr)
        let pitr = try #require(r.rpo.first { $0.kind == .pitr })
        #expect(pitr.subject == "eks-mnemonica-prod")
        #expect(pitr.samples == pitrValues.count)
        #expect(pitr.p50Seconds == ReportWeek.percentile(pitrValues, 0.5))
        #expect(pitr.p95Seconds == ReportWeek.percentile(pitrValues, 0.95))
        #expect(pitr.maxSeconds == pitrValues.max())
        #expect(pitr.state == .ok)
        for vault in [ReportWeek.vault, ReportWeek.drVault] {
            let ages = w.inWeek(w.snapshotAge[vault]!)
            let line = try #require(r.rpo.first { $0.kind == .snapshot && $0.subject == vault })
            #expect(line.maxSeconds == ages.max())
            #expect(line.p95Seconds == ReportWeek.percentile(ages, 0.95))
        }
        // The failed job left 10 h 8 min without a new point in the primary vault: over 7 h.
        #expect(r.rpo.first { $0.subject == ReportWeek.vault }?.state == .critical)
        for (pair, values) in w.replication {
            let line = try #require(r.rpo.first { $0.kind == .replication && $0.subject == pair })
            let week = w.inWeek(values)
            #expect(line.p95Seconds == ReportWeek.percentile(week, 0.95))
            #expect(line.maxSeconds == week.max())
            #expect(line.state == (week.max()! > 900 ? .warning : .ok), "\(pair)")
        }

        // Jobs: every COMPLETED job of the week, the one FAILED job (not the old one that aged out).
        #expect(r.jobs.completed == w.completedInWeek)
        #expect(r.jobs.failedByState == ["FAILED": 1])
        #expect(r.jobs.successRate == Double(w.completedInWeek) / Double(w.completedInWeek + 1))
        #expect(r.jobs.newRecoveryPoints[ReportWeek.vault] == w.completedInWeek)
        #expect(r.jobs.newRecoveryPoints[ReportWeek.drVault] == w.copiesInWeek)

        // Coverage of the 180-day window.
        let coverage = try #require(r.coverage.first { $0.vault == ReportWeek.vault })
        #expect(coverage.stateAtEnd == .warning)
        #expect(coverage.found == "largest gap 10 h, oldest 179 d 23 h")
        #expect(coverage.largestGapSeconds == w.inWeek(w.largestGap[ReportWeek.vault]!).last)

        // Storage per bucket and class, with the week's change.
        let media = try #require(r.storage.first { $0.bucket == "mne-media-prod" })
        #expect(media.storageType == "IntelligentTieringFAStorage")
        #expect(media.bytesAtEnd == w.bytes("mne-media-prod", before: w.period.end))
        #expect(media.bytesAtStart == w.bytes("mne-media-prod", before: w.period.start))
        #expect(media.change == media.bytesAtEnd! - media.bytesAtStart!)
        #expect(media.bytesAtEnd! - media.bytesAtStart! == 7 * 10 * 1_073_741_824.0, "\(media)")

        // Accepted risk, maintenance, trend.
        #expect(r.acceptedRisks.map(\.check) == ["s3.object_lock"])
        #expect(r.acceptedRisks.first?.waived == ["mne-media-replica": .critical])
        #expect(r.acceptedRisks.first?.status == "no expiry")
        let primaryRestore = try #require(r.maintenance.first { $0.task.contains("eu-west-1") })
        #expect(primaryRestore.lastDone == w.restoreAt && primaryRestore.status == .ok)
        let drTest = try #require(r.maintenance.first { $0.task.contains("eu-west-3") })
        #expect(drTest.lastDone == w.drRestore && drTest.status == .dueSoon && drTest.cadence == "quarterly")
        let trend = try #require(r.trend.first { $0.metric == "Not recoverable (CRITICAL)" })
        #expect(trend.previous == "0 s" && trend.current == "3 h 10 min" && trend.better == false)
        #expect(r.trend.first { $0.metric == "Failed backup jobs" }?.previous == "1")  // the ABORTED one
    }

    @Test func textAndHTMLShowTheVerdictAndTheHTMLFetchesNothing() async throws {
        let (_, db, _) = try await Self.generatedStore()
        let text = try await CLI.run(["report", "--db", db, "--week"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("✗ Not recoverable as promised for 3 h 10 min on Wed"), "\(text.stdout)")
        #expect(text.stdout.contains("CRITICAL  "))
        let html = try await CLI.run(["report", "--db", db, "--format", "html"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(html.stdout.contains("Not recoverable as promised for 3 h 10 min on Wed"))
        for forbidden in ["<script", "src=", "href=", "url(", "@import", "<link", "<img", "<style"] {
            #expect(!html.stdout.lowercased().contains(forbidden), "the HTML contains \(forbidden)")
        }
    }

    @Test func badPeriodArgumentsAreUsageErrors() async throws {
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("none.sqlite").path
        let cases: [([String], String)] = [
            (["--until", "2026-11-16"], "--until needs --since"),
            (["--since", "2026-11-23", "--until", "2026-11-16"], "--until must be after --since"),
            (["--since", "16/11/2026", "--until", "2026-11-23"], "--since \"16/11/2026\": use a duration"),
            (
                ["--week", "--since", "2026-11-16", "--until", "2026-11-23"],
                "--week and --since/--until exclude each other"
            ),
        ]
        for (arguments, message) in cases {
            let result = try await CLI.run(["report", "--db", db] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        let missing = try await CLI.run(["report", "--db", db])
        #expect(missing.status == 74)
    }
}

/// The generated fortnight, written once: every test gets a copy of the file.
actor GeneratedStore {
    static let shared = GeneratedStore()
    private var made: (ReportWeek, String)?

    func template() async throws -> (ReportWeek, String) {
        if let made { return made }
        let path = temporaryDirectory().appendingPathComponent("template.sqlite").path
        var week = ReportWeek(now: Date())
        do {
            // Closed at the end of the block: the copies are taken from a store nobody writes.
            let store = try Store.open(path: path)
            try await week.write(to: store)
        }
        made = (week, path)
        return (week, path)
    }
}
