import Foundation
import MnemondModel
import Testing

@testable import MnemondSchedule

/// The scheduler's decisions as pure functions of its plan, the time and a random number.
@Suite struct SchedulerPlanTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let intervals: [CheckFamily: Duration] = [
        .pitr: .seconds(60), .backupJobs: .seconds(300), .configuration: .seconds(900),
    ]

    func plan(jitter: Double = 0) -> SchedulePlan<CheckFamily> {
        SchedulePlan(intervals: Self.intervals, jitter: jitter, firstDue: Self.t0)
    }

    @Test func everyFamilyRunsTogetherAtStartThenEachOnItsInterval() {
        var plan = plan()
        let first = plan.startDue(at: Self.t0, random: { 0.5 })
        #expect(first.jobs == [.backupJobs, .configuration, .pitr])
        #expect(first.notes.isEmpty)
        plan.finish(Set(first.jobs), failure: nil)
        #expect(plan.nextWake == Self.t0 + 60)
        #expect(plan.startDue(at: Self.t0 + 59, random: { 0.5 }).jobs.isEmpty)
        #expect(plan.startDue(at: Self.t0 + 60, random: { 0.5 }).jobs == [.pitr])
        plan.finish([.pitr], failure: nil)
        #expect(plan.startDue(at: Self.t0 + 300, random: { 0.5 }).jobs == [.backupJobs, .pitr])
    }

    struct JitterCase: Sendable, CustomTestStringConvertible {
        var random: Double
        var seconds: Double
        var testDescription: String { "random \(random) → \(seconds) s" }
    }

    @Test(arguments: [
        JitterCase(random: 0, seconds: 54), JitterCase(random: 0.5, seconds: 60),
        JitterCase(random: 0.999, seconds: 65.988),
    ])
    func jitterSpreadsTheIntervalByTheConfiguredFraction(_ c: JitterCase) {
        var plan = plan(jitter: 0.1)
        _ = plan.startDue(at: Self.t0, random: { c.random })
        #expect(abs(plan.slots[.pitr]!.nextDue.timeIntervalSince(Self.t0) - c.seconds) < 0.001)
    }

    @Test func aFamilyStillRunningIsNotStartedAgainAndRunsOnceWhenItFinishes() {
        var plan = plan()
        plan.finish(Set(plan.startDue(at: Self.t0, random: { 0.5 }).jobs), failure: nil)
        #expect(plan.startDue(at: Self.t0 + 60, random: { 0.5 }).jobs == [.pitr])
        // Two more intervals pass while the first pitr run hangs: reported once, never doubled.
        let overlap = plan.startDue(at: Self.t0 + 120, random: { 0.5 })
        #expect(overlap.jobs.isEmpty)
        #expect(overlap.notes == [.stillRunning(.pitr, since: Self.t0 + 60)])
        #expect(plan.startDue(at: Self.t0 + 180, random: { 0.5 }).notes.isEmpty)
        #expect(plan.nextWake == Self.t0 + 300)  // the running family arms no timer
        plan.finish([.pitr], failure: nil)
        #expect(plan.nextWake == Self.t0 + 120)
        let after = plan.startDue(at: Self.t0 + 190, random: { 0.5 })
        #expect(after.jobs == [.pitr])
        #expect(plan.slots[.pitr]!.nextDue == Self.t0 + 250)
    }

    @Test func afterASuspendEachFamilyRunsOnceAndMissedRunsAreNotReplayed() {
        var plan = plan()
        plan.finish(Set(plan.startDue(at: Self.t0, random: { 0.5 }).jobs), failure: nil)
        // The laptop slept two hours.
        let wake = Self.t0 + 7200 + 30
        let run = plan.startDue(at: wake, random: { 0.5 })
        #expect(run.jobs == [.backupJobs, .configuration, .pitr])
        #expect(
            run.notes == [
                .caughtUp(.backupJobs, late: .seconds(6930), missed: 23),
                .caughtUp(.configuration, late: .seconds(6330), missed: 7),
                .caughtUp(.pitr, late: .seconds(7170), missed: 119),
            ])
        #expect(
            run.notes[2].description == "pitr was due 1 h 59 min ago: runs once now, 119 missed runs are not replayed")
        plan.finish(Set(run.jobs), failure: nil)
        #expect(plan.nextWake == wake + 60)
        #expect(plan.startDue(at: wake + 1, random: { 0.5 }).jobs.isEmpty)
    }

    @Test func aWallClockSetBackReschedulesInsteadOfWaitingTheGapOut() {
        var plan = plan()
        plan.finish(Set(plan.startDue(at: Self.t0, random: { 0.5 }).jobs), failure: nil)
        let back = Self.t0 - 3600
        let decision = plan.startDue(at: back, random: { 0.5 })
        #expect(decision.jobs.isEmpty)
        #expect(decision.notes.contains(.clockMovedBack(.pitr, by: .seconds(3600))))
        #expect(plan.slots[.pitr]!.nextDue == back + 60)
    }

    struct HealthCase: Sendable, CustomTestStringConvertible {
        var name: String
        var setup: @Sendable (inout SchedulePlan<CheckFamily>) -> Void
        var at: TimeInterval
        var expected: SchedulerHealth
        var testDescription: String { name }
    }

    /// Only pitr is due soon; the other families are far ahead.
    static func onlyPitr(_ plan: inout SchedulePlan<CheckFamily>) {
        for family in plan.slots.keys where family != .pitr { plan.slots[family]!.nextDue = t0 + 86400 }
    }

    static let healthCases: [HealthCase] = [
        HealthCase(name: "idle between runs", setup: { _ in }, at: 30, expected: .healthy),
        HealthCase(
            name: "a run within the stall limit",
            setup: {
                onlyPitr(&$0)
                $0.slots[.pitr]!.runningSince = t0
            }, at: 600,
            expected: .healthy),
        HealthCase(
            name: "a stuck run",
            setup: {
                onlyPitr(&$0)
                $0.slots[.pitr]!.runningSince = t0
            }, at: 901,
            expected: .unhealthy("pitr has been running for 15 min (stall limit 15 min)")),
        HealthCase(
            name: "a timer that did not fire", setup: { _ in }, at: 60 + 61,
            expected: .unhealthy("pitr is 1 min 1 s overdue and not running")),
        HealthCase(
            name: "three failed runs in a row",
            setup: { plan in
                for _ in 0..<3 { plan.finish([.pitr], failure: "store /x: record cycle failed: disk full") }
            }, at: 30,
            expected: .unhealthy("3 runs in a row failed, last: store /x: record cycle failed: disk full")),
        HealthCase(
            name: "a success resets the failures",
            setup: { plan in
                for _ in 0..<3 { plan.finish([.pitr], failure: "boom") }
                plan.finish([.pitr], failure: nil)
            }, at: 30, expected: .healthy),
    ]

    @Test(arguments: healthCases)
    func health(_ c: HealthCase) {
        var plan = plan()
        plan.finish(Set(plan.startDue(at: Self.t0, random: { 0.5 }).jobs), failure: nil)
        c.setup(&plan)
        #expect(plan.health(at: Self.t0 + c.at, stallAfter: .seconds(900)) == c.expected)
    }

    @Test func aReloadKeepsRunningStateAndCanMakeEverythingDue() {
        var plan = plan()
        _ = plan.startDue(at: Self.t0, random: { 0.5 })
        plan.finish([.configuration, .backupJobs], failure: nil)
        plan.reconfigure(
            intervals: [.pitr: .seconds(30), .configuration: .seconds(600)], jitter: 0.2, at: Self.t0 + 10,
            runAllNow: true)
        #expect(plan.slots.keys.sorted() == [.configuration, .pitr])
        #expect(plan.slots[.pitr]!.runningSince == Self.t0)
        #expect(plan.slots[.configuration]!.nextDue == Self.t0 + 10)
        #expect(plan.slots[.pitr]!.interval == .seconds(30))
        #expect(plan.jitter == 0.2)
    }
}
