import Foundation
import MnemondModel
import MnemondStore

/// The data generator behind `scripts/bench-status.sh` (`mnemond-bench status-year`). It writes
/// what a year of default operation writes, through the store's own write path (`recordCycle`
/// per cycle), and runs the daily retention pass at each simulated midnight, as the daemon does;
/// it measures nothing itself.
///
/// Per day, with the default intervals: 1440 PITR cycles, 288 backup-jobs and 288 metrics
/// cycles, 96 configuration cycles, 4 storage-metrics cycles; every cycle evaluates the whole
/// catalog (`--findings`, default 60 findings: the 57 of the guide's estate today, and
/// room to grow) and records each result; each family
/// writes the samples its collector writes, configuration cycles one observation per resource.
/// `--full-days` (default: all) limits the full cycle rate to the newest days; older
/// days keep every sample but one cycle per family and hour.
public enum StatusYear {
    struct Family {
        var name: String
        var intervalSeconds: Int
        /// (series, labels) written per run.
        var series: [(Series, [String: String])]
        /// Observations written per run: (kind, resource, payload bytes, changes every run).
        var observations: [(String, String, Int, Bool)]
    }

    static let buckets = ["mne-media-prod", "mne-vault-prod", "mne-media-replica", "mne-vault-replica"]
    static let vaults = ["eks-mnemonica-prod-vault", "eks-mnemonica-prod-vault-dr"]

    static func collector(_ name: String) -> [(Series, [String: String])] {
        [(Series.collectorSuccess, ["collector": name]), (Series.collectorDurationSeconds, ["collector": name])]
    }

    static let families: [Family] = [
        Family(
            name: "pitr", intervalSeconds: 60,
            series: [
                (.rdsPitrLagSeconds, ["instance": "eks-mnemonica-prod"]),
                (.rdsBackupRetentionDays, ["instance": "eks-mnemonica-prod"]),
                (.awsAPICalls, ["service": "rds"]), (Series.cycleDurationSeconds, ["families": "pitr"]),
            ] + collector("rds"),
            observations: [("rds.instance", "eks-mnemonica-prod", 400, true)]),
        Family(
            name: "backup_jobs", intervalSeconds: 300,
            series: vaults.flatMap {
                [(Series.backupSnapshotRPOSeconds, ["vault": $0]), (Series.backupLargestGapSeconds, ["vault": $0])]
            } + ["COMPLETED", "FAILED", "ABORTED", "EXPIRED"].map { (Series.backupJobs, ["state": $0]) } + [
                (.backupNewestJobAgeSeconds, [:]), (Series.awsAPICalls, ["service": "backup"]),
                (.cycleDurationSeconds, ["families": "backup_jobs"]),
            ] + collector("backup"),
            observations: [("backup.jobs", "eks-mnemonica-prod", 3000, true)]),
        Family(
            name: "metrics", intervalSeconds: 300,
            series: ["mne-media-prod", "mne-vault-prod"].flatMap { bucket in
                [
                    Series.s3ReplicationLatencySeconds, Series.s3ReplicationFailedOperations,
                    Series.s3ReplicationPendingBytes, Series.s3ReplicationPendingOperations,
                ].map { ($0, ["bucket": bucket]) }
            } + [
                (.cloudWatchGetMetricDataCalls, [:]), (Series.cloudWatchMetricsRequested, [:]),
                (.awsAPICalls, ["service": "monitoring"]), (Series.cycleDurationSeconds, ["families": "metrics"]),
            ] + collector("cloudwatch"),
            observations: [("cloudwatch.metrics", "eu-west-1", 1500, true)]),
        Family(
            name: "configuration", intervalSeconds: 900,
            series: buckets.map { (Series.s3LifecycleNoncurrentDays, ["bucket": $0]) }
                + ["s3", "iam", "sts", "sns", "events", "backup"].map { (Series.awsAPICalls, ["service": $0]) }
                + ["s3", "iam", "sts", "sns", "events", "backup-plan"].flatMap(collector)
                + [(Series.cycleDurationSeconds, ["families": "configuration"])],
            observations: buckets.map { ("s3.bucket", $0, 1200, false) } + [
                ("backup.plan", "eks-mnemonica-6h-snapshots-180d", 1500, false),
                ("iam.role", "eks-mnemonica-prod-s3-role", 2500, false),
                ("sns.topic", "mnemonica-backup-alerts", 600, false),
                ("sns.topic", "mnemonica-backup-alerts-dr", 600, false),
                ("events.rule", "mnemonica-backup-job-failures", 500, false),
                ("cloudwatch.alarms", "eu-west-1", 3000, false),
            ]),
        Family(
            name: "storage_metrics", intervalSeconds: 21600,
            series: buckets.flatMap { bucket in
                [(Series.s3Objects, ["bucket": bucket])]
                    + ["STANDARD", "INTELLIGENT_TIERING", "DEEP_ARCHIVE"].map {
                        (.s3BucketBytes, ["bucket": bucket, "storage_class": $0])
                    }
            } + [(Series.cycleDurationSeconds, ["families": "storage_metrics"])],
            observations: []),
    ]

