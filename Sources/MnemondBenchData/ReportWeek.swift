import Foundation
import MnemondConfig
import MnemondModel
import MnemondReport
import MnemondStore
import MnemondTestSupport

/// A generated fortnight written to a real store through the store's own write path — the week
/// under report and the one before it (for the trend) — and the numbers a correct report must
/// show, computed here from the generated values, not by the report's code.
///
/// The week (the last ISO week that ended before `now`, Europe/Rome), as a timeline:
///   - every 5 minutes a cycle, except Thu 03:00–04:25: mnemond was down (a 95-minute gap);
///   - backup jobs every 6 h (00, 06, 12, 18 local), each COMPLETED 8 min later and copied to the
///     DR vault 40 min after that; a FAILED job from 180 days ago ages out of the listing on Wed;
///   - Wed 12:00 the job FAILS (job_failures WARNING 12:05–19:05); from 13:00 the newest backup is
///     older than 6 h + 1 h grace: job_freshness CRITICAL until a retry (16:00) completes and is
///     seen at 16:10 — 3 h 10 m; the 10-hour gap it leaves makes backup.coverage WARNING from
///     16:10 on (ongoing); the critical alert fired 13:10 and resolved 16:10, delivered to sns and
///     slack; the warning was silenced;
///   - Tue 10:00 replication latency spikes to 20 min on mne-media-prod → mne-media-replica;
///   - Wed 10:00 a restore test completes in eu-west-1; the last DR restore (eu-west-3) is 87 days
///     before the week's end: due in 3 days;
///   - s3.object_lock on mne-media-replica is CRITICAL but an accepted risk;
///   - storage grows daily.
public struct ReportWeek: Sendable {
    public static let tz = TimeZone(identifier: "Europe/Rome")!
    public static let step: TimeInterval = 300
    public static let instance = "eks-mnemonica-prod"
    public static let vault = "eks-mnemonica-prod-vault"
    public static let drVault = "eks-mnemonica-prod-vault-dr"
    public static let arn = "arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod"
    /// The shipped config's accepted risk, as the daemon would have stored it with each finding.
    public static let risk: AcceptedRisk =
        (try? Config.load(path: PeerProcess.repoRoot().appendingPathComponent("etc/mnemond.yaml").path))?.policy
        .acceptedRisks.first { $0.check == "s3.object_lock" }
        ?? AcceptedRisk(check: "s3.object_lock", reason: "deferred")

    public struct Job: Sendable {
        public var created: Date
        public var finished: Date
        public var state: String
        public func state(at t: Date) -> String { t < finished ? "RUNNING" : state }
    }

    public let period: ReportPeriod
    public let previous: ReportPeriod
    public let calendar: Calendar
    public var jobs: [Job] = []
    /// When each COMPLETED job's copy reached the DR vault.
    public var copies: [Date] = []

    // The week's events.
    public let gapStart: Date  // first skipped cycle
    public let gapEnd: Date  // first cycle after the gap
    public let failedAt: Date
    public let criticalStart: Date
    public let criticalEnd: Date
    public let failuresEnd: Date
    public let coverageWarningFrom: Date
    public let spikeAt: Date
    public let restoreAt: Date
    public let oldRestore: Date
    public let drRestore: Date

    /// What was written, for the expectations.
    public var pitr: [Date: Double] = [:]
    public var replication: [String: [Date: Double]] = [:]
    public var snapshotAge: [String: [Date: Double]] = [:]
    public var largestGap: [String: [Date: Double]] = [:]
    public var cycles: [Date] = []

