import Foundation
import MnemondChecks
import MnemondModel
import MnemondStore

/// What a report is computed for, besides the store's contents.
public struct ReportContext: Sendable {
    public var period: ReportPeriod
    /// When the report is made: nothing after it is "observed", maintenance is due relative to it.
    public var now: Date
    /// The promises (from the config) when available; without it the report reads the promises
    /// the checks stored with their results and the guide's defaults.
    public var policy: Policy?
    /// No cycle for longer than this counts as time mnemond was not watching.
    public var gapThreshold: TimeInterval
    /// Cycles older than this may have been compacted (RetentionPolicy.rawSampleDays): gaps are
    /// only reported for periods inside it.
    public var detailWindow: TimeInterval
    /// Characters per sparkline for the period (28 for a week: one per 6 hours).
    public var sparklineSlots: Int
    /// The estate the store watches, when the daemon watches several: the title names it.
    public var estate: String?

    public init(
        period: ReportPeriod, now: Date, policy: Policy? = nil, gapThreshold: TimeInterval = 900,
        detailWindow: TimeInterval = Double(RetentionPolicy().rawSampleDays) * 86400, sparklineSlots: Int = 28,
        estate: String? = nil
    ) {
        self.estate = estate
        self.period = period
        self.now = now
        self.policy = policy
        self.gapThreshold = gapThreshold
        self.detailWindow = detailWindow
        self.sparklineSlots = sparklineSlots
    }
}

/// Computes a `RecoveryReport` from the store alone: no AWS call, one read transaction per period.
public enum ReportBuilder {
    /// The series the report reads, each with how far before the period it looks (the point
    /// before the period tells where a count or an age stood when the period began; S3 storage is
    /// daily and published 1–3 days late).
    static let seriesRead: [(name: Series, lookback: TimeInterval)] = [
        (.rdsPitrLagSeconds, 0),
        (RecoverabilityLedger.rpoSeries, 0),
        (.backupSnapshotRPOSeconds, 86400),
        (.backupLargestGapSeconds, 0),
        (.backupNewestJobAgeSeconds, 86400),
        (.backupJobs, 86400),
        (.s3ReplicationLatencySeconds, 0),
        (.s3BucketBytes, 8 * 86400),
        (.s3Objects, 8 * 86400),
    ]

    /// States of a job that ended without a usable recovery point (as `backup.job_failures`).
    static let failedStates = ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"]

    /// Reads the period and the one before it (for the trend) and builds the report.
    public static func load(store: Store, context: ReportContext) async throws(StoreError) -> RecoveryReport {
        let current = try await snapshot(store: store, period: context.period, context: context)
        let previous = try await snapshot(store: store, period: context.period.previous, context: context)
        return build(current, previous: previous, context: context)
    }

    static func snapshot(store: Store, period: ReportPeriod, context: ReportContext) async throws(StoreError)
        -> ReportSnapshot
    {
        try await store.reportSnapshot(
            since: period.start, until: period.end, series: seriesRead, cycleLookback: context.gapThreshold * 4)
    }

    public static func build(_ snapshot: ReportSnapshot, previous: ReportSnapshot?, context: ReportContext)
        -> RecoveryReport
    {
        let current = Computation(snapshot: snapshot, context: context)
        var report = current.report()
        if let previous {
            var previousContext = context
            previousContext.period = context.period.previous
            let before = Computation(snapshot: previous, context: previousContext)
            report.trend = Trend.lines(current: current.figures, previous: before.figures)
        }
        return report
    }
}

/// One period's numbers, computed once and read by the report and the trend.
struct Computation {
    let snapshot: ReportSnapshot
    let context: ReportContext
    let window: Span
    let gaps: [Span]
    let gapsKnown: Bool
    let timelines: [PairTimeline]
    let tz: TimeZone

