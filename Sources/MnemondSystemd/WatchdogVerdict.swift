import Synchronization

/// The daemon's newest watchdog verdict — would it ping systemd's watchdog now, and if not, why —
/// kept for `GET /healthz`, which has to say the same thing where no systemd runs (Kubernetes'
/// liveness probe). Verdicts are recorded by a tick on the scheduler's queue; if they stop
/// coming (the queue is blocked), the last one goes stale and that is a failure too, as the
/// missing pings would be to systemd.
public final class WatchdogVerdict: Sendable {
    private struct State {
        var reason: String?
        /// Monotonic microseconds of the newest verdict (or of the start, before the first).
        var at: UInt64
    }
    private let state: Mutex<State>
    private let staleAfterMicroseconds: UInt64
    private let now: @Sendable () -> UInt64

    /// - Parameters:
    ///   - staleAfter: a verdict older than this no longer counts (a few tick intervals).
    ///   - now: monotonic microseconds (injected by tests).
    public init(
        staleAfter: Duration, now: @escaping @Sendable () -> UInt64 = { SystemdNotifier.monotonicMicroseconds() }
    ) {
        let (seconds, attoseconds) = staleAfter.components
        staleAfterMicroseconds = UInt64(max(0, seconds)) * 1_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000_000
        self.now = now
        // Starting counts as alive until the first tick is due.
        state = Mutex(State(reason: nil, at: now()))
    }

    /// A tick's verdict: nil when the daemon pings (or would ping) the watchdog, else why not.
    public func record(_ reason: String?) {
        let at = now()
        state.withLock { $0 = State(reason: reason, at: at) }
    }

    /// nil while the daemon is alive; otherwise one line saying why it is not.
    public var failure: String? {
        let current = state.withLock { $0 }
        let time = now()
        let age = time > current.at ? time - current.at : 0
        if age > staleAfterMicroseconds {
            return "no watchdog verdict for \(age / 1_000_000) s: the scheduler queue is blocked"
        }
        return current.reason.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }
    }
}
