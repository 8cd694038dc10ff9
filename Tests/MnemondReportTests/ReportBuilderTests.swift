import Foundation
import MnemondModel
import MnemondStore
import Testing

@testable import MnemondReport

/// Week 47 of 2026 in Rome, reported on Monday morning.
let week47 = ReportPeriod.lastCompletedWeek(before: iso("2026-11-23T08:00:00+01:00"), timeZone: rome)
let reportTime = iso("2026-11-23T08:00:00+01:00")

/// `day` 0 = Monday, local time.
func local(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    let calendar = ReportPeriod.isoCalendar(rome)
    let d = calendar.date(byAdding: .day, value: day, to: week47.start)!
    return calendar.date(bySettingHour: hour, minute: minute, second: 0, of: d)!
}

/// A pair's results: OK before and after, `state` in [from, to).
func history(
    _ check: CheckID, _ resource: String, _ state: CheckState, from: Date?, to: Date?, risk: AcceptedRisk? = nil
) -> ResultHistory {
    var points = [ResultPoint(time: week47.start - 60, state: .ok, message: "\(resource): fine", acceptedRisk: risk)]
    if let from, let to {
        points.append(ResultPoint(time: from, state: state, message: "\(resource): broken", acceptedRisk: risk))
        points.append(ResultPoint(time: to, state: .ok, message: "\(resource): fine again", acceptedRisk: risk))
    }
    return ResultHistory(check: check, resource: resource, lastEvaluated: week47.end, points: points)
}

/// A cycle every 5 minutes through the week, except in `holes`.
func cycles(except holes: [(Date, Date)] = []) -> [Date] {
    stride(from: week47.start.timeIntervalSince1970 - 600, to: week47.end.timeIntervalSince1970, by: 300)
        .map(Date.init(timeIntervalSince1970:))
        .filter { t in !holes.contains { t >= $0.0 && t < $0.1 } }
}

func snapshot(
    _ results: [ResultHistory], cycles: [Date] = cycles(), series: [SeriesHistory] = [], log: [AlertLogEntry] = [],
    deliveries: [String: [DeliveryRecord]] = [:]
) -> ReportSnapshot {
    ReportSnapshot(
        since: week47.start, until: week47.end, results: results, cycles: cycles, series: series, alertLog: log,
        deliveries: deliveries)
}

func build(_ snapshot: ReportSnapshot) -> RecoveryReport {
    ReportBuilder.build(snapshot, previous: nil, context: ReportContext(period: week47, now: reportTime))
}

@Suite struct ReportBuilderTests {
    struct VerdictCase: Sendable, CustomTestStringConvertible {
        var name: String
        var results: [ResultHistory]
        var holes: [(Date, Date)] = []
        var line: String
        var recoverable: Bool
        var testDescription: String { name }
    }

    static let verdicts: [VerdictCase] = [
        VerdictCase(
            name: "all OK", results: [history("rds.pitr_lag", "db", .ok, from: nil, to: nil)],
            line: "Recoverable all week", recoverable: true),
        VerdictCase(
            name: "two hours critical on Tuesday",
            results: [
                history("backup.job_freshness", "db", .critical, from: local(1, 10), to: local(1, 12)),
                history("rds.pitr_lag", "db", .ok, from: nil, to: nil),
            ],
            line: "Not recoverable as promised for 2 h on Tue — backup.job_freshness db", recoverable: false),
        VerdictCase(
            name: "critical across midnight counts both days, overlaps once",
            results: [
                history("backup.copy", "dr", .critical, from: local(2, 23), to: local(3, 1)),
                history("backup.coverage", "dr", .critical, from: local(3, 0), to: local(3, 1)),
            ],
            line: "Not recoverable as promised for 2 h on Wed, Thu — backup.copy dr, backup.coverage dr",
            recoverable: false),
        VerdictCase(
            name: "UNKNOWN and a gap are blind time, not a loss",
            results: [history("rds.pitr_lag", "db", .unknown, from: local(4, 9), to: local(4, 9, 40))],
            holes: [(local(5, 3), local(5, 4))],
            line:
                "Recoverable whenever measured, blind for 1 h 45 min (mnemond not watching 1 h 5 min, UNKNOWN 40 min)",
            recoverable: true),
        VerdictCase(
            name: "a warning is named but the week stays recoverable",
            results: [history("s3.lifecycle.noncurrent", "b", .warning, from: local(0, 9), to: local(0, 10))],
            line: "Recoverable all week — warnings on 1 check", recoverable: true),
        VerdictCase(
            name: "an accepted risk counts as OK",
            results: [
                history(
                    "s3.object_lock", "replica", .critical, from: local(0, 0), to: local(6, 23),
                    risk: AcceptedRisk(check: "s3.object_lock", reason: "deferred"))
            ],
            line: "Recoverable all week", recoverable: true),
        VerdictCase(
            name: "nothing recorded", results: [], line: "No data: mnemond recorded no evaluation in this period",
            recoverable: false),
    ]