    public init(now: Date) {
        let week = ReportPeriod.lastCompletedWeek(before: now, timeZone: Self.tz)
        period = week
        previous = week.previous
        let calendar = ReportPeriod.isoCalendar(Self.tz)
        self.calendar = calendar
        func at(_ day: Int, _ hour: Int, _ minute: Int) -> Date {
            let d = calendar.date(byAdding: .day, value: day, to: week.start)!
            return calendar.date(bySettingHour: hour, minute: minute, second: 0, of: d)!
        }
        gapStart = at(3, 3, 0)
        gapEnd = at(3, 4, 30)
        failedAt = at(2, 12, 5)
        criticalStart = at(2, 13, 0)
        criticalEnd = at(2, 16, 10)
        failuresEnd = at(2, 19, 5)
        coverageWarningFrom = at(2, 16, 10)
        spikeAt = at(1, 10, 0)
        restoreAt = at(2, 10, 0)
        oldRestore = Self.minute(week.start.addingTimeInterval(-24 * 86400))
        drRestore = Self.minute(week.end.addingTimeInterval(-87 * 86400))
        // Jobs every 6 h (local 00/06/12/18) back past the 180-day listing window.
        for day in -196..<7 {
            for hour in [0, 6, 12, 18] {
                let t = at(day, hour, 0)
                if t == at(2, 12, 0) {
                    jobs.append(Job(created: t, finished: t + 300, state: "FAILED"))
                } else {
                    jobs.append(Job(created: t, finished: t + 480, state: "COMPLETED"))
                }
            }
        }
        jobs.append(Job(created: at(2, 16, 0), finished: at(2, 16, 8), state: "COMPLETED"))  // the retry
        let old = at(2, 3, 0).addingTimeInterval(-180 * 86400)
        jobs.append(Job(created: old, finished: old + 300, state: "FAILED"))  // ages out Wed 03:00
        let aborted = week.previous.start.addingTimeInterval(3 * 86400 + 3 * 3600)
        jobs.append(Job(created: aborted, finished: aborted + 60, state: "ABORTED"))
        jobs.sort { $0.created < $1.created }
        copies = jobs.filter { $0.state == "COMPLETED" }.map { $0.finished + 2400 }
    }