    init(snapshot: ReportSnapshot, context: ReportContext) {
        self.snapshot = snapshot
        self.context = context
        tz = context.period.timeZone
        let end = min(context.period.end, max(context.period.start, context.now))
        window = Span(start: context.period.start, end: end)
        gapsKnown = context.period.start >= context.now.addingTimeInterval(-context.detailWindow)
        gaps = gapsKnown ? Self.monitoringGaps(snapshot.cycles, window: window, threshold: context.gapThreshold) : []
        let window = window
        timelines = snapshot.results.map {
            PairTimeline.build($0, window: window, staleAfter: context.gapThreshold)
        }.filter { !$0.segments.isEmpty }
    }

    /// Stretches longer than `threshold` without a recorded cycle, inside `window`.
    static func monitoringGaps(_ cycles: [Date], window: Span, threshold: TimeInterval) -> [Span] {
        var gaps: [Span] = []
        var previous = cycles.last { $0 < window.start } ?? window.start
        for cycle in cycles where cycle >= window.start && cycle < window.end {
            if cycle.timeIntervalSince(previous) > threshold { gaps.append(Span(start: previous, end: cycle)) }
            previous = cycle
        }
        if window.end.timeIntervalSince(previous) > threshold { gaps.append(Span(start: previous, end: window.end)) }
        return gaps.compactMap { $0.clipped(to: window) }
    }

    func series(_ name: Series) -> [SeriesHistory] { snapshot.series.filter { $0.series == name } }

    func inWindow(_ points: [HistoryPoint]) -> [HistoryPoint] {
        points.filter { $0.time >= window.start && $0.time < window.end }
    }

    // MARK: The report

    func report() -> RecoveryReport {
        let risks = acceptedRisks()
        return RecoveryReport(
            period: .init(
                start: context.period.start, end: context.period.end, timeZone: tz.identifier, key: context.period.key,
                title: context.estate.map { "estate \($0), \(context.period.title)" } ?? context.period.title),
            generatedAt: context.now, verdict: verdict(), monitoring: monitoring(), areas: areas(),
            incidents: incidents(), rpo: rpo(), jobs: jobs(), coverage: coverage(), storage: storage(),
            objects: objects(), acceptedRisks: risks,
            maintenance: Maintenance.lines(
                results: snapshot.results, policy: context.policy, risks: risks, generatedAt: context.now,
                asOf: window.end),
            trend: [])
    }

    func monitoring() -> RecoveryReport.Monitoring {
        RecoveryReport.Monitoring(
            cycles: snapshot.cycles.filter { $0 >= window.start && $0 < window.end }.count, gapsKnown: gapsKnown,
            gaps: gaps, unmonitoredSeconds: Spans.measure(gaps), gapThresholdSeconds: context.gapThreshold)
    }

    var criticalSpans: [Span] {
        Spans.subtract(timelines.flatMap { $0.spans { $0 == .critical } }, gaps)
    }