    @Test(arguments: verdicts)
    func theVerdictSaysWhetherAndForHowLongRecoverabilityWasLost(_ c: VerdictCase) {
        let report = build(snapshot(c.results, cycles: cycles(except: c.holes)))
        #expect(report.verdict.line == c.line)
        #expect(report.verdict.recoverable == c.recoverable)
    }

    @Test func areaComplianceIsTheTimeEveryCheckOfTheAreaWasOK() {
        let report = build(
            snapshot([
                history("backup.job_freshness", "db", .critical, from: local(1, 10), to: local(1, 12)),
                history("backup.copy", "dr", .warning, from: local(1, 11), to: local(1, 14)),
                history("rds.pitr_lag", "db", .ok, from: nil, to: nil),
            ]))
        let backup = report.areas.first { $0.area == "backup" }!
        // Not OK from Tue 10:00 to 14:00: 4 of 168 hours.
        #expect(backup.okFraction == 164.0 / 168)
        #expect(backup.worst == .critical)
        let expected: [Double?] = [165.0 / 168, 166.0 / 168]
        #expect(backup.checks.map(\.okFraction) == expected)
        #expect(report.areas.map(\.area) == ["rds", "backup"])
        #expect(report.incidents.map(\.durationSeconds) == [7200, 10800])
    }

    @Test func gapsAreNotCountedAndOldPeriodsSayTheyCannotTell() {
        let holes = [(local(2, 3), local(2, 5))]
        let report = build(
            snapshot([history("rds.pitr_lag", "db", .ok, from: nil, to: nil)], cycles: cycles(except: holes)))
        #expect(report.monitoring.gaps == [Span(start: local(2, 2, 55), end: local(2, 5))])
        #expect(report.areas[0].observedSeconds == 168 * 3600 - 7500)
        let later = ReportBuilder.build(
            snapshot([history("rds.pitr_lag", "db", .ok, from: nil, to: nil)], cycles: []), previous: nil,
            context: ReportContext(period: week47, now: reportTime + 60 * 86400))
        #expect(!later.monitoring.gapsKnown)
        #expect(later.verdict.line == "Recoverable all week")
    }