    /// The catalog's (check, resource) pairs for the guide's estate, as a real cycle records them.
    static let catalog: [(CheckID, String)] = [
        ("account.identity", "account"), ("alerting.alarms", "mnemonica-media-replica-object-count-anomaly"),
        ("alerting.alarms", "mnemonica-media-replication-failures"),
        ("alerting.alarms", "mnemonica-media-replication-lag"),
        ("alerting.alarms", "mnemonica-vault-replica-object-count-anomaly"),
        ("alerting.alarms", "mnemonica-vault-replication-failures"),
        ("alerting.alarms", "mnemonica-vault-replication-lag"),
        ("alerting.eventbridge", "mnemonica-backup-job-failures (eu-west-1)"),
        ("alerting.eventbridge", "mnemonica-backup-job-failures-dr (eu-west-3)"),
        ("alerting.sns", "mnemonica-backup-alerts"), ("alerting.sns", "mnemonica-backup-alerts-dr"),
        ("backup.copy", "eks-mnemonica-prod-vault-dr"), ("backup.coverage", "eks-mnemonica-prod-vault"),
        ("backup.coverage", "eks-mnemonica-prod-vault-dr"), ("backup.job_failures", "eks-mnemonica-prod"),
        ("backup.job_freshness", "eks-mnemonica-prod"), ("backup.plan", "eks-mnemonica-6h-snapshots-180d"),
        ("backup.restore_tested", "eu-west-1"), ("backup.restore_tested", "eu-west-3"),
        ("backup.selection", "eks-mnemonica-prod"), ("iam.app_role", "eks-mnemonica-prod-s3-role"),
        ("rds.backup_retention", "eks-mnemonica-prod"), ("rds.backup_window", "eks-mnemonica-prod"),
        ("rds.pitr_lag", "eks-mnemonica-prod"), ("s3.encryption", "mne-media-prod"),
        ("s3.encryption", "mne-media-replica"), ("s3.encryption", "mne-vault-prod"),
        ("s3.encryption", "mne-vault-replica"), ("s3.lifecycle.abort_multipart", "mne-vault-replica"),
        ("s3.lifecycle.current_expiration", "mne-media-replica"),
        ("s3.lifecycle.current_expiration", "mne-vault-replica"), ("s3.lifecycle.noncurrent", "mne-media-prod"),
        ("s3.lifecycle.noncurrent", "mne-media-replica"), ("s3.lifecycle.noncurrent", "mne-vault-prod"),
        ("s3.lifecycle.noncurrent", "mne-vault-replica"), ("s3.lifecycle.tiering", "mne-media-prod"),
        ("s3.lifecycle.tiering", "mne-vault-prod"), ("s3.object_lock", "mne-media-replica"),
        ("s3.object_lock", "mne-vault-replica"), ("s3.region", "mne-media-prod"), ("s3.region", "mne-media-replica"),
        ("s3.region", "mne-vault-prod"), ("s3.region", "mne-vault-replica"),
        ("s3.replica.object_count", "mne-media-replica"), ("s3.replica.object_count", "mne-vault-replica"),
        ("s3.replication.backlog", "mne-media-prod"), ("s3.replication.backlog", "mne-vault-prod"),
        ("s3.replication.config", "mne-media-prod"), ("s3.replication.config", "mne-vault-prod"),
        ("s3.replication.failures", "mne-media-prod"), ("s3.replication.failures", "mne-vault-prod"),
        ("s3.replication.latency", "mne-media-prod"), ("s3.replication.latency", "mne-vault-prod"),
        ("s3.versioning", "mne-media-prod"), ("s3.versioning", "mne-media-replica"),
        ("s3.versioning", "mne-vault-prod"), ("s3.versioning", "mne-vault-replica"),
    ]

    /// One cycle's findings, with messages as long as real ones (~100 characters); past the
    /// catalog's size, more resources of the same checks. Each one warns for one hour in every
    /// 71 (staggered), so the year holds state changes to keep.
    static func findings(count: Int, pitrLag: Double, hour: Int) -> [Finding] {
        (0..<count).map { i in
            let (check, base) = catalog[i % catalog.count]
            let resource = i < catalog.count ? base : "\(base)-\(i / catalog.count)"
            let warning = (hour + i * 7) % 71 == 0
            return Finding(
                check: check, resource: resource, state: warning ? .warning : .ok,
                message: warning
                    ? "\(resource): measured value outside the guide's promise (found 41 d, guide requires 35 d, Phase 1)"
                    : "\(resource): measured value within the guide's promise (found 35 d, guide requires 35 d, Phase 1)",
                expected: "35 d", found: check == "rds.pitr_lag" ? "\(Int(pitrLag / 60)) m" : "35 d", guide: "Phase 1")
        }
    }

