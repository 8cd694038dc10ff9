import Dispatch
import Foundation
import Logging
import MnemondModel

#if canImport(Glibc)
    import Glibc
#endif

/// How the scheduler reads the time and arms timers. Production reads the wall clock and waits
/// with Dispatch timers in monotonic steps of at most `SchedulerClock.step`, re-reading the wall
/// clock after each: a machine that slept through a deadline (the monotonic clock stops while
/// suspended) fires within one step of waking, and a wall clock set back is noticed. Tests move
/// a manual clock.
public struct SchedulerClock: Sendable {
    public var now: @Sendable () -> Date
    /// Runs `fire` once on `queue` at `deadline`; the returned function cancels it.
    public var arm:
        @Sendable (_ deadline: Date, _ queue: DispatchQueue, _ fire: @escaping @Sendable () -> Void) ->
            @Sendable () -> Void

    public init(
        now: @escaping @Sendable () -> Date,
        arm: @escaping @Sendable (Date, DispatchQueue, @escaping @Sendable () -> Void) -> @Sendable () -> Void
    ) {
        self.now = now
        self.arm = arm
    }

    /// The longest monotonic wait before the wall clock is read again.
    static let step: TimeInterval = 10

    public static let system = SchedulerClock(now: Date.init) { deadline, queue, fire in
        let timer = WallDeadlineTimer(deadline: deadline, queue: queue, fire: fire)
        timer.start()
        return { timer.cancel() }
    }
}

/// A one-shot wait for a wall-clock deadline in monotonic steps (see `SchedulerClock.system`).
private final class WallDeadlineTimer: @unchecked Sendable {
    // @unchecked: the source is thread-safe to cancel; its handler runs only on its queue.
    private let deadline: Date
    private let fire: @Sendable () -> Void
    private let source: any DispatchSourceTimer

    init(deadline: Date, queue: DispatchQueue, fire: @escaping @Sendable () -> Void) {
        self.deadline = deadline
        self.fire = fire
        source = DispatchSource.makeTimerSource(queue: queue)
    }

    func start() {
        // The source holds its handler and the handler this object: alive until cancelled or fired.
        source.setEventHandler { [self] in step() }
        schedule()
        source.resume()
    }

    func cancel() {
        source.cancel()
        source.setEventHandler(handler: nil)
    }

    private func schedule() {
        let remaining = min(max(0, deadline.timeIntervalSinceNow), SchedulerClock.step)
        source.schedule(deadline: .now() + .milliseconds(Int(remaining * 1000)), leeway: .milliseconds(100))
    }

    private func step() {
        if Date() >= deadline {
            cancel()
            fire()
        } else {
            schedule()
        }
    }
}

/// Whether the scheduler is doing its job, with the reason when it is not. Only a healthy
/// scheduler feeds the systemd watchdog, so a stuck daemon is restarted rather than silently idle.
public enum SchedulerHealth: Sendable, Equatable, CustomStringConvertible {
    case healthy
    case unhealthy(String)

    public var description: String {
        switch self {
        case .healthy: "healthy"
        case .unhealthy(let reason): reason
        }
    }
}

/// The scheduler's bookkeeping as a value: when each job is next due and which are running. Every
/// decision is a pure function of it, the time and a random number, with a reason to print.
struct SchedulePlan<Job: Hashable & Comparable & Sendable>: Sendable, Equatable {
    struct Slot: Sendable, Equatable {
        var interval: Duration
        var nextDue: Date
        var runningSince: Date?
        /// Set once an overrun was reported, so a long run is reported once, not on every tick.
        var overrunReported = false
    }

    /// Something worth a log line that happened while deciding what to start.
    enum Note: Sendable, Equatable, CustomStringConvertible {
        /// The job was due `late` ago, longer than its interval: the machine slept or the process
        /// was stopped. It runs once now; the `missed` runs in between are not replayed.
        case caughtUp(Job, late: Duration, missed: Int)
        /// Due while its previous run is still going: not started twice.
        case stillRunning(Job, since: Date)
        /// Its next run lay further ahead than one interval allows: the wall clock was set back.
        case clockMovedBack(Job, by: Duration)

        var description: String {
            switch self {
            case .caughtUp(let job, let late, let missed):
                "\(name(job)) was due \(DurationText.human(late.seconds)) ago: runs once now, \(missed) missed runs are not replayed"
            case .stillRunning(let job, let since):
                "\(name(job)) is due but still running since \(since.formatted(.iso8601)): not started again"
            case .clockMovedBack(let job, let by):
                "\(name(job)) was due \(DurationText.human(by.seconds)) beyond its interval: the clock moved back, rescheduled"
            }
        }
    }

