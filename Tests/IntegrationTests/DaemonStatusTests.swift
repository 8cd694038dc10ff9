import Foundation
import MnemondCommands
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// `mnemond status` and `mnemond history` read what the daemon wrote: a real store in a temp
/// dir, the guide's policy from the shipped config, and the CLI as an operator runs it.
@Suite(.timeLimit(.minutes(15))) struct DaemonStatusTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_035_200)

    /// One cycle of the guide's estate; `replicaDays` is the measured media-replica window.
    static func cycle(at time: Date, replicaDays: Int = 180) -> CycleInput {
        func ok(_ check: CheckID, _ resource: String, found: String? = nil, expected: String? = nil) -> Finding {
            Finding(
                check: check, resource: resource, state: .ok, message: "\(resource): ok", expected: expected,
                found: found)
        }
        var findings = [
            ok("rds.pitr_lag", "eks-mnemonica-prod", found: "3 m", expected: "< 10 m"),
            ok("backup.job_freshness", "eks-mnemonica-prod"), ok("backup.copy", "eks-mnemonica-prod-vault-dr"),
            ok("s3.lifecycle.noncurrent", "mne-media-prod", found: "35 d", expected: "35 d"),
            ok("s3.lifecycle.noncurrent", "mne-vault-prod", found: "35 d", expected: "35 d"),
            ok("s3.lifecycle.noncurrent", "mne-vault-replica", found: "180 d", expected: "180 d"),
            ok("s3.replication.latency", "mne-media-prod"),
            Finding(
                check: "s3.object_lock", resource: "mne-media-replica", state: .warning,
                message: "mne-media-replica: Object Lock is off",
                acceptedRisk: AcceptedRisk(
                    check: "s3.object_lock", reason: "deferred until the buckets are recreated")),
        ]
        findings.append(
            replicaDays < 180
                ? Finding(
                    check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", state: .critical,
                    message:
                        "mne-media-replica: noncurrent versions expire after \(replicaDays) d; guide requires 180 d (Phase 2)",
                    expected: "180 d", found: "\(replicaDays) d",
                    runbook: "aws s3api put-bucket-lifecycle-configuration …")
                : ok("s3.lifecycle.noncurrent", "mne-media-replica", found: "180 d", expected: "180 d"))
        var samples = [
            Sample(series: .rdsPitrLagSeconds, labels: ["instance": "eks-mnemonica-prod"], time: time, value: 185),
            Sample(
                series: .rdsBackupRetentionDays, labels: ["instance": "eks-mnemonica-prod"], time: time, value: 35),
            Sample(
                series: .backupSnapshotRPOSeconds, labels: ["vault": "eks-mnemonica-prod-vault"], time: time,
                value: 7300),
            Sample(
                series: .backupSnapshotRPOSeconds, labels: ["vault": "eks-mnemonica-prod-vault-dr"], time: time,
                value: 18100),
            Sample(
                series: .s3ReplicationLatencySeconds, labels: ["bucket": "mne-media-prod"], time: time, value: 240),
        ]
        for (bucket, days) in [
            ("mne-media-prod", 35), ("mne-vault-prod", 35), ("mne-media-replica", replicaDays),
            ("mne-vault-replica", 180),
        ] {
            samples.append(
                Sample(
                    series: .s3LifecycleNoncurrentDays, labels: ["bucket": bucket], time: time, value: Double(days))
            )
        }
        return CycleInput(
            startedAt: time - 2, finishedAt: time, observations: [], samples: samples, findings: findings, apiCalls: 40)
    }

    func store() throws -> (Store, String) {
        let path = temporaryDirectory().appendingPathComponent("mnemond.sqlite").path
        return (try Store.open(path: path), path)
    }

    @Test func theHeadlineSaysHowFarBackWeCanRecover() async throws {
        let (store, _) = try store()
        let policy = try Config.load(path: repoConfig).policy
        try await store.recordCycle(Self.cycle(at: Self.t0))
        var report = try await StatusReport.load(store: store, policy: policy, now: Self.t0 + 30)
        #expect(
            report.headline?.text
                == "RECOVERABLE: PITR 0-35 d (lag 3 min 5 s), snapshots 0-180 d (newest 2 h 1 min), "
                + "DR copies 0-180 d (newest 5 h 1 min), versions 0-35 d, replicas 0-180 d (latency 4 min)")
        #expect(report.overall == .ok)
        #expect(report.staleSeconds == nil)

        try await store.recordCycle(Self.cycle(at: Self.t0 + 60, replicaDays: 15))
        report = try await StatusReport.load(store: store, policy: policy, now: Self.t0 + 90)
        #expect(
            report.headline?.text
                == "NOT RECOVERABLE AS PROMISED: PITR 0-35 d (lag 3 min 5 s), snapshots 0-180 d (newest 2 h 1 min), "
                + "DR copies 0-180 d (newest 5 h 1 min), versions 0-35 d, replicas 0-15 d (latency 4 min) CRITICAL")
        #expect(report.overall == .critical)
    }

    @Test func withoutAConfigTheHeadlineUsesWhatWasMeasured() async throws {
        let (store, _) = try store()
        try await store.recordCycle(Self.cycle(at: Self.t0, replicaDays: 15))
        let report = try await StatusReport.load(store: store, policy: nil, now: Self.t0)
        #expect(
            report.headline?.text
                == "NOT RECOVERABLE AS PROMISED: PITR 0-35 d (lag 3 min 5 s), versions 15-180 d kept CRITICAL")
    }

    @Test func staleDataIsSaidAndIsAtLeastUnknown() async throws {
        let (store, _) = try store()
        try await store.recordCycle(Self.cycle(at: Self.t0))
        // Default schedule: the shortest interval is 1 min, so stale after 3 min.
        let fresh = try await StatusReport.load(store: store, policy: nil, now: Self.t0 + 180)
        #expect(fresh.staleSeconds == nil)
        #expect(fresh.overall == .ok)
        let stale = try await StatusReport.load(store: store, policy: nil, now: Self.t0 + 181)
        #expect(stale.staleSeconds == 181)
        #expect(stale.overall == .unknown)
        let text = Render.statusText(stale, color: false)
        #expect(
            text.contains(
                "STALE — nothing written for 3 min 1 s (more than 3 × the shortest interval, 3 min): is `mnemond run` running?"
            )
        )
    }

    @Test func textGroupsByAreaShowsAcceptedRisksSilencesAndDeliveryAndColoursOnlyOnRequest() async throws {
        let (store, _) = try store()
        try await store.recordCycle(Self.cycle(at: Self.t0, replicaDays: 15))
        _ = try await store.addSilence(
            check: "s3.replication.latency", resource: "mne-media-prod", startsAt: Self.t0, endsAt: Self.t0 + 7200,
            reason: "replication rule change", createdBy: "alice")
        let report = try await StatusReport.load(store: store, policy: nil, now: Self.t0 + 60)
        let plain = Render.statusText(report, color: false)
        let lines = plain.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[1] == "CRITICAL — 1 critical, 8 ok, 1 accepted; last cycle 2026-09-22T00:00:00Z (1 min ago)")
        #expect(lines.filter { $0.hasPrefix("[") } == ["[backup]", "[rds]", "[s3]"])
        #expect(
            lines.contains { $0.hasPrefix("  CRITICAL  s3.lifecycle.noncurrent") && $0.contains("mne-media-replica") })
        #expect(lines.contains("      fix: aws s3api put-bucket-lifecycle-configuration …"))
        #expect(lines.contains { $0.hasPrefix("  ACCEPTED  s3.object_lock") })
        #expect(
            lines.contains("  s3.object_lock mne-media-replica [WARNING]: deferred until the buckets are recreated"))
        #expect(
            lines.contains(
                "  #1 s3.replication.latency mne-media-prod until 2026-09-22T02:00:00Z (1 h 59 min left), by alice: replication rule change"
            ))
        #expect(lines.contains("Notifications: all delivered"))
        #expect(!plain.contains("\u{1B}["))
        let coloured = Render.statusText(report, color: true)
        #expect(coloured.contains("\u{1B}[31;1mCRITICAL \u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[36mACCEPTED \u{1B}[0m"))
    }

    @Test func jsonFollowsTheDocumentedSchema() async throws {
        let (store, _) = try store()
        try await store.recordCycle(Self.cycle(at: Self.t0, replicaDays: 15))
        let report = try await StatusReport.load(store: store, policy: nil, now: Self.t0 + 60)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(Render.statusJSON(report).utf8)) as? [String: Any])
        #expect(
            Set(document.keys) == [
                "schema", "state", "exit_code", "headline", "evaluated_at", "stale", "stale_after_seconds",
                "last_cycle",
                "findings", "silences", "notifications", "alerts",
            ])
        #expect(document["schema"] as? Int == 1)
        #expect(document["state"] as? String == "CRITICAL")
        #expect(document["exit_code"] as? Int == 2)
        #expect(document["stale"] as? Bool == false)
        #expect(document["stale_after_seconds"] as? Int == 180)
        let cycle = try #require(document["last_cycle"] as? [String: Any])
        #expect(Set(cycle.keys) == ["started_at", "finished_at", "ok", "warning", "critical", "unknown", "api_calls"])
        let findings = try #require(document["findings"] as? [[String: Any]])
        let replica = try #require(
            findings.first {
                $0["check"] as? String == "s3.lifecycle.noncurrent" && $0["resource"] as? String == "mne-media-replica"
            })
        #expect(replica["area"] as? String == "s3")
        #expect(replica["state"] as? String == "CRITICAL")
        #expect(replica["effective_state"] as? String == "CRITICAL")
        #expect(replica["found"] as? String == "15 d")
        #expect(replica["expected"] as? String == "180 d")
        #expect(replica["since"] as? String == "2026-09-22T00:00:00Z")
        let lock = try #require(findings.first { $0["check"] as? String == "s3.object_lock" })
        #expect(lock["effective_state"] as? String == "OK")
        #expect(
            (lock["accepted_risk"] as? [String: Any])?["reason"] as? String
                == "deferred until the buckets are recreated")
        #expect((document["notifications"] as? [String: Any])?["pending"] as? Int == 0)
        #expect((document["silences"] as? [Any])?.isEmpty == true)
    }

    @Test func theCLIReadsWhileNothingElseIsThereAndFiltersByCheck() async throws {
        let (store, path) = try store()
        let now = Date()
        try await store.recordCycle(Self.cycle(at: now - 10, replicaDays: 15))
        let all = try await CLI.run(["status", "--db", path, "--config", repoConfig])
        #expect(all.status == 2, "\(all.stderr)")
        #expect(all.stdout.hasPrefix("NOT RECOVERABLE AS PROMISED: PITR 0-35 d"))
        #expect(!all.stdout.contains("\u{1B}["), "not a terminal: plain text")
        let one = try await CLI.run(["status", "--db", path, "--check", "rds.pitr_lag", "--json"])
        #expect(one.status == 0, "\(one.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
        #expect((document["findings"] as? [Any])?.count == 1)
        #expect(document["headline"] == nil)
        let none = try await CLI.run([
            "status", "--db", temporaryDirectory().appendingPathComponent("none.sqlite").path,
        ])
        #expect(none.status == 74)
    }

    /// Nagios/Icinga plugin mode: one line, the state word, the headline, and performance data
    /// with the policy's limits; every failure (a missing store, a bad option) is UNKNOWN (3).
    @Test func nagiosModeIsOneLineWithPerformanceDataAndUnknownOnEveryFailure() async throws {
        let (store, _) = try store()
        let policy = try Config.load(path: repoConfig).policy
        try await store.recordCycle(Self.cycle(at: Self.t0, replicaDays: 15))
        let report = try await StatusReport.load(store: store, policy: policy, now: Self.t0 + 30)
        #expect(
            Render.statusNagios(report)
                == "MNEMOND CRITICAL - NOT RECOVERABLE AS PROMISED: PITR 0-35 d (lag 3 min 5 s), snapshots 0-180 d "
                + "(newest 2 h 1 min), DR copies 0-180 d (newest 5 h 1 min), versions 0-35 d, replicas 0-15 d "
                + "(latency 4 min) CRITICAL | pitr_lag_eks-mnemonica-prod=185s;600;1800;0 "
                + "replication_latency_mne-media-prod=240s;;900;0 snapshot_age_eks-mnemonica-prod-vault=7300s;;;0 "
                + "snapshot_age_eks-mnemonica-prod-vault-dr=18100s;;;0 critical=1;;;0 warning=0;;;0 unknown=0;;;0 "
                + "ok=8;;;0\n")

        let missing = try await CLI.run([
            "status", "--nagios", "--db", temporaryDirectory().appendingPathComponent("none.sqlite").path,
        ])
        #expect(missing.status == 3)
        #expect(missing.stdout.hasPrefix("MNEMOND UNKNOWN - store "), "\(missing.stdout)")
        let usage = try await CLI.run(["status", "--nagios", "--no-such-option"])
        #expect(usage.status == 3)
        #expect(usage.stdout.hasPrefix("MNEMOND UNKNOWN - "), "\(usage.stdout)")
        let version = try await CLI.run(["status", "--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("mnemond "))
    }

    @Test func historyShowsStatisticsSparklineAndCSV() async throws {
        let (store, path) = try store()
        let now = Date()
        // A PITR lag that spiked once in the last day.
        var samples: [Sample] = []
        for i in 0..<144 {
            samples.append(
                Sample(
                    series: .rdsPitrLagSeconds, labels: ["instance": "eks-mnemonica-prod"],
                    time: now - 86400 + Double(i) * 600, value: i == 100 ? 2400 : 180 + Double(i % 3) * 60))
        }
        try await store.insertSamples(samples)
        let text = try await CLI.run(["history", "rds_pitr_lag_seconds", "--since", "2d", "--db", path])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("rds_pitr_lag_seconds  instance=eks-mnemonica-prod  (144 samples, "))
        #expect(lines[1] == "  min 3 min  median 4 min  p95 5 min  max 40 min  now 5 min")
        #expect(lines[2].contains("█"))
        #expect(lines[2].hasPrefix("  " + String(repeating: " ", count: 29)), "the first day is empty: \(lines[2])")
        let csv = try await CLI.run(["history", "rds_pitr_lag_seconds", "--since", "2d", "--csv", "--db", path])
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first == "time,series,labels,value,min,max,count,rolled_up")
        #expect(rows.count == 145)
        #expect(rows[101].hasSuffix(",rds_pitr_lag_seconds,instance=eks-mnemonica-prod,2400,2400,2400,1,false"))

        let unknown = try await CLI.run(["history", "rds_pitr_lag_second", "--db", path])
        #expect(unknown.status == 1)
        #expect(
            unknown.stderr.contains(
                #"no series "rds_pitr_lag_second" in the store (did you mean "rds_pitr_lag_seconds"?)"#))
        let badSince = try await CLI.run(["history", "rds_pitr_lag_seconds", "--since", "7", "--db", path])
        #expect(badSince.status == 64)
        let other = try await CLI.run(["history", "rds_pitr_lag_seconds", "--resource", "another-db", "--db", path])
        #expect(other.status == 1)
        #expect(other.stderr.contains("no samples of rds_pitr_lag_seconds for another-db in the last 7d"))
    }
}