    func verdict() -> RecoveryReport.Verdict {
        let critical = criticalSpans
        let criticalSeconds = Spans.measure(critical)
        let unknown = Spans.subtract(Spans.subtract(timelines.flatMap { $0.spans { $0 == .unknown } }, gaps), critical)
        let unknownSeconds = Spans.measure(unknown)
        let unmonitored = Spans.measure(gaps)
        let observed = Spans.measure(Spans.subtract(timelines.flatMap(\.observed), gaps))
        let worst = CheckState.worst(timelines.flatMap { $0.segments.map(\.state) })
        let whole = context.period.isoWeek != nil ? "all week" : "throughout the period"
        var line: String
        if observed == 0 {
            line = "No data: mnemond recorded no evaluation in this period"
        } else if criticalSeconds > 0 {
            let calendar = ReportPeriod.isoCalendar(tz)
            var days: [String] = []
            for span in critical {
                var day = calendar.startOfDay(for: span.start)
                while day < span.end {
                    let name = ReportFormat.weekday(max(day, span.start), tz)
                    if !days.contains(name) { days.append(name) }
                    day = calendar.date(byAdding: .day, value: 1, to: day)!
                }
            }
            let when = days.count <= 3 ? "on \(days.joined(separator: ", "))" : "on \(days.count) days"
            let culprits = timelines.map { t in
                (
                    name: "\(t.check) \(t.resource)",
                    seconds: Spans.measure(Spans.subtract(t.spans { $0 == .critical }, gaps))
                )
            }.filter { $0.seconds > 0 }.sorted { ($0.seconds, $1.name) > ($1.seconds, $0.name) }
            let named = ListText.first(2, of: culprits.map(\.name))
            line = "Not recoverable as promised for \(DurationText.human(criticalSeconds)) \(when) — \(named)"
        } else if unknownSeconds + unmonitored > 0 {
            var parts: [String] = []
            if unmonitored > 0 { parts.append("mnemond not watching \(DurationText.human(unmonitored))") }
            if unknownSeconds > 0 { parts.append("UNKNOWN \(DurationText.human(unknownSeconds))") }
            line =
                "Recoverable whenever measured, blind for \(DurationText.human(unknownSeconds + unmonitored)) (\(parts.joined(separator: ", ")))"
        } else {
            line = "Recoverable \(whole)"
        }
        if observed > 0, criticalSeconds == 0 {
            let warned = Set(timelines.filter { !$0.spans { $0 == .warning }.isEmpty }.map(\.check))
            if !warned.isEmpty {
                line += " — warnings on \(warned.count) check\(warned.count == 1 ? "" : "s")"
            }
        }
        return RecoveryReport.Verdict(
            recoverable: criticalSeconds == 0 && observed > 0, line: line, criticalSeconds: criticalSeconds,
            unknownSeconds: unknownSeconds, unmonitoredSeconds: unmonitored, worst: worst)
    }

    static let areaTitles: [String: String] = [
        "rds": "RDS PITR (Phase 5)", "backup": "AWS Backup (Phase 6)", "s3": "S3 buckets & replication (Phases 1-3)",
        "alerting": "Alert plumbing (Phase 8)", "iam": "IAM (Phase 4)", "account": "Account",
    ]
    static let areaOrder = ["rds", "backup", "s3", "alerting", "iam", "account"]

    func areas() -> [RecoveryReport.AreaCompliance] {
        let byArea = Dictionary(grouping: timelines, by: { $0.check.area })
        let names = byArea.keys.sorted { a, b in
            let ia = Self.areaOrder.firstIndex(of: a) ?? Self.areaOrder.count
            let ib = Self.areaOrder.firstIndex(of: b) ?? Self.areaOrder.count
            return (ia, a) < (ib, b)
        }
        return names.map { area in
            let group = byArea[area]!
            let compliance = GroupCompliance.sweep(group, holes: gaps)
            let checks = Dictionary(grouping: group, by: \.check).sorted { $0.key < $1.key }.map { check, pairs in
                let c = GroupCompliance.sweep(pairs, holes: gaps)
                return RecoveryReport.CheckCompliance(
                    check: check, resources: pairs.count, okFraction: c.okFraction, worst: c.worst)
            }
            return RecoveryReport.AreaCompliance(
                area: area, title: Self.areaTitles[area] ?? area, okFraction: compliance.okFraction,
                observedSeconds: compliance.observedSeconds, worst: compliance.worst, checks: checks)
        }
    }

    /// Every check OK, over the observed time: the single number of the trend.
    var overallCompliance: Double? { GroupCompliance.sweep(timelines, holes: gaps).okFraction }

    // MARK: Incidents

    /// An UNKNOWN stretch shorter than this is a blip, not an incident (the default alert rule for
    /// UNKNOWN waits 30 minutes too).
    static let unknownIncidentSeconds: TimeInterval = 1800

