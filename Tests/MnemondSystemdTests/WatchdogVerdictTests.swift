import MnemondSystemd
import Synchronization
import Testing

/// The verdict `/healthz` reads, on a manual monotonic clock.
@Suite struct WatchdogVerdictTests {
    final class Clock: Sendable {
        let microseconds = Mutex<UInt64>(5_000_000)
        func advance(seconds: UInt64) { microseconds.withLock { $0 += seconds * 1_000_000 } }
    }

    @Test func aliveAtStartThenFollowsEachVerdict() {
        let clock = Clock()
        let verdict = WatchdogVerdict(staleAfter: .seconds(30)) { clock.microseconds.withLock { $0 } }
        #expect(verdict.failure == nil)
        clock.advance(seconds: 10)
        verdict.record("store integrity check failed: page 7\nmore")
        #expect(verdict.failure == "store integrity check failed: page 7 more")
        clock.advance(seconds: 10)
        verdict.record(nil)
        #expect(verdict.failure == nil)
    }

    /// Ticks that stop coming (a blocked scheduler queue) make the newest verdict stale.
    @Test func aVerdictOlderThanStaleAfterIsAFailure() {
        let clock = Clock()
        let verdict = WatchdogVerdict(staleAfter: .seconds(30)) { clock.microseconds.withLock { $0 } }
        clock.advance(seconds: 30)
        #expect(verdict.failure == nil)
        clock.advance(seconds: 1)
        #expect(verdict.failure == "no watchdog verdict for 31 s: the scheduler queue is blocked")
        verdict.record(nil)
        #expect(verdict.failure == nil)
        clock.advance(seconds: 45)
        #expect(verdict.failure == "no watchdog verdict for 45 s: the scheduler queue is blocked")
    }
}
