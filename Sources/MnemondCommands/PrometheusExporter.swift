import Foundation
import MnemondModel
import MnemondStore
import Synchronization

/// What the daemon shows Prometheus between two cycles: the exposition of the newest cycle —
/// written to `prometheus_textfile` and served by `metrics.listen` — and the AWS API calls
/// counted since the daemon started (a counter: it only grows, and starts again at a restart,
/// which Prometheus's `rate()` expects). Read from the listener's thread while a cycle ends, so
/// the state sits behind a lock, held only to copy a string or add counts.
public final class PrometheusExporter: Sendable {
    private struct State {
        var apiCallsTotal: [String: Int] = [:]
        var body: String?
        var bodyCycle: Date?
    }
    private let state = Mutex(State())

    public init() {}

    /// The exposition of the newest cycle; nil until the first cycle ends.
    public var body: String? { state.withLock { $0.body } }

    /// After a cycle: counts its API calls, renders the findings with the store's current samples
    /// (`PrometheusTextfile.window`), keeps the text, and writes it to `textfile` when set. A store
    /// read or textfile write failure throws (the cycle itself is stored regardless).
    public func cycleFinished(
        findings: [Finding], apiCalls: [String: Int], finishedAt: Date, longestInterval: Int, store: Store,
        textfile: String?
    ) async throws {
        let totals = state.withLock { state in
            state.apiCallsTotal.merge(apiCalls, uniquingKeysWith: +)
            return state.apiCallsTotal
        }
        let window = PrometheusTextfile.window(finishedAt: finishedAt, longestInterval: longestInterval)
        let samples = PrometheusTextfile.current(try await store.latestSamples(since: window.since), window)
        let text = PrometheusTextfile.render(
            findings: findings, samples: samples, cycleFinishedAt: finishedAt, apiCallsTotal: totals)
        // Families run concurrently: an older cycle finishing last must not replace a newer text.
        let newest = state.withLock { state in
            guard state.bodyCycle.map({ $0 <= finishedAt }) ?? true else { return false }
            state.body = text
            state.bodyCycle = finishedAt
            return true
        }
        if newest, let textfile {
            try PrometheusTextfile.write(text, to: textfile)
        }
    }
}