    func incidents() -> [RecoveryReport.Incident] {
        var incidents: [RecoveryReport.Incident] = []
        for timeline in timelines {
            var episode: [StateSegment] = []
            func close() {
                defer { episode = [] }
                guard let first = episode.first, let last = episode.last else { return }
                let worst = episode.max { $0.state.badness < $1.state.badness }!.state
                let seconds = episode.reduce(0) { $0 + $1.span.seconds }
                if worst == .unknown && seconds < Self.unknownIncidentSeconds { return }
                let message = episode.last { $0.state == worst }!.point.message
                let ongoing = last.span.end >= window.end
                let start = first.span.start
                let end = ongoing ? nil : last.span.end
                incidents.append(
                    RecoveryReport.Incident(
                        check: timeline.check, resource: timeline.resource, severity: worst, start: start,
                        startedBefore: first.point.time < window.start, end: end, durationSeconds: seconds,
                        message: message,
                        notification: notification(
                            timeline.check, timeline.resource, from: start, to: end ?? context.period.end)))
            }
            for segment in timeline.segments {
                if segment.state == .ok {
                    close()
                } else {
                    if let last = episode.last, last.span.end != segment.span.start { close() }
                    episode.append(segment)
                }
            }
            close()
        }
        return incidents.sorted {
            ($1.severity.badness, $0.start, $0.check, $0.resource) < (
                $0.severity.badness, $1.start, $1.check, $1.resource
            )
        }
    }

    /// What the alert log and the outbox say about notifications for one incident.
    func notification(_ check: CheckID, _ resource: String, from start: Date, to end: Date)
        -> RecoveryReport.NotificationStatus
    {
        // The resolve is logged in the cycle that saw OK again: at the incident's end.
        let entries = snapshot.alertLog.filter {
            $0.check == check && $0.resource == resource && $0.time >= start && $0.time <= end.addingTimeInterval(600)
        }
        guard !entries.isEmpty else {
            return .init(outcome: .none, detail: "not notified (no alert fired)", channels: [], firstDelivered: nil)
        }
        let silenced = entries.filter { $0.silencedBy != nil }
        let sent = entries.filter { $0.silencedBy == nil && $0.groupKey != nil }
        if sent.isEmpty {
            if let id = silenced.first?.silencedBy {
                return .init(outcome: .silenced, detail: "silenced by #\(id)", channels: [], firstDelivered: nil)
            }
            return .init(
                outcome: .none, detail: "not sent: no alerting channel configured", channels: [], firstDelivered: nil)
        }
        let records = sent.flatMap { snapshot.deliveries[$0.groupKey!] ?? [] }
        let kinds = sent.map(\.kind).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let channels = Array(Set(records.map(\.channel))).sorted()
        let firstDelivered = records.compactMap(\.deliveredAt).min()
        let via = channels.isEmpty ? "" : " via \(channels.joined(separator: "+"))"
        if let dead = records.first(where: { $0.deadLetteredAt != nil }) {
            return .init(
                outcome: .failed,
                detail: "NOT delivered to \(dead.channel) (dead-lettered: \(dead.lastError ?? "no error recorded"))",
                channels: channels, firstDelivered: firstDelivered)
        }
        if let pending = records.first(where: { $0.deliveredAt == nil }) {
            return .init(
                outcome: .pending,
                detail: "still queued for \(pending.channel)" + (pending.lastError.map { " (\($0))" } ?? ""),
                channels: channels, firstDelivered: firstDelivered)
        }
        if records.isEmpty {
            return .init(
                outcome: .none, detail: "\(kinds.joined(separator: ", ")) queued for no channel", channels: [],
                firstDelivered: nil)
        }
        return .init(
            outcome: .delivered, detail: "\(kinds.joined(separator: ", ")) delivered\(via)", channels: channels,
            firstDelivered: firstDelivered)
    }

    // MARK: RPO