    var slots: [Job: Slot]
    /// Fraction of the interval by which a run may come early or late (0.1: ±10 %).
    var jitter: Double
    var consecutiveFailures = 0
    var lastFailure: String?

    /// Every job is due at `firstDue` (a fresh start collects everything at once).
    init(intervals: [Job: Duration], jitter: Double, firstDue: Date) {
        self.jitter = jitter
        slots = intervals.mapValues { Slot(interval: $0, nextDue: firstDue) }
    }

    /// The interval stretched or shrunk by the jitter, so families that share an interval drift
    /// apart instead of calling AWS in bursts. `random` is in [0, 1).
    func jittered(_ interval: Duration, random: Double) -> Duration {
        interval * (1 + jitter * (2 * random - 1))
    }

    /// Starts every job that is due at `now` and not running; returns them (ordered) with notes.
    mutating func startDue(at now: Date, random: () -> Double) -> (jobs: [Job], notes: [Note]) {
        var started: [Job] = []
        var notes: [Note] = []
        for job in slots.keys.sorted() {
            var slot = slots[job]!
            defer { slots[job] = slot }
            let ahead = slot.nextDue.timeIntervalSince(now)
            let longest = slot.interval.seconds * (1 + jitter)
            if ahead > longest + 1 {
                notes.append(.clockMovedBack(job, by: .seconds(ahead - longest)))
                slot.nextDue = now + jittered(slot.interval, random: random()).seconds
                continue
            }
            guard slot.nextDue <= now else { continue }
            if let since = slot.runningSince {
                if !slot.overrunReported {
                    notes.append(.stillRunning(job, since: since))
                    slot.overrunReported = true
                }
                continue
            }
            let late = now.timeIntervalSince(slot.nextDue)
            if late >= slot.interval.seconds {
                notes.append(.caughtUp(job, late: .seconds(late), missed: Int(late / slot.interval.seconds)))
            }
            // The next run counts from this start, not from the missed due time: nothing is replayed.
            slot.nextDue = now + jittered(slot.interval, random: random()).seconds
            slot.runningSince = now
            slot.overrunReported = false
            started.append(job)
        }
        return (started, notes)
    }

    /// Records the end of a run of `jobs`; a failure (the store could not be written) counts
    /// towards the scheduler's health.
    mutating func finish(_ jobs: Set<Job>, failure: String?) {
        for job in jobs { slots[job]?.runningSince = nil }
        if let failure {
            consecutiveFailures += 1
            lastFailure = failure
        } else {
            consecutiveFailures = 0
            lastFailure = nil
        }
    }

    /// When the timer should next fire: the earliest due time of a job that is not running.
    var nextWake: Date? { slots.values.filter { $0.runningSince == nil }.map(\.nextDue).min() }

    /// The next job due and when, for STATUS= ("next in 4m"); a running job's next due time
    /// is already set, so it counts too.
    var nextRun: (job: Job, at: Date)? {
        slots.min { ($0.value.nextDue, $0.key) < ($1.value.nextDue, $1.key) }.map { ($0.key, $0.value.nextDue) }
    }

    var running: Set<Job> { Set(slots.filter { $0.value.runningSince != nil }.keys) }

    /// Healthy unless a run is stuck, runs keep failing, or a job is overdue without running
    /// (its timer did not fire). `grace` is how late a timer may fire before that counts.
    func health(at now: Date, stallAfter: Duration, failureLimit: Int = 3, grace: Duration = .seconds(60))
        -> SchedulerHealth
    {
        for job in slots.keys.sorted() {
            let slot = slots[job]!
            if let since = slot.runningSince, now.timeIntervalSince(since) > stallAfter.seconds {
                return .unhealthy(
                    "\(name(job)) has been running for \(DurationText.human(now.timeIntervalSince(since))) "
                        + "(stall limit \(DurationText.human(stallAfter.seconds)))")
            }
            if slot.runningSince == nil, now.timeIntervalSince(slot.nextDue) > grace.seconds {
                return .unhealthy(
                    "\(name(job)) is \(DurationText.human(now.timeIntervalSince(slot.nextDue))) overdue and not running"
                )
            }
        }
        if consecutiveFailures >= failureLimit {
            return .unhealthy("\(consecutiveFailures) runs in a row failed, last: \(lastFailure ?? "?")")
        }
        return .healthy
    }

    /// New intervals after a reload. Jobs keep their running state; with `runAllNow` every job
    /// is due at once (a new configuration is evaluated whole before anything else).
    mutating func reconfigure(intervals: [Job: Duration], jitter: Double, at now: Date, runAllNow: Bool) {
        self.jitter = jitter
        var updated: [Job: Slot] = [:]
        for (job, interval) in intervals {
            var slot = slots[job] ?? Slot(interval: interval, nextDue: now)
            slot.interval = interval
            if runAllNow { slot.nextDue = now }
            updated[job] = slot
        }
        slots = updated
    }
}