    public static func minute(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60)
    }

    public static func utc(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date) + " UTC"
    }

    // MARK: Writing

    /// Writes both weeks: every cycle with its findings and samples, the daily storage metrics,
    /// and the alert log with the delivery of each notification.
    public mutating func write(to store: Store) async throws {
        var t = previous.start
        var index = 0
        while t < period.end {
            if !(t >= gapStart && t < gapEnd) {
                cycles.append(t)
                try await store.recordCycle(
                    CycleInput(
                        startedAt: t - 2, finishedAt: t, observations: [], samples: samples(at: t, index: index),
                        findings: findings(at: t), apiCalls: 12))
            }
            t += Self.step
            index += 1
        }
        try await store.insertSamples(storageSamples())
        try await writeAlerts(to: store)
    }

    public mutating func samples(at t: Date, index: Int) -> [Sample] {
        var samples: [Sample] = []
        let lag = 200 + Double((index * 7919) % 180)
        pitr[t] = lag
        samples.append(Sample(series: .rdsPitrLagSeconds, labels: ["instance": Self.instance], time: t, value: lag))
        let pairs = [("mne-media-prod", "mne-media-replica"), ("mne-vault-prod", "mne-vault-replica")]
        for (n, (source, destination)) in pairs.enumerated() {
            var value = n == 0 ? 30 + Double((index * 31) % 200) : 15 + Double((index * 17) % 60)
            if n == 0, t == spikeAt { value = 1200 }
            replication["\(source) → \(destination)", default: [:]][t] = value
            samples.append(
                Sample(
                    series: .s3ReplicationLatencySeconds, labels: ["source": source, "destination": destination],
                    time: t, value: value))
        }
        // What BackupCollector.samples writes, from the jobs visible at t.
        let listed = jobs.filter { $0.created <= t && $0.created >= t.addingTimeInterval(-180 * 86400) }
        for (state, count) in Dictionary(grouping: listed, by: { $0.state(at: t) }).mapValues(\.count) {
            samples.append(Sample(series: .backupJobs, labels: ["state": state], time: t, value: Double(count)))
        }
        if let newest = listed.filter({ $0.state(at: t) == "COMPLETED" }).map(\.created).max() {
            samples.append(Sample(series: .backupNewestJobAgeSeconds, time: t, value: t.timeIntervalSince(newest)))
        }
        let windowStart = t.addingTimeInterval(-180 * 86400 - 7 * 3600)
        let primary = jobs.filter { $0.state == "COMPLETED" && $0.finished <= t && $0.created >= windowStart }.map(
            \.created)
        let dr = copies.filter { $0 <= t && $0 >= windowStart }
        for (vault, points) in [(Self.vault, primary), (Self.drVault, dr)] {
            let sorted = points.sorted()
            guard let newest = sorted.last else { continue }
            let age = t.timeIntervalSince(newest)
            snapshotAge[vault, default: [:]][t] = age
            samples.append(Sample(series: .backupSnapshotRPOSeconds, labels: ["vault": vault], time: t, value: age))
            let gap = zip(sorted, sorted.dropFirst()).map { $1.timeIntervalSince($0) }.max() ?? 0
            largestGap[vault, default: [:]][t] = gap
            samples.append(Sample(series: .backupLargestGapSeconds, labels: ["vault": vault], time: t, value: gap))
        }
        return samples
    }

    public func findings(at t: Date) -> [Finding] {
        func f(
            _ check: CheckID, _ resource: String, _ state: CheckState, _ message: String, found: String? = nil,
            expected: String? = nil, risk: AcceptedRisk? = nil
        ) -> Finding {
            Finding(
                check: check, resource: resource, state: state, message: "\(resource): \(message)", expected: expected,
                found: found, guide: "Phase 6", acceptedRisk: risk)
        }
        let critical = t >= criticalStart && t < criticalEnd
        let failing = t >= failedAt && t < failuresEnd
        let coverageWarning = t >= coverageWarningFrom
        let restore = t >= restoreAt ? restoreAt : oldRestore
        let days = Int(t.timeIntervalSince(restore) / 86400)
        let drDays = Int(t.timeIntervalSince(drRestore) / 86400)
        return [
            f("rds.pitr_lag", Self.instance, .ok, "PITR lag within 10 min"),
            critical
                ? f(
                    "backup.job_freshness", Self.instance, .critical,
                    "newest COMPLETED backup job is over 7 h old; guide requires one every 6 h (+1 h grace)")
                : f("backup.job_freshness", Self.instance, .ok, "newest COMPLETED backup job within 6 h (+1 h grace)"),
            failing
                ? f(
                    "backup.job_failures", Self.instance, .warning,
                    "1 backup job ended badly — FAILED \(Self.utc(failedAt))")
                : f("backup.job_failures", Self.instance, .ok, "no backup job failed since the last success"),
            coverageWarning
                ? f(
                    "backup.coverage", Self.vault, .warning, "1 gap longer than 6 h (+1 h grace) in the last 180 d",
                    found: "largest gap 10 h, oldest 179 d 23 h")
                : f(
                    "backup.coverage", Self.vault, .ok, "recovery points cover 180 d",
                    found: "largest gap 6 h, oldest 179 d 23 h"),
            f(
                "backup.coverage", Self.drVault, .ok, "recovery points cover 180 d",
                found: "largest gap 6 h, oldest 179 d 23 h"),
            f(
                "backup.restore_tested", "eu-west-1", .ok,
                "newest COMPLETED restore job is \(days) d old (\(Self.utc(restore))), within 30 d", expected: "≤ 30 d"),
            f(
                "backup.restore_tested", "eu-west-3", .ok,
                "newest COMPLETED restore job is \(drDays) d old (\(Self.utc(drRestore))), within 90 d",
                expected: "≤ 90 d"),
            f("s3.versioning", "mne-media-prod", .ok, "versioning Enabled"),
            f(
                "s3.object_lock", "mne-media-replica", .critical,
                "Object Lock is not enabled; guide requires GOVERNANCE 180 d",
                risk: Self.risk),
            f("alerting.sns", "mnemonica-backup-alerts", .ok, "topic has confirmed email and https subscriptions"),
        ]
    }

    /// Daily S3 storage metrics at 00:00 UTC, as CloudWatch dates them.
    public func storageSamples() -> [Sample] {
        var samples: [Sample] = []
        let first = Self.utcDay(previous.start.addingTimeInterval(-10 * 86400))
        var day = first
        var n = 0.0
        while day < period.end {
            samples.append(bytes("mne-media-prod", "IntelligentTieringFAStorage", day, n))
            samples.append(bytes("mne-media-replica", "DeepArchiveStorage", day, n))
            samples.append(
                Sample(series: .s3Objects, labels: ["bucket": "mne-media-prod"], time: day, value: objects(day)))
            day += 86400
            n += 1
        }
        return samples
    }

    public func bytes(_ bucket: String, _ type: String, _ day: Date, _ n: Double) -> Sample {
        Sample(
            series: .s3BucketBytes, labels: ["bucket": bucket, "storage_type": type], time: day,
            value: bucketBytes(bucket, day))
    }

    public func bucketBytes(_ bucket: String, _ day: Date) -> Double {
        let n = (day.timeIntervalSince1970 / 86400).rounded(.down).truncatingRemainder(dividingBy: 1000)
        let gib = 1_073_741_824.0
        return bucket == "mne-media-prod" ? 1024 * gib + n * 10 * gib : 900 * gib + n * 9 * gib
    }

    public func objects(_ day: Date) -> Double {
        1_000_000 + (day.timeIntervalSince1970 / 86400).rounded(.down).truncatingRemainder(dividingBy: 1000) * 1234
    }

    public static func utcDay(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86400).rounded(.down) * 86400)
    }

    public func writeAlerts(to store: Store) async throws {
        let silence = try await store.addSilence(
            check: "backup.job_failures", resource: Self.instance, startsAt: failedAt, endsAt: failedAt + 86400,
            reason: "manual retry in progress", createdBy: "fixture")
        func entry(
            _ time: Date, _ check: CheckID, _ kind: String, _ severity: CheckState, group: String?,
            silenced: Int64? = nil
        )
            -> AlertLogEntry
        {
            AlertLogEntry(
                time: time, check: check, resource: Self.instance, episode: 1, kind: kind, severity: severity,
                idempotencyKey: "mn-\(kind)-\(check)", groupKey: group, silencedBy: silenced, reason: kind)
        }
        let firing = criticalStart + 600
        try await store.commitAlerts(
            AlertCommit(
                records: [],
                log: [
                    entry(firing, "backup.job_freshness", "firing", .critical, group: "mn-fixture-firing"),
                    entry(criticalEnd, "backup.job_freshness", "resolved", .ok, group: "mn-fixture-resolved"),
                    entry(failedAt + 900, "backup.job_failures", "firing", .warning, group: nil, silenced: silence.id),
                ],
                outbox: ["sns", "slack"].flatMap { channel in
                    [
                        OutboxMessage(
                            channel: channel, idempotencyKey: "mn-fixture-firing", payload: "{}", createdAt: firing),
                        OutboxMessage(
                            channel: channel, idempotencyKey: "mn-fixture-resolved", payload: "{}",
                            createdAt: criticalEnd),
                    ]
                }))
        for row in try await store.outboxRows() {
            try await store.markDelivered(row.id, at: row.createdAt + 2)
        }
    }

    // MARK: Expectations

    public var weekSeconds: TimeInterval { period.end.timeIntervalSince(period.start) }
    /// The monitoring gap: from the last cycle before the skipped ones to the first after.
    public var gapSeconds: TimeInterval { gapEnd.timeIntervalSince(gapStart - Self.step) }
    public var observedSeconds: TimeInterval { weekSeconds - gapSeconds }

    public func inWeek(_ values: [Date: Double]) -> [Double] {
        values.filter { $0.key >= period.start && $0.key < period.end }.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Nearest rank: the value at rank ⌈p·N⌉ of the sorted values.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[max(1, Int((p * Double(sorted.count)).rounded(.up))) - 1]
    }

    public var completedInWeek: Int {
        jobs.filter { $0.state == "COMPLETED" && $0.finished >= period.start && $0.finished < period.end }.count
    }

    public var copiesInWeek: Int { copies.filter { $0 >= period.start && $0 < period.end }.count }

    /// The latest storage value dated before `time`.
    public func bytes(_ bucket: String, before time: Date) -> Double {
        var day = Self.utcDay(time)
        if day >= time { day -= 86400 }
        return bucketBytes(bucket, day)
    }
}