    func rpo() -> [RecoveryReport.RPOMeasure] {
        var lines: [RecoveryReport.RPOMeasure] = []
        /// The state is MnemondChecks' verdict on the period's statistics under the policy's limits.
        func measure(
            _ kind: RecoveryReport.RPOMeasure.Kind, subject: String, measure: String, promise: String,
            points: [HistoryPoint], limits: MeasuredRPO.Limits
        ) {
            let stats = Measures.statistics(points)
            let verdict = MeasuredRPO.verdict(maxSeconds: stats?.max, p95Seconds: stats?.p95, limits: limits)
            lines.append(
                RecoveryReport.RPOMeasure(
                    kind: kind, subject: subject, measure: measure, promise: promise,
                    limitSeconds: limits.limitSeconds, p50Seconds: stats?.p50, p95Seconds: stats?.p95,
                    maxSeconds: stats?.max, samples: stats?.count ?? 0, state: verdict.state,
                    approximate: stats?.approximate ?? false,
                    sparkline: Measures.slots(points, window: window, count: context.sparklineSlots)))
        }
        let policy = context.policy
        for history in series(.rdsPitrLagSeconds) {
            let instance = history.labels["instance"] ?? "?"
            let limits = MeasuredRPO.limits(.pitr(instance: instance), policy: policy)
            let warning = limits.warningSeconds ?? limits.limitSeconds
            let critical = limits.criticalSeconds ?? limits.limitSeconds
            measure(
                .pitr, subject: instance, measure: "now − LatestRestorableTime",
                promise:
                    "RPO < 1 min (Phase 5); RDS trails ~5 min, alert at \(DurationText.human(warning)) / \(DurationText.human(critical))",
                points: inWindow(history.points), limits: limits)
        }
        for history in series(.backupSnapshotRPOSeconds) {
            let vault = history.labels["vault"] ?? "?"
            let interval = MeasuredRPO.snapshotIntervalSeconds(policy: policy)
            let limits = MeasuredRPO.limits(.snapshot(vault: vault), policy: policy)
            measure(
                .snapshot, subject: vault, measure: "largest gap between snapshots",
                promise:
                    "≤ \(DurationText.human(interval)) (Phase 6 Backup Schedule), alert past \(DurationText.human(limits.limitSeconds))",
                points: inWindow(history.points), limits: limits)
        }
        // The ledger: one line per scenario, the worst of its resources, and the time over the
        // promise as the guide writes it.
        let byScenario = Dictionary(grouping: series(RecoverabilityLedger.rpoSeries)) {
            Int(($0.labels["scenario"] ?? "").replacingOccurrences(of: "scenario-", with: "")) ?? 0
        }
        for (number, histories) in byScenario.sorted(by: { $0.key < $1.key }) where number > 0 {
            let title =
                RecoverabilityLedger.Scenario(rawValue: number)?.headline ?? "Scenario \(number)"
            let limits = MeasuredRPO.limits(.scenario(number), policy: policy)
            let promise = MeasuredRPO.scenarioPromiseSeconds(number, policy: policy)
            let points = histories.flatMap { inWindow($0.points) }.sorted { $0.time < $1.time }
            let over =
                histories.map {
                    Self.timeOver(
                        promise, inWindow($0.points), until: window.end,
                        step: context.gapThreshold)
                }.max() ?? 0
            measure(
                .scenario, subject: title,
                measure:
                    "age of the newest restorable point (\(histories.compactMap { $0.labels["resource"] }.sorted().joined(separator: ", ")))",
                promise:
                    "RPO \(number == 1 ? "<" : "≤") \(DurationText.human(promise)) (Recovery Procedures), "
                    + "alert past \(DurationText.human(limits.limitSeconds)); over the promise for \(DurationText.human(over))",
                points: points, limits: limits)
            lines[lines.count - 1].overPromiseSeconds = over
        }
        for history in series(.s3ReplicationLatencySeconds) {
            let source = history.labels["source"] ?? "?"
            let destination = history.labels["destination"] ?? "?"
            let limits = MeasuredRPO.limits(.replication(source: source), policy: policy)
            measure(
                .replication, subject: "\(source) → \(destination)", measure: "replication latency",
                promise: "< \(DurationText.human(limits.limitSeconds)) (Phase 8 replication-lag alarm)",
                points: inWindow(history.points), limits: limits)
        }
        return lines
    }

