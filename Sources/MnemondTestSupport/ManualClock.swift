import Dispatch
import Foundation

/// A clock the test moves by hand. Give `now` and `sleep` to code that takes them as injected
/// functions (the dispatcher, the reporter, a runtime); give `arm` to the scheduler
/// (`SchedulerClock(now:arm:)`), whose timers then fire when the test advances past their deadline.
/// Nothing sleeps.
public final class ManualClock: @unchecked Sendable {
    // @unchecked: every mutable property is touched only under `lock`.
    private let lock = NSLock()
    private var current: Date
    private var timers: [Int: (deadline: Date, queue: DispatchQueue, fire: @Sendable () -> Void)] = [:]
    private var nextID = 0

    public init(_ start: Date) { current = start }

    public var now: Date { lock.withLock { current } }

    /// `now` as an injected function.
    public var nowFunction: @Sendable () -> Date { { [self] in now } }

    /// An injected `sleep` that moves the clock instead of waiting.
    public var sleep: @Sendable (Duration) async throws -> Void {
        { [self] duration in
            let (seconds, attoseconds) = duration.components
            advance(by: TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
        }
    }

    /// Moves the time forward; timers that came due fire on their queues without being waited for.
    public func advance(by seconds: TimeInterval) {
        for (_, queue, fire) in takeDue(after: seconds) { queue.async(execute: fire) }
    }

    /// Moves the time forward and returns once every timer that came due has run, in deadline order.
    public func advanceFiringTimers(by seconds: TimeInterval) async {
        for (_, queue, fire) in takeDue(after: seconds) {
            await withCheckedContinuation { continuation in
                queue.async {
                    fire()
                    continuation.resume()
                }
            }
        }
    }

    /// Runs `fire` once on `queue` when the clock reaches `deadline`; the result cancels it.
    public func arm(_ deadline: Date, _ queue: DispatchQueue, _ fire: @escaping @Sendable () -> Void)
        -> @Sendable () -> Void
    {
        let id = lock.withLock {
            nextID += 1
            timers[nextID] = (deadline, queue, fire)
            return nextID
        }
        return { [self] in lock.withLock { _ = timers.removeValue(forKey: id) } }
    }

    /// Deadlines of the timers armed now.
    public var armed: [Date] { lock.withLock { timers.values.map(\.deadline).sorted() } }

    private func takeDue(after seconds: TimeInterval) -> [(Date, DispatchQueue, @Sendable () -> Void)] {
        lock.withLock {
            current += seconds
            let ready = timers.filter { $0.value.deadline <= current }.sorted { $0.value.deadline < $1.value.deadline }
            for (id, _) in ready { timers[id] = nil }
            return ready.map { ($0.value.deadline, $0.value.queue, $0.value.fire) }
        }
    }
}
