import Foundation
import Logging
import MnemondAWS
import MnemondModel

/// Runs the collectors of the due families concurrently, times each one and records its success
/// and duration as samples (node_exporter's scrape_collector_success / _duration_seconds) and as a
/// log event. One collector's failure never stops another.
public struct CollectorRunner: Sendable {
    public let collectors: [any Collector]
    let now: @Sendable () -> Date
    let logger: Logger
    /// Where settled answers are kept across runs (`SettledAnswers`); nil: every run asks them.
    let settled: (any SettledAnswerLedger)?

    public init(
        collectors: [any Collector], logger: Logger = Logger(label: "mnemond.collect"),
        now: @escaping @Sendable () -> Date = Date.init, settled: (any SettledAnswerLedger)? = nil
    ) {
        self.collectors = collectors
        self.logger = logger
        self.now = now
        self.settled = settled
    }

    /// What one run collected, in the collectors' order.
    public struct Run: Sendable {
        /// Every collector's samples, then each one's `collector_*` samples.
        public var samples: [Sample]
        public var reports: [CollectorReport]
        let pieces: [Collected]

        /// Folds every collector's observations into `observations`.
        public func merge(into observations: inout Observations) {
            for piece in pieces { piece.merge(into: &observations) }
        }
    }

    public func run(_ policy: Policy, families: Set<CheckFamily>) async -> Run {
        let started = now()
        let due = collectors.enumerated().filter { !$0.element.families.isDisjoint(with: families) }
        // One state of the estate per run: a read two collectors make is sent once (SharedAnswers);
        // an answer AWS documents as fixed is asked once a day (SettledAnswers).
        let settledAnswers = settled.map(settledAnswers(_:))
        let results = await AWSClient.$sharedAnswers.withValue(SharedAnswers()) {
            await AWSClient.$settledAnswers.withValue(settledAnswers) {
                await collectAll(due, policy: policy, families: families, started: started)
            }
        }
        if let settled, let settledAnswers, case let asked = settledAnswers.asked, !asked.isEmpty {
            do {
                try await settled.keepSettledAnswers(asked, forgetBefore: settledAnswers.oldestUsable)
            } catch {
                logger.warning(
                    "settled answers not kept: the next run asks them again", metadata: ["error": "\(error)"])
            }
        }
        let finished = now()
        var samples: [Sample] = []
        var reports: [CollectorReport] = []
        for (_, collected, report) in results {
            samples += collected.samples
            guard let report else { continue }
            samples += report.samples(at: finished)
            reports.append(report)
            let metadata: Logger.Metadata = [
                "collector": "\(report.collector)", "success": "\(report.success)",
                "ms": "\(Int(report.durationSeconds * 1000))", "samples": "\(collected.samples.count)",
            ]
            if report.success {
                logger.debug("collector done", metadata: metadata)
            } else {
                logger.warning("collector incomplete", metadata: metadata)
            }
        }
        return Run(samples: samples, reports: reports, pieces: results.map(\.1))
    }

    /// This run's settled answers, read from `ledger` on the first settled question; a ledger
    /// that cannot be read leaves the run to ask them all.
    private func settledAnswers(_ ledger: any SettledAnswerLedger) -> SettledAnswers {
        SettledAnswers(now: now) { [logger] since in
            do {
                return try await ledger.settledAnswers(since: since)
            } catch {
                logger.warning("settled answers not read: this run asks them all", metadata: ["error": "\(error)"])
                return [:]
            }
        }
    }

    /// Every due collector at once; results in the collectors' order.
    private func collectAll(
        _ due: [(offset: Int, element: any Collector)], policy: Policy, families: Set<CheckFamily>, started: Date
    ) async -> [(Int, Collected, CollectorReport?)] {
        await withTaskGroup(of: (Int, Collected, CollectorReport?).self) { group in
            for (index, collector) in due {
                group.addTask {
                    let begin = now()
                    let collected = await collector.collect(
                        policy, due: collector.families.intersection(families), at: started)
                    guard collected.ran else { return (index, collected, nil) }
                    let report = CollectorReport(
                        collector: collector.name, success: collected.success,
                        durationSeconds: now().timeIntervalSince(begin))
                    return (index, collected, report)
                }
            }
            var out: [(Int, Collected, CollectorReport?)] = []
            for await result in group { out.append(result) }
            return out.sorted { $0.0 < $1.0 }
        }
    }
}
