import Foundation
import Synchronization

/// Several schedulers' health at their last watchdog tick (one per estate of a daemon): all is
/// healthy while every one is, and while every one keeps ticking — a silent scheduler is stuck,
/// its queue or its tick lost.
public final class HealthBoard: Sendable {
    private let reports = Mutex<[String: (health: SchedulerHealth, at: ContinuousClock.Instant)]>([:])

    public init() {}

    /// The schedulers now running, each counted as healthy from `now` (a reload replaces the set).
    public func expect(_ names: [String], now: ContinuousClock.Instant = .now) {
        reports.withLock { reports in
            reports = Dictionary(names.map { ($0, (SchedulerHealth.healthy, now)) }) { a, _ in a }
        }
    }

    public func record(_ name: String, _ health: SchedulerHealth, now: ContinuousClock.Instant = .now) {
        reports.withLock { $0[name] = (health, now) }
    }

    /// Why not all is healthy (nil: it is): the first unhealthy scheduler by name, or one whose
    /// tick has not come for `staleAfter`. With one scheduler its reason is given as it is.
    public func problem(staleAfter: Duration, now: ContinuousClock.Instant = .now) -> String? {
        let all = reports.withLock { $0 }
        let many = all.count > 1
        for (name, report) in all.sorted(by: { $0.key < $1.key }) {
            if case .unhealthy(let why) = report.health { return many ? "estate \(name): \(why)" : why }
            if now - report.at > staleAfter {
                return "estate \(name): its scheduler has not ticked for \(Int((now - report.at).components.seconds)) s"
            }
        }
        return nil
    }
}
