import Foundation
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// The recoverability ledger against the simulated estate, as a timeline: each case seeds the
/// estate at a pinned instant (`--now`), applies one fault and runs cycles whose clock is injected,
/// then asserts the exact findings and `recovery_rpo_seconds` values.
@Suite(.serialized, .timeLimit(.minutes(15))) struct LedgerAcceptanceTests {
    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    static func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        utc.date(from: DateComponents(year: 2026, month: 11, day: day, hour: hour, minute: minute))!
    }

    struct Cycle {
        /// "check resource" → finding.
        var findings: [String: Finding]
        /// `scenario-N` → recovery_rpo_seconds.
        var rpo: [String: Double]
        var apiCalls: Int
        /// AWS Backup calls of the cycle.
        var backupCalls: Int
        /// vault → the store's cursor after the cycle.
        var cursors: [String: RecoveryPointCursor]
        /// bucket → s3_versioning_enabled sampled by the cycle.
        var versioning: [String: Double] = [:]

        func ledger() -> [String: Finding] {
            findings.filter { key, _ in
                [
                    "recovery.rpo ", "recovery.rpo_design ", "backup.absence ", "backup.dr_pairing ",
                    "backup.retention_guard ",
                ]
                .contains { key.hasPrefix($0) }
            }
        }
    }

    /// One full cycle with the checks' clock at `now`, in a fresh store (or the store at `dbPath`,
    /// kept from earlier cycles), after writing `seed` into it.
    static func cycle(
        _ simulator: AWSSimulator, now: Date, dbPath: String? = nil, seed: [Sample] = []
    ) async throws -> Cycle {
        let config = try Config.load(path: repoConfig)
        var options = RuntimeOptions(
            dbPath: dbPath ?? temporaryDirectory().appendingPathComponent("m.sqlite").path,
            environment: simulator.environment)
        options.now = { now }
        let runtime = try Runtime.build(config: config, options: options)
        defer { Task { await runtime.shutdown() } }
        if !seed.isEmpty { try await runtime.store.insertSamples(seed) }
        let outcome = try await runtime.runCycle()
        var findings: [String: Finding] = [:]
        for f in outcome.findings { findings["\(f.check) \(f.resource)"] = f }
        var rpo: [String: Double] = [:]
        for sample in try await runtime.store.samples(
            series: .recoveryRPOSeconds, since: now.addingTimeInterval(-60))
        {
            rpo[sample.labels["scenario"]!] = sample.value
        }
        var cursors: [String: RecoveryPointCursor] = [:]
        for (vault, region) in [
            ("eks-mnemonica-prod-vault", "eu-west-1"), ("eks-mnemonica-prod-vault-dr", "eu-west-3"),
        ] {
            cursors[vault] = try await runtime.store.recoveryPointCursor(vault: vault, region: region)
        }
        var versioning: [String: Double] = [:]
        for sample in try await runtime.store.samples(
            series: .s3VersioningEnabled, since: now.addingTimeInterval(-60))
        {
            versioning[sample.labels["bucket"]!] = sample.value
        }
        return Cycle(
            findings: findings, rpo: rpo, apiCalls: outcome.apiCalls.values.reduce(0, +),
            backupCalls: outcome.apiCalls["backup"] ?? 0, cursors: cursors, versioning: versioning)
    }

    static let ledgerIDs = [
        "recovery.rpo scenario-1", "recovery.rpo scenario-2", "recovery.rpo scenario-3",
        "recovery.rpo_design eks-mnemonica-6h-snapshots-180d", "backup.absence eks-mnemonica-prod",
        "backup.dr_pairing eks-mnemonica-prod-vault-dr", "backup.retention_guard eks-mnemonica-prod-vault",
        "backup.retention_guard eks-mnemonica-prod-vault-dr",
    ]

    /// 14:00: the 12:00 run completed (~12:20) and its copy landed (~13:00); PITR trails 3 min.
    @Test func theHealthyTargetIsWithinEveryPromiseWithNoFinding() async throws {
        let now = Self.at(25, 14)
        let simulator = try await AWSSimulator.start(state: .target, now: now)
        defer { Task { await simulator.stop() } }
        let cycle = try await Self.cycle(simulator, now: now)
        let ledger = cycle.ledger()
        #expect(Set(ledger.keys) == Set(Self.ledgerIDs))
        #expect(ledger.values.allSatisfy { $0.state == .ok }, "\(ledger.values.filter { $0.state != .ok })")
        #expect(cycle.rpo == ["scenario-1": 180, "scenario-2": 7200, "scenario-3": 7200])
        #expect(
            ledger["recovery.rpo scenario-3"]?.message
                == "Scenario 3 — region loss: RPO 2 h, promise ≤ 6 h (limit 14 h with the plan's start window 1 h, "
                + "completion window 6 h, copy grace 60 min), newest DR copy of 2026-11-25 12:00 UTC in "
                + "eks-mnemonica-prod-vault-dr")
        #expect(
            ledger["backup.absence eks-mnemonica-prod"]?.message
                == "eks-mnemonica-prod: every scheduled run left a recovery point; next recovery point due by "
                + "2026-11-25 19:00 UTC (+1 h)")
        #expect(ledger["recovery.rpo_design eks-mnemonica-6h-snapshots-180d"]?.found == "worst 14 h")
    }

    /// Copies stopped 14 h ago (00:00, 06:00 and 12:00 have no DR copy) while backups continue.
    @Test func copiesStoppedFor14HoursBreachScenario3AndNotScenario2() async throws {
        let now = Self.at(25, 14)
        let simulator = try await AWSSimulator.start(state: .target, faults: ["dr-vault-stale"], now: now)
        defer { Task { await simulator.stop() } }
        let cycle = try await Self.cycle(simulator, now: now)
        #expect(cycle.rpo["scenario-2"] == 7200)
        #expect(cycle.rpo["scenario-3"] == 72_000)
        #expect(cycle.findings["recovery.rpo scenario-2"]?.state == .ok)
        let s3 = cycle.findings["recovery.rpo scenario-3"]
        #expect(s3?.state == .critical)
        #expect(
            s3?.message
                == "Scenario 3 — region loss: RPO 20 h, promise ≤ 6 h (limit 14 h with the plan's start window 1 h, "
                + "completion window 6 h, copy grace 60 min), newest DR copy of 2026-11-24 18:00 UTC in "
                + "eks-mnemonica-prod-vault-dr")
        let pairing = cycle.findings["backup.dr_pairing eks-mnemonica-prod-vault-dr"]
        #expect(pairing?.state == .critical)
        #expect(
            pairing?.message.hasPrefix(
                "eks-mnemonica-prod-vault-dr: 3 primary recovery points of eks-mnemonica-prod-vault without a DR copy "
                    + "after 60 min — 2026-11-25 12:00 UTC (no copy job), 2026-11-25 06:00 UTC (no copy job), "
                    + "2026-11-25 00:00 UTC (no copy job)") == true, "\(pairing?.message ?? "")")
    }

    /// Seeded at 09:00 with the runs of 18:00, 00:00 and 06:00 leaving nothing (no FAILED job).
    /// Inside the 18:00 run's start window + grace nothing is said; the first cycle after it the
    /// absence is critical; at 09:00 it lists all three.
    @Test func threeMissingRunsAreAnAbsenceOnlyAfterTheirDueTimeAndGrace() async throws {
        let seeded = Self.at(25, 9)
        let simulator = try await AWSSimulator.start(state: .target, faults: ["last-3-runs-missing"], now: seeded)
        defer { Task { await simulator.stop() } }
        let inside = try await Self.cycle(simulator, now: Self.at(24, 19, 55))
        #expect(inside.findings["backup.absence eks-mnemonica-prod"]?.state == .ok)
        let first = try await Self.cycle(simulator, now: Self.at(24, 20, 5))
        #expect(first.findings["backup.absence eks-mnemonica-prod"]?.state == .critical)
        #expect(first.findings["backup.absence eks-mnemonica-prod"]?.found == "1 missed")
        let later = try await Self.cycle(simulator, now: seeded)
        let absence = later.findings["backup.absence eks-mnemonica-prod"]
        #expect(absence?.state == .critical)
        #expect(
            absence?.message
                == "eks-mnemonica-prod: no recovery point or job for 3 scheduled runs of cron(0 */6 * * ? *) "
                + "(2026-11-24 18:00 UTC, 2026-11-25 00:00 UTC, 2026-11-25 06:00 UTC) and no job failed; the last was "
                + "due by 2026-11-25 07:00 UTC (+1 h); next recovery point due by 2026-11-25 13:00 UTC (+1 h)")
        // The newest point is the run of 12:00 the day before.
        #expect(later.rpo["scenario-2"] == Double(21 * 3600))
    }

    /// Three points of 2026-11-05 had their lifecycle cut to 35 days.
    @Test func pointsExpiringBeforeTheirRetentionAreNamed() async throws {
        let now = Self.at(25, 14)
        let simulator = try await AWSSimulator.start(state: .target, faults: ["points-expire-early"], now: now)
        defer { Task { await simulator.stop() } }
        let cycle = try await Self.cycle(simulator, now: now)
        let guardFinding = cycle.findings["backup.retention_guard eks-mnemonica-prod-vault"]
        #expect(guardFinding?.state == .warning)
        #expect(guardFinding?.found == "3 early")
        let message = guardFinding?.message ?? ""
        #expect(message.hasPrefix("eks-mnemonica-prod-vault: 3 recovery points expire before 180 d — arn:aws:rds:"))
        for hour in ["00", "06", "12"] {
            #expect(message.contains("(created 2026-11-05 \(hour):00 UTC, deleted 2026-12-10 \(hour):00 UTC)"))
        }
        #expect(cycle.findings["backup.retention_guard eks-mnemonica-prod-vault-dr"]?.state == .ok)
    }

    /// Every job of the last 179 days FAILED: the newest restorable point (2026-05-30 12:00) is
    /// deleted by its 180-day lifecycle in 24 h.
    @Test func failingFor179DaysTheLastRestorablePointExpiringIsCritical() async throws {
        let now = Self.at(25, 12)
        let simulator = try await AWSSimulator.start(state: .target, faults: ["jobs-failing-179d"], now: now)
        defer { Task { await simulator.stop() } }
        let cycle = try await Self.cycle(simulator, now: now)
        let guardFinding = cycle.findings["backup.retention_guard eks-mnemonica-prod-vault"]
        #expect(guardFinding?.state == .critical)
        #expect(
            guardFinding?.message.hasPrefix(
                "eks-mnemonica-prod-vault: if no backup succeeds from now on, Scenario 2 loses its last restorable "
                    + "point on 2026-11-26 12:00 UTC (in 1 d) and the newest backup job FAILED") == true,
            "\(guardFinding?.message ?? "")")
        #expect(guardFinding?.found == "last point expires in 1 d")
        #expect(cycle.rpo["scenario-2"] == Double(179 * 86_400))
        #expect(cycle.findings["backup.absence eks-mnemonica-prod"]?.state == .ok)
    }

    /// 90 days ago the 12:00 point is gone and the 18:00 run started an hour late.
    @Test func aThirteenHourGapNinetyDaysAgoIsListedWithItsNeighbours() async throws {
        let now = Self.at(25, 14)
        let simulator = try await AWSSimulator.start(state: .target, faults: ["primary-gap-13h-90d"], now: now)
        defer { Task { await simulator.stop() } }
        let cycle = try await Self.cycle(simulator, now: now)
        let coverage = cycle.findings["backup.coverage eks-mnemonica-prod-vault"]
        #expect(coverage?.state == .warning)
        #expect(
            coverage?.message.contains(
                "1 gap longer than 6 h (+1 h grace) in the last 180 d — 2026-08-27 06:00 UTC → 2026-08-27 19:00 UTC (13 h)"
            )
                == true, "\(coverage?.message ?? "")")
        #expect(cycle.ledger().values.allSatisfy { $0.state == .ok })
    }

    /// The store keeps the recovery points: the first cycle lists both vaults in full, the next
    /// ones (5 min and 23 h later) only what is new — and the coverage check, reading the kept
    /// points, still lists the gap of 90 days ago. A day after the full listing the next one is
    /// full again. The AWS calls per cycle stay those of a full listing (one page per vault), less
    /// what the store keeps for a day.
    @Test func recoveryPointsAreKeptAndListedIncrementallyWithADailyReconciliation() async throws {
        let now = Self.at(25, 14)
        let simulator = try await AWSSimulator.start(state: .target, faults: ["primary-gap-13h-90d"], now: now)
        defer { Task { await simulator.stop() } }
        let db = temporaryDirectory().appendingPathComponent("m.sqlite").path
        let gap =
            "1 gap longer than 6 h (+1 h grace) in the last 180 d — 2026-08-27 06:00 UTC → 2026-08-27 19:00 UTC (13 h)"

        let first = try await Self.cycle(simulator, now: now, dbPath: db)
        #expect(first.cursors["eks-mnemonica-prod-vault"]?.lastFullAt == now)
        #expect(first.cursors["eks-mnemonica-prod-vault-dr"]?.lastFullAt == now)
        // The newest points: the 12:00 run in both vaults.
        #expect(first.cursors["eks-mnemonica-prod-vault"]?.newestCreatedAt == Self.at(25, 12))
        #expect(first.findings["backup.coverage eks-mnemonica-prod-vault"]?.message.contains(gap) == true)

        let incremental = try await Self.cycle(simulator, now: now.addingTimeInterval(300), dbPath: db)
        #expect(incremental.cursors["eks-mnemonica-prod-vault"]?.lastFullAt == now, "not listed in full again")
        let coverage = incremental.findings["backup.coverage eks-mnemonica-prod-vault"]
        #expect(coverage?.state == .warning)
        #expect(coverage?.message == first.findings["backup.coverage eks-mnemonica-prod-vault"]?.message)
        #expect(incremental.rpo == first.rpo.mapValues { $0 + 300 })
        #expect(incremental.ledger().mapValues(\.state) == first.ledger().mapValues(\.state))
        #expect(incremental.ledger().values.allSatisfy { $0.state == .ok })
        // The same calls, less what the store keeps for a day: the storage type listings
        // (ListMetrics, one per bucket region) and the settled answers (the plan's version and its
        // selection, the four buckets' regions, the recovery operator's managed policy version, the
        // source DB instance's parameter group family).
        #expect(incremental.backupCalls == first.backupCalls - 2)
        #expect(incremental.apiCalls == first.apiCalls - 3 - 8)

        let nextDay = try await Self.cycle(simulator, now: now.addingTimeInterval(86_400), dbPath: db)
        #expect(nextDay.cursors["eks-mnemonica-prod-vault"]?.lastFullAt == now.addingTimeInterval(86_400))
        #expect(nextDay.findings["backup.coverage eks-mnemonica-prod-vault"]?.message.contains(gap) == true)
        print(
            "api calls per cycle: full \(first.apiCalls) (backup \(first.backupCalls)), incremental "
                + "\(incremental.apiCalls) (backup \(incremental.backupCalls))")
    }

    /// Versioning of mne-media-prod was Suspended from 08:00 to 10:00 (sampled every 15 min) and is
    /// Enabled again: Scenario 1 reports the 2-hour gap with its boundaries, as a warning.
    @Test func versioningSuspendedForTwoHoursIsAScenario1GapWithItsBoundaries() async throws {
        let now = Self.at(25, 14)
        let simulator = try await AWSSimulator.start(state: .target, now: now)
        defer { Task { await simulator.stop() } }
        let seed = stride(from: 2 * 86_400.0, to: 0, by: -900).map { secondsAgo -> Sample in
            let time = now.addingTimeInterval(-secondsAgo)
            let suspended = time >= Self.at(25, 8) && time < Self.at(25, 10)
            return Sample(
                series: .s3VersioningEnabled, labels: ["bucket": "mne-media-prod"], time: time,
                value: suspended ? 0 : 1)
        }
        let cycle = try await Self.cycle(simulator, now: now, seed: seed)
        let s1 = cycle.findings["recovery.rpo scenario-1"]
        #expect(s1?.state == .warning)
        #expect(
            s1?.message
                == "Scenario 1 — deleted file 0-35 d: RPO 3 min, promise < 1 min — mne-media-prod versioning was not "
                + "Enabled from 2026-11-25 08:00 UTC to 2026-11-25 10:00 UTC (2 h): objects overwritten or deleted "
                + "then may have no earlier version")
        #expect(s1?.found == "3 min")
        // The PITR part of the scenario is unchanged, and this cycle sampled versioning Enabled.
        #expect(cycle.rpo == ["scenario-1": 180, "scenario-2": 7200, "scenario-3": 7200])
        #expect(cycle.versioning["mne-media-prod"] == 1)
        #expect(cycle.versioning["mne-vault-prod"] == 1)
        #expect(cycle.findings["recovery.rpo scenario-2"]?.state == .ok)
    }
}