    /// A plausible value for each series: the guide's windows where the series is a setting,
    /// drifting measurements elsewhere.
    static func value(
        _ series: Series, _ labels: [String: String], at time: Date, lag: Double,
        using random: inout SystemRandomNumberGenerator
    ) -> Double {
        let t = time.timeIntervalSince1970
        switch series {
        case Series.rdsPitrLagSeconds: return lag
        case Series.rdsBackupRetentionDays: return 35
        case Series.s3LifecycleNoncurrentDays: return labels["bucket"]?.hasSuffix("-replica") == true ? 180 : 35
        case Series.backupSnapshotRPOSeconds, Series.backupNewestJobAgeSeconds:
            // Every 6 h, copies to the DR vault an hour later.
            return t.truncatingRemainder(dividingBy: 21600) + (labels["vault"]?.hasSuffix("-dr") == true ? 3600 : 600)
        case Series.backupLargestGapSeconds: return 21600
        case Series.backupJobs: return labels["state"] == "COMPLETED" ? 4 : 0
        case Series.s3ReplicationLatencySeconds: return Double.random(in: 30..<600, using: &random)
        case Series.s3ReplicationFailedOperations: return 0
        case Series.s3Objects: return 1_000_000 + t / 60
        case Series.s3BucketBytes: return 5e11 + t * 1000
        case Series.collectorSuccess: return 1
        case Series.collectorDurationSeconds, Series.cycleDurationSeconds:
            return Double.random(in: 0.05..<3, using: &random)
        default: return Double(Int.random(in: 0..<40, using: &random))
        }
    }

    /// Fills a new store at `path` with `days` days ending now (`fullDays` of them at the full
    /// cycle rate), printing progress every 30 days.
    public static func generate(path: String, days: Int, fullDays: Int, findingCount: Int) async throws {
        let store = try Store.open(path: path)
        // The year ends now, so `status` sees a fresh store.
        let end = Date()
        let start = end - Double(days) * 86400
        let padding = { (bytes: Int, seed: Int) in
            "{\"v\":\"" + String(repeating: "x", count: max(0, bytes - 24)) + "\(seed)\"}"
        }
        var random = SystemRandomNumberGenerator()
        var cycles = 0
        var recordTime = Duration.zero
        let clock = ContinuousClock()
        let began = clock.now
        for day in 0..<days {
            let dayStart = start + Double(day) * 86400
            // Older days: every sample, but one cycle per family and hour (their results are
            // compacted to state changes by the next retention pass anyway).
            let fullRate = day >= days - fullDays
            // Every run of every family in this day, in time order.
            var runs: [(Date, Int)] = []
            for (index, family) in Self.families.enumerated() {
                var t = dayStart + Double(index * 7)
                while t < dayStart + 86400 {
                    runs.append((t, index))
                    t += Double(family.intervalSeconds)
                }
            }
            runs.sort { $0.0 < $1.0 }
            var lastHour: [Int: Int] = [:]
            var bulk: [Sample] = []
            for (time, index) in runs where time <= end {
                let family = Self.families[index]
                let hour = Int(time.timeIntervalSince1970 / 3600)
                let lag = 150 + Double.random(in: 0..<120, using: &random)
                let samples = family.series.map { series, labels in
                    Sample(
                        series: series, labels: labels, time: time,
                        value: Self.value(series, labels, at: time, lag: lag, using: &random))
                }
                guard fullRate || lastHour[index] != hour else {
                    bulk += samples
                    continue
                }
                lastHour[index] = hour
                let observations = family.observations.map { kind, resource, bytes, changes in
                    CycleInput.ObservationRow(
                        kind: kind, resource: resource, payload: padding(bytes, changes ? cycles : 0))
                }
                let t0 = clock.now
                try await store.recordCycle(
                    CycleInput(
                        startedAt: time, finishedAt: time + 0.2, observations: observations, samples: samples,
                        findings: Self.findings(count: findingCount, pitrLag: lag, hour: hour),
                        apiCalls: family.series.count))
                cycles += 1
                recordTime += clock.now - t0
            }
            try await store.insertSamples(bulk)
            // The daily retention pass, at the day's end.
            try await store.applyRetention(now: min(end, dayStart + 86400))
            if day % 30 == 29 || day == days - 1 {
                print(
                    "bench-year: day \(day + 1)/\(days), \(cycles) cycles, \(clock.now - began), recordCycle \(recordTime)"
                )
            }
        }
    }
}
