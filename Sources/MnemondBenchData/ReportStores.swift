import Foundation
import MnemondModel
import MnemondReport
import MnemondStore

/// Data for scripts/bench-report.sh (`mnemond-bench report-stores DIR`), generated through the
/// store's own write path. Writes into DIR:
///   week.sqlite — the generated fortnight of ReportWeek.swift alone (the baseline);
///   year.sqlite — the same fortnight after a year of history: raw samples at the daemon's default
///                 rates for 365 days (as if retention never ran: the worst case for the indexes),
///                 a cycle every 5 minutes for the last 35 days and every 6 hours before (what
///                 compaction keeps), and two notifications a day with their outbox rows.
/// Timing is the script's job; this only fills the stores.
public enum ReportStores {
    public static func generate(directory path: String) async throws {
        let directory = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["week.sqlite", "year.sqlite"] {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name + suffix))
            }
        }
        let now = Date()
        var week = ReportWeek(now: now)
        try await week.write(to: try Store.open(path: directory.appendingPathComponent("week.sqlite").path))

        let year = try Store.open(path: directory.appendingPathComponent("year.sqlite").path)
        let end = week.previous.start
        let start = end.addingTimeInterval(-365 * 86400)
        // Samples, in day-sized batches.
        var day = start
        var index = 0
        while day < end {
            var samples: [Sample] = []
            var t = day
            while t < day + 86400 {
                samples.append(
                    Sample(
                        series: .rdsPitrLagSeconds, labels: ["instance": ReportWeek.instance], time: t,
                        value: 200 + Double((index * 7919) % 180)))
                if index % 5 == 0 {
                    for (source, destination) in [
                        ("mne-media-prod", "mne-media-replica"), ("mne-vault-prod", "mne-vault-replica"),
                    ] {
                        samples.append(
                            Sample(
                                series: .s3ReplicationLatencySeconds,
                                labels: ["source": source, "destination": destination], time: t,
                                value: 20 + Double((index * 31) % 200)))
                    }
                    let age = t.timeIntervalSince1970.truncatingRemainder(dividingBy: 21600)
                    samples.append(Sample(series: .backupNewestJobAgeSeconds, time: t, value: age))
                    samples.append(Sample(series: .backupJobs, labels: ["state": "COMPLETED"], time: t, value: 720))
                    for vault in [ReportWeek.vault, ReportWeek.drVault] {
                        samples.append(
                            Sample(series: .backupSnapshotRPOSeconds, labels: ["vault": vault], time: t, value: age)
                        )
                        samples.append(
                            Sample(
                                series: .backupLargestGapSeconds, labels: ["vault": vault], time: t, value: 21600))
                    }
                }
                t += 60
                index += 1
            }
            for bucket in ["mne-media-prod", "mne-media-replica"] {
                samples.append(
                    Sample(
                        series: .s3BucketBytes, labels: ["bucket": bucket, "storage_type": "StandardStorage"],
                        time: day, value: 1e12 + Double(index)))
                samples.append(Sample(series: .s3Objects, labels: ["bucket": bucket], time: day, value: 1e6))
            }
            try await year.insertSamples(samples)
            day += 86400
        }
        // Cycles with every finding: every 6 h for the older months, every 5 min for the last 35 days.
        var t = start
        var alerts: [AlertLogEntry] = []
        var outbox: [OutboxMessage] = []
        while t < end {
            let recent = t >= end.addingTimeInterval(-35 * 86400)
            try await year.recordCycle(
                CycleInput(
                    startedAt: t - 2, finishedAt: t, observations: [], samples: [], findings: week.findings(at: t),
                    apiCalls: 12))
            if t.timeIntervalSince1970.truncatingRemainder(dividingBy: 43200) < (recent ? 300 : 21600) {
                let key = "mn-bench-\(Int(t.timeIntervalSince1970))"
                alerts.append(
                    AlertLogEntry(
                        time: t, check: "rds.pitr_lag", resource: ReportWeek.instance, episode: 1, kind: "firing",
                        severity: .warning, idempotencyKey: key, groupKey: key, silencedBy: nil, reason: "bench"))
                outbox.append(OutboxMessage(channel: "sns", idempotencyKey: key, payload: "{}", createdAt: t))
            }
            t += recent ? 300 : 21600
        }
        try await year.commitAlerts(AlertCommit(records: [], log: alerts, outbox: outbox))
        try await week.write(to: year)
    }
}
