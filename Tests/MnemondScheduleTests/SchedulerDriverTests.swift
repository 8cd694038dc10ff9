import Dispatch
import Foundation
import Logging
import MnemondModel
import MnemondTestSupport
import Testing

@testable import MnemondSchedule

extension ManualClock {
    /// The scheduler's view of the manual clock: its timers fire when the test advances.
    var clock: SchedulerClock { SchedulerClock(now: nowFunction, arm: arm) }
}

/// Runs the test's "collection" and lets the test decide when each run ends.
actor FakeRuns {
    private(set) var started: [Set<CheckFamily>] = []
    private var gates: [Int: CheckedContinuation<Void, Never>] = [:]
    private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []
    var holdRuns = false

    func setHold(_ hold: Bool) { holdRuns = hold }

    func run(_ families: Set<CheckFamily>) async {
        started.append(families)
        let index = started.count
        for (count, waiter) in waiters where count <= index { waiter.resume() }
        waiters.removeAll { $0.0 <= index }
        if holdRuns {
            await withCheckedContinuation { gates[index] = $0 }
        }
    }

    /// Returns once `count` runs have started.
    func waitForRuns(_ count: Int) async {
        if started.count >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    func release(_ run: Int) {
        gates.removeValue(forKey: run)?.resume()
    }
}

@Suite struct SchedulerDriverTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    func make(_ clock: ManualClock, _ runs: FakeRuns) -> Scheduler<CheckFamily> {
        Scheduler(
            intervals: [.pitr: .seconds(60), .configuration: .seconds(900)], jitter: 0, stallAfter: .seconds(900),
            queue: DispatchQueue(label: "test.scheduler"), clock: clock.clock, random: { 0.5 },
            logger: Logger(label: "test"), run: { await runs.run($0) })
    }

    @Test func startRunsEverythingOnceThenFollowsTheManualClock() async {
        let clock = ManualClock(Self.t0)
        let runs = FakeRuns()
        let scheduler = make(clock, runs)
        scheduler.start()
        await settle(scheduler)
        await clock.advanceFiringTimers(by: 0)
        await runs.waitForRuns(1)
        #expect(await runs.started == [[.pitr, .configuration]])
        await waitIdle(scheduler)
        #expect(clock.armed == [Self.t0 + 60])
        await clock.advanceFiringTimers(by: 60)
        await runs.waitForRuns(2)
        #expect(await runs.started.last == [.pitr])
        let next = await scheduler.nextRun()
        #expect(next?.job == .pitr)
        #expect(next?.at == Self.t0 + 120)
        _ = await scheduler.stop(deadline: .seconds(5))
    }

    @Test func aHangingRunIsNeverDoubledAndStopReturnsItAfterTheDeadline() async {
        let clock = ManualClock(Self.t0)
        let runs = FakeRuns()
        await runs.setHold(true)
        let scheduler = make(clock, runs)
        scheduler.start()
        await settle(scheduler)
        await clock.advanceFiringTimers(by: 0)
        await runs.waitForRuns(1)
        // Three pitr intervals pass while the first run hangs: no second run starts.
        await clock.advanceFiringTimers(by: 60)
        await clock.advanceFiringTimers(by: 60)
        await clock.advanceFiringTimers(by: 60)
        #expect(await runs.started.count == 1)
        #expect(await scheduler.running() == [.pitr, .configuration])
        #expect(await scheduler.health() == .healthy)
        await clock.advanceFiringTimers(by: 721)
        #expect(
            await scheduler.health() == .unhealthy("configuration has been running for 15 min (stall limit 15 min)"))

        async let left = scheduler.stop(deadline: .seconds(20))
        while !clock.armed.contains(clock.now + 20) { await Task.yield() }
        await clock.advanceFiringTimers(by: 20)
        #expect(await left == [.pitr, .configuration])
        await runs.release(1)
    }

    @Test func stopWaitsForTheRunInFlightAndReturnsAtOnceWhenItEnds() async {
        let clock = ManualClock(Self.t0)
        let runs = FakeRuns()
        await runs.setHold(true)
        let scheduler = make(clock, runs)
        scheduler.start()
        await settle(scheduler)
        await clock.advanceFiringTimers(by: 0)
        await runs.waitForRuns(1)
        async let left = scheduler.stop(deadline: .seconds(20))
        while !clock.armed.contains(clock.now + 20) { await Task.yield() }
        await runs.release(1)
        #expect(await left == [])
        // Stopped: time passing starts nothing.
        await clock.advanceFiringTimers(by: 600)
        #expect(await runs.started.count == 1)
    }

    @Test func pauseDrainsAndResumeWithANewRunnerMakesEverythingDue() async {
        let clock = ManualClock(Self.t0)
        let runs = FakeRuns()
        let second = FakeRuns()
        let scheduler = make(clock, runs)
        scheduler.start()
        await settle(scheduler)
        await clock.advanceFiringTimers(by: 0)
        await runs.waitForRuns(1)
        await scheduler.pause()
        await clock.advanceFiringTimers(by: 120)
        #expect(await runs.started.count == 1)
        scheduler.resume(run: { await second.run($0) }, runAllNow: true)
        await settle(scheduler)
        await clock.advanceFiringTimers(by: 0)
        await second.waitForRuns(1)
        #expect(await second.started == [[.pitr, .configuration]])
        _ = await scheduler.stop(deadline: .seconds(5))
    }

    @Test func theTickerReportsHealthOnTheQueueUntilStopped() async {
        let clock = ManualClock(Self.t0)
        let runs = FakeRuns()
        let scheduler = make(clock, runs)
        let ticks = Ticks()
        scheduler.every(.seconds(10)) { health in Task { await ticks.add(health) } }
        await settle(scheduler)
        await clock.advanceFiringTimers(by: 10)
        await clock.advanceFiringTimers(by: 10)
        while await ticks.all.count < 2 { await Task.yield() }
        #expect(await ticks.all == [.healthy, .healthy])
        _ = await scheduler.stop(deadline: .seconds(1))
        await clock.advanceFiringTimers(by: 10)
        #expect(clock.armed.isEmpty)
    }

    /// Returns once no run is in flight (the end of a run reaches the queue asynchronously).
    func waitIdle(_ scheduler: Scheduler<CheckFamily>) async {
        while await !scheduler.running().isEmpty { await Task.yield() }
    }

    /// Returns once the scheduler's queue has processed what was enqueued before.
    func settle(_ scheduler: Scheduler<CheckFamily>) async {
        _ = await scheduler.running()
    }
}

actor Ticks {
    private(set) var all: [SchedulerHealth] = []
    func add(_ health: SchedulerHealth) { all.append(health) }
}