    /// Seconds over `promise`: each sample above it counts until the next sample, at most `step`
    /// (a longer silence is time mnemond was not watching, not time over the promise).
    static func timeOver(_ promise: Double, _ points: [HistoryPoint], until end: Date, step: TimeInterval) -> Double {
        var total: Double = 0
        for (index, point) in points.enumerated() where point.max > promise {
            let next = index + 1 < points.count ? points[index + 1].time : end
            total += min(max(0, next.timeIntervalSince(point.time)), step)
        }
        return total
    }

    // MARK: Jobs, coverage, storage

    func jobs() -> RecoveryReport.JobSummary {
        let ages = series(.backupNewestJobAgeSeconds).first?.points ?? []
        let states = series(.backupJobs)
        let clock = Array(Set(ages.map(\.time) + states.flatMap { $0.points.map(\.time) })).sorted()
        let completed = Measures.resets(ages, in: window)
        var failed: [String: Int] = [:]
        for state in ReportBuilder.failedStates {
            let points = states.first { $0.labels["state"] == state }?.points ?? []
            let n = Measures.appearances(points, clock: clock, in: window)
            if n > 0 { failed[state] = n }
        }
        var points: [String: Int] = [:]
        for history in series(.backupSnapshotRPOSeconds) {
            points[history.labels["vault"] ?? "?"] = Measures.resets(history.points, in: window)
        }
        let total = completed + failed.values.reduce(0, +)
        let measured = clock.contains { $0 >= window.start && $0 < window.end }
        let period = window.end.timeIntervalSince(window.start)
        return RecoveryReport.JobSummary(
            completed: completed, failedByState: failed,
            successRate: total > 0 ? Double(completed) / Double(total) : nil, newRecoveryPoints: points,
            measured: measured, watchedSeconds: max(0, period - monitoring().unmonitoredSeconds),
            periodSeconds: period)
    }

    func coverage() -> [RecoveryReport.CoverageLine] {
        let gapsByVault = Dictionary(
            series(.backupLargestGapSeconds).map { ($0.labels["vault"] ?? "?", $0) },
            uniquingKeysWith: { a, _ in a })
        let checks = timelines.filter { $0.check == "backup.coverage" }
        var vaults = checks.map(\.resource)
        if let backup = context.policy?.backup { vaults = [backup.vault, backup.drVault] + vaults }
        vaults += gapsByVault.keys.sorted()
        var seen = Set<String>()
        return vaults.filter { seen.insert($0).inserted }.compactMap { vault in
            let timeline = checks.first { $0.resource == vault }
            let gap = gapsByVault[vault].flatMap { inWindow($0.points).last?.max }
            guard timeline != nil || gap != nil else { return nil }
            let backup = context.policy?.backup
            let retention = backup.map { vault == $0.drVault ? $0.drRetentionDays : $0.retentionDays } ?? 180
            let promise =
                "a recovery point every \(backup?.intervalHours ?? 6) h (+\(backup?.graceHours ?? 1) h) across \(retention) d (Phase 6)"
            return RecoveryReport.CoverageLine(
                vault: vault, okFraction: timeline.flatMap { GroupCompliance.sweep([$0], holes: gaps).okFraction },
                stateAtEnd: timeline?.segments.last?.state, found: timeline?.segments.last?.point.found,
                largestGapSeconds: gap, promise: promise)
        }
    }