/// Runs jobs (check families, maintenance) each on its own interval, on one Dispatch queue:
/// the jobs due at the same moment run together as one call of `run`, a job never overlaps
/// itself, and after a sleep or suspend a job runs once rather than replaying what it missed.
/// How many AWS calls run at once is the HTTP client's bound (`aws.max_concurrent_requests`).
///
/// All mutable state is touched only on `queue`.
public final class Scheduler<Job: Hashable & Comparable & Sendable>: @unchecked Sendable {
    public typealias Run = @Sendable (Set<Job>) async throws -> Void

    enum State {
        case idle
        case running
        /// Starts nothing new; the waiters resume once no run is in flight (a reload swaps the
        /// runtime between two runs, never under one).
        case pausing([CheckedContinuation<Void, Never>])
        case paused(since: Date)
        case stopping([CheckedContinuation<Void, Never>])
        case stopped
    }

    let queue: DispatchQueue
    let clock: SchedulerClock
    let random: @Sendable () -> Double
    let logger: Logger
    private var stallAfter: Duration
    private var plan: SchedulePlan<Job>
    private var run: Run
    private var state = State.idle
    private var cancelTimer: (@Sendable () -> Void)?
    private var cancelTick: (@Sendable () -> Void)?

    /// - Parameters:
    ///   - stallAfter: a run longer than this makes the scheduler unhealthy (no watchdog ping).
    ///   - firstDelay: every job is first due this long after `start()`.
    public init(
        intervals: [Job: Duration], jitter: Double, stallAfter: Duration, queue: DispatchQueue,
        clock: SchedulerClock = .system, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger, run: @escaping Run
    ) {
        self.queue = queue
        self.clock = clock
        self.random = random
        self.logger = logger
        self.stallAfter = stallAfter
        self.run = run
        plan = SchedulePlan(intervals: intervals, jitter: jitter, firstDue: .distantFuture)
    }

    /// Starts the schedule: every job is due `firstDelay` from now.
    public func start(firstDelay: Duration = .zero) {
        queue.async { [self] in
            guard case .idle = state else { return }
            let first = clock.now() + firstDelay.seconds
            for job in plan.slots.keys { plan.slots[job]!.nextDue = first }
            state = .running
            rearm()
        }
    }