    struct NotifyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var log: [AlertLogEntry]
        var deliveries: [String: [DeliveryRecord]]
        var outcome: RecoveryReport.NotificationStatus.Outcome
        var detail: String
        var testDescription: String { name }
    }

    static func entry(_ kind: String, at time: Date, group: String?, silence: Int64? = nil) -> AlertLogEntry {
        AlertLogEntry(
            time: time, check: "backup.copy", resource: "dr", episode: 1, kind: kind, severity: .critical,
            idempotencyKey: "k-\(kind)", groupKey: group, silencedBy: silence, reason: "")
    }

    static func record(
        _ channel: String, _ key: String, delivered: Bool = true, dead: Bool = false, error: String? = nil
    )
        -> DeliveryRecord
    {
        DeliveryRecord(
            channel: channel, idempotencyKey: key, createdAt: local(1, 10, 10),
            deliveredAt: delivered ? local(1, 10, 11) : nil, deadLetteredAt: dead ? local(2, 10) : nil, attempts: 1,
            lastError: error)
    }

    static let notifications: [NotifyCase] = [
        NotifyCase(
            name: "delivered everywhere",
            log: [
                entry("firing", at: local(1, 10, 10), group: "g1"), entry("resolved", at: local(1, 12), group: "g2"),
            ],
            deliveries: ["g1": [record("sns", "g1"), record("slack", "g1")], "g2": [record("sns", "g2")]],
            outcome: .delivered, detail: "firing, resolved delivered via slack+sns"),
        NotifyCase(
            name: "still retrying", log: [entry("firing", at: local(1, 10, 10), group: "g1")],
            deliveries: ["g1": [record("sns", "g1"), record("slack", "g1", delivered: false, error: "HTTP 500")]],
            outcome: .pending, detail: "still queued for slack (HTTP 500)"),
        NotifyCase(
            name: "given up", log: [entry("firing", at: local(1, 10, 10), group: "g1")],
            deliveries: ["g1": [record("slack", "g1", delivered: false, dead: true, error: "HTTP 404: no_service")]],
            outcome: .failed, detail: "NOT delivered to slack (dead-lettered: HTTP 404: no_service)"),
        NotifyCase(
            name: "silenced", log: [entry("firing", at: local(1, 10, 10), group: nil, silence: 3)], deliveries: [:],
            outcome: .silenced, detail: "silenced by #3"),
        NotifyCase(
            name: "no channel", log: [entry("firing", at: local(1, 10, 10), group: nil)], deliveries: [:],
            outcome: .none,
            detail: "not sent: no alerting channel configured"),
        NotifyCase(
            name: "too short to fire", log: [], deliveries: [:], outcome: .none, detail: "not notified (no alert fired)"
        ),
        NotifyCase(
            name: "a later episode's alert is not this one's",
            log: [entry("firing", at: local(3, 10), group: "g9")], deliveries: ["g9": [record("sns", "g9")]],
            outcome: .none, detail: "not notified (no alert fired)"),
    ]

    @Test(arguments: notifications)
    func eachIncidentSaysWhetherItsNotificationsArrived(_ c: NotifyCase) {
        let report = build(
            snapshot(
                [history("backup.copy", "dr", .critical, from: local(1, 10), to: local(1, 12))], log: c.log,
                deliveries: c.deliveries))
        #expect(report.incidents.count == 1)
        #expect(report.incidents.first?.notification.outcome == c.outcome)
        #expect(report.incidents.first?.notification.detail == c.detail)
    }

    @Test func percentilesAreNearestRankAndRollupsAreMarkedApproximate() {
        let points = (1...20).map { HistoryPoint.raw(local(0, 1) + Double($0) * 60, Double($0)) }
        let stats = Measures.statistics(points)!
        #expect(stats.p50 == 10 && stats.p95 == 19 && stats.max == 20 && stats.count == 20 && !stats.approximate)
        let rolled = [HistoryPoint(time: local(0, 0), min: 1, max: 90, mean: 10, count: 60, rolledUp: true)]
        let approx = Measures.statistics(rolled)!
        #expect(approx.max == 90 && approx.p95 == 10 && approx.approximate)
    }

    @Test func anAgeThatDropsIsANewBackupAndAFailureThatAgedOutIsNotCountedAgain() {
        let window = Span(start: local(0, 0), end: local(7, 0))
        let clock = stride(from: 0.0, to: 10, by: 1).map { local(0, 10) + $0 * 300 }
        // Ages: growing, reset twice (two new backups), the first point is before the window.
        let ages = zip(clock, [21000.0, 21300, 200, 500, 800, 100, 400, 700, 1000, 1300]).map {
            HistoryPoint.raw($0, $1)
        }
        let outside = [HistoryPoint.raw(local(0, 0) - 300, 20700)] + ages
        #expect(Measures.resets(outside, in: window) == 2)
        // FAILED: 1 before, gone (aged out: no sample) for two collections, then 1 again: one new.
        let failed = [clock[0], clock[1], clock[4], clock[5]].map { HistoryPoint.raw($0, 1) }
        #expect(Measures.appearances(failed, clock: clock, in: window) == 1)
        // With no collection in between, a count that stays is not new.
        #expect(Measures.appearances(failed, clock: [clock[0], clock[1], clock[4]], in: window) == 0)
    }

    @Test func theRestoreDateIsReadFromTheCheckMessage() {
        #expect(
            Maintenance.restoreTime(
                in: "eu-west-1: newest COMPLETED restore job is 12 d 3 h old (2026-11-12 09:00 UTC), within 30 d")
                == iso("2026-11-12T09:00:00Z"))
        #expect(Maintenance.restoreTime(in: "eu-west-3: no COMPLETED restore job found; guide requires …") == nil)
        #expect(Maintenance.days(in: "≤ 90 d") == 90)
    }
}