    func storage() -> [RecoveryReport.StorageLine] {
        let days = max(1, Int((context.period.duration / 86400).rounded()))
        return series(.s3BucketBytes).compactMap { history in
            let start = history.points.last { $0.time < window.start }
            let end = history.points.last { $0.time < window.end }
            guard (start?.mean ?? 0) != 0 || (end?.mean ?? 0) != 0 else { return nil }
            return RecoveryReport.StorageLine(
                bucket: history.labels["bucket"] ?? "?", storageType: history.labels["storage_type"] ?? "?",
                bytesAtStart: start?.mean, bytesAtEnd: end?.mean, asOf: end?.time,
                daily: Measures.slots(inWindow(history.points), window: window, count: days))
        }.sorted { ($0.bucket, $0.storageType) < ($1.bucket, $1.storageType) }
    }

    func objects() -> [RecoveryReport.ObjectCountLine] {
        series(.s3Objects).map { history in
            let start = history.points.last { $0.time < window.start }
            let end = history.points.last { $0.time < window.end }
            return RecoveryReport.ObjectCountLine(
                bucket: history.labels["bucket"] ?? "?", atStart: start?.mean, atEnd: end?.mean, asOf: end?.time)
        }.sorted { $0.bucket < $1.bucket }
    }

    // MARK: Accepted risks

    func acceptedRisks() -> [RecoveryReport.RiskLine] {
        struct Key: Hashable {
            var check: CheckID
            var resource: String?
            var reason: String
            var until: Date?
        }
        var waived: [Key: [String: CheckState]] = [:]
        var order: [Key] = []
        for history in snapshot.results {
            for point in history.points where point.time < window.end {
                guard let risk = point.acceptedRisk else { continue }
                let key = Key(check: risk.check, resource: risk.resource, reason: risk.reason, until: risk.until)
                if waived[key] == nil { order.append(key) }
                let previous = waived[key]?[history.resource] ?? .ok
                waived[key, default: [:]][history.resource] = CheckState.worst([previous, point.state])
            }
        }
        for risk in context.policy?.acceptedRisks ?? [] {
            let key = Key(check: risk.check, resource: risk.resource, reason: risk.reason, until: risk.until)
            if waived[key] == nil {
                waived[key] = [:]
                order.append(key)
            }
        }
        let asOf = window.end
        return order.map { key in
            let status: String
            if let until = key.until {
                let days = Int((until.timeIntervalSince(asOf) / 86400).rounded(.down))
                status =
                    until <= asOf
                    ? "EXPIRED \(ReportFormat.isoDay(until, tz)): the check counts again"
                    : days < 1 ? "expires today" : "expires in \(days) d (\(ReportFormat.isoDay(until, tz)))"
            } else {
                status = "no expiry"
            }
            return RecoveryReport.RiskLine(
                check: key.check, resource: key.resource, reason: key.reason, until: key.until,
                waived: waived[key] ?? [:], status: status)
        }.sorted { ($0.check, $0.resource ?? "") < ($1.check, $1.resource ?? "") }
    }

    // MARK: Trend figures

    var figures: Trend.Figures {
        let rpo = rpo()
        let jobs = jobs()
        let storage = storage()
        return Trend.Figures(
            compliance: overallCompliance, criticalSeconds: Spans.measure(criticalSpans),
            incidents: incidents().filter { $0.severity != .unknown }.count,
            pitrP95: rpo.filter { $0.kind == .pitr }.compactMap(\.p95Seconds).max(),
            snapshotMax: rpo.filter { $0.kind == .snapshot }.compactMap(\.maxSeconds).max(),
            replicationP95: rpo.filter { $0.kind == .replication }.compactMap(\.p95Seconds).max(),
            successRate: jobs.successRate, failedJobs: jobs.measured ? jobs.failed : nil,
            storedBytes: storage.isEmpty ? nil : storage.compactMap(\.bytesAtEnd).reduce(0, +))
    }
}