    /// Stops starting runs and returns once none is in flight.
    public func pause() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                switch state {
                case .running, .idle:
                    cancelTimer?()
                    cancelTimer = nil
                    state = .pausing([continuation])
                    settleIfIdle()
                case .pausing(let waiters):
                    state = .pausing(waiters + [continuation])
                default:
                    continuation.resume()
                }
            }
        }
    }

    /// Resumes after `pause()`, optionally with new intervals and a new runner (a reloaded
    /// configuration); `runAllNow` makes every job due immediately.
    public func resume(
        intervals: [Job: Duration]? = nil, jitter: Double? = nil, stallAfter: Duration? = nil, run: Run? = nil,
        runAllNow: Bool
    ) {
        queue.async { [self] in
            guard case .paused = state else { return }
            if let run { self.run = run }
            if let stallAfter { self.stallAfter = stallAfter }
            plan.reconfigure(
                intervals: intervals ?? plan.slots.mapValues(\.interval), jitter: jitter ?? plan.jitter,
                at: clock.now(), runAllNow: runAllNow)
            state = .running
            rearm()
        }
    }

    /// Stops for good: no new runs; waits for the runs in flight until `deadline` has passed on
    /// the scheduler's clock, and returns the jobs still running then (empty: fully drained).
    public func stop(deadline: Duration) async -> Set<Job> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                cancelTimer?()
                cancelTimer = nil
                cancelTick?()
                cancelTick = nil
                switch state {
                case .stopped:
                    continuation.resume()
                    return
                case .stopping(let waiters):
                    state = .stopping(waiters + [continuation])
                    return
                case .pausing(let waiters):
                    waiters.forEach { $0.resume() }
                    state = .stopping([continuation])
                default:
                    state = .stopping([continuation])
                }
                if plan.running.isEmpty {
                    settleIfIdle()
                    return
                }
                cancelTimer = clock.arm(clock.now() + deadline.seconds, queue) { [self] in
                    guard case .stopping(let waiters) = state else { return }
                    state = .stopped
                    waiters.forEach { $0.resume() }
                }
            }
        }
        return await onQueue { $0.plan.running }
    }

    /// The scheduler's health now; called on the queue by the watchdog, so a blocked queue
    /// also stops the pings.
    public func health() async -> SchedulerHealth { await onQueue { $0.currentHealth() } }

    /// The next job due and when, for STATUS= lines.
    public func nextRun() async -> (job: Job, at: Date)? { await onQueue { $0.plan.nextRun } }

    /// The jobs running now.
    public func running() async -> Set<Job> { await onQueue { $0.plan.running } }

    /// Calls `tick` on the scheduler queue every `interval`, with the health at that moment. The
    /// watchdog rides on it: if the queue is blocked, the pings stop too.
    public func every(_ interval: Duration, _ tick: @escaping @Sendable (SchedulerHealth) -> Void) {
        queue.async { [self] in armTick(interval, tick) }
    }

    private func armTick(_ interval: Duration, _ tick: @escaping @Sendable (SchedulerHealth) -> Void) {
        // Holding the handle keeps the timer alive (a Dispatch source without an owner is gone).
        cancelTick = clock.arm(clock.now() + interval.seconds, queue) { [self] in
            switch state {
            case .stopping, .stopped: return
            default: break
            }
            tick(currentHealth())
            armTick(interval, tick)
        }
    }

    // MARK: On the queue

    private func currentHealth() -> SchedulerHealth {
        let now = clock.now()
        switch state {
        case .idle, .stopping, .stopped:
            return .healthy
        case .pausing, .paused:
            // Overdue jobs are expected while paused; only a stuck run counts.
            var frozen = plan
            for job in frozen.slots.keys where frozen.slots[job]!.runningSince == nil {
                frozen.slots[job]!.nextDue = .distantFuture
            }
            if case .paused(let since) = state, now.timeIntervalSince(since) > stallAfter.seconds {
                return .unhealthy("paused for \(DurationText.human(now.timeIntervalSince(since)))")
            }
            return frozen.health(at: now, stallAfter: stallAfter)
        case .running:
            return plan.health(at: now, stallAfter: stallAfter)
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (Scheduler) -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: body(self)) }
        }
    }

    private func rearm() {
        cancelTimer?()
        cancelTimer = nil
        guard case .running = state, let wake = plan.nextWake else { return }
        cancelTimer = clock.arm(max(wake, clock.now()), queue) { [self] in tick() }
    }

    private func tick() {
        guard case .running = state else { return }
        let now = clock.now()
        let (jobs, notes) = plan.startDue(at: now, random: random)
        for note in notes {
            switch note {
            case .caughtUp(let job, let late, let missed):
                logger.notice(
                    "catch-up run",
                    metadata: ["job": "\(name(job))", "late_s": "\(Int(late.seconds))", "missed": "\(missed)"])
            case .stillRunning(let job, let since):
                logger.warning(
                    "run overlaps previous",
                    metadata: ["job": "\(name(job))", "running_s": "\(Int(now.timeIntervalSince(since)))"])
            case .clockMovedBack(let job, let by):
                logger.warning("clock moved back", metadata: ["job": "\(name(job))", "by_s": "\(Int(by.seconds))"])
            }
        }
        if !jobs.isEmpty { launch(Set(jobs)) }
        rearm()
    }

    private func launch(_ jobs: Set<Job>) {
        let run = self.run
        Task { [self] in
            let failure: String?
            do {
                try await run(jobs)
                failure = nil
            } catch {
                failure = "\(error)"
            }
            queue.async { [self] in finished(jobs, failure: failure) }
        }
    }

    private func finished(_ jobs: Set<Job>, failure: String?) {
        plan.finish(jobs, failure: failure)
        if let failure {
            logger.error(
                "run failed",
                metadata: [
                    "jobs": "\(jobs.sorted().map(name).joined(separator: ","))", "error": "\(failure)",
                    "in_a_row": "\(plan.consecutiveFailures)",
                ])
        }
        switch state {
        case .running: rearm()
        case .pausing, .stopping: settleIfIdle()
        default: break
        }
    }

    private func settleIfIdle() {
        guard plan.running.isEmpty else { return }
        switch state {
        case .pausing(let waiters):
            state = .paused(since: clock.now())
            waiters.forEach { $0.resume() }
        case .stopping(let waiters):
            cancelTimer?()
            cancelTimer = nil
            state = .stopped
            waiters.forEach { $0.resume() }
        default:
            break
        }
    }
}

/// A job's name as the config spells it: the raw value (`backup_jobs`), not the case name.
func name<Job>(_ job: Job) -> String {
    if let raw = job as? any RawRepresentable { return "\(raw.rawValue)" }
    return "\(job)"
}
