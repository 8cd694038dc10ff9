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
        var families: [PrometheusTextfile.Family] = []
        var bodyCycle: Date?
    }
    private let state = Mutex(State())
    /// The `estate` label of every series, when the daemon watches several estates.
    public let estate: String?

    public init(estate: String? = nil) { self.estate = estate }

    /// The exposition of the newest cycle; nil until the first cycle ends.
    public var body: String? { state.withLock { $0.body } }

    /// Several estates' newest expositions as one (`metrics.listen` of a daemon with estates);
    /// nil until one of them has finished a cycle.
    public static func body(of exporters: [PrometheusExporter]) -> String? {
        guard exporters.count > 1 else { return exporters.first?.body }
        let families = exporters.compactMap { exporter in
            exporter.state.withLock { $0.body == nil ? nil : $0.families }
        }
        return families.isEmpty ? nil : PrometheusTextfile.text(PrometheusTextfile.merged(families))
    }

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
        let families = PrometheusTextfile.families(
            findings: findings, samples: samples, cycleFinishedAt: finishedAt, apiCallsTotal: totals, estate: estate)
        let text = PrometheusTextfile.text(families)
        // Families run concurrently: an older cycle finishing last must not replace a newer text.
        let newest = state.withLock { state in
            guard state.bodyCycle.map({ $0 <= finishedAt }) ?? true else { return false }
            state.body = text
            state.families = families
            state.bodyCycle = finishedAt
            return true
        }
        if newest, let textfile {
            try PrometheusTextfile.write(text, to: textfile)
        }
    }
}
