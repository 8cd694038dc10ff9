import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// The storage types a process discovered are kept in the store: the next process on that store
/// (a `check --once`, a restarted daemon) asks for the same types without listing them again
/// until the listing is a day old. Each cycle is a new runtime on one store file, every AWS call
/// through a proxy that names it.
@Suite(.timeLimit(.minutes(10))) struct KeptStorageTypesTests {
    static func listings(_ proxy: FaultProxy) async throws -> [String] {
        try await proxy.stats().requests.filter { $0.contains("Action=ListMetrics") }
    }

    static func judged(_ outcome: CycleOutcome) -> [String] {
        outcome.findings.map { "\($0.check) \($0.resource) \($0.state) \($0.message)" }.sorted()
    }

    /// cloudwatch_metrics_requested by region, as the cycle at `time` stored it.
    static func requested(_ db: String, at time: Date) async throws -> [String: Double] {
        let store = try Store.open(path: db)
        let samples = try await store.samples(
            series: .cloudWatchMetricsRequested, since: time.addingTimeInterval(-30), until: time.addingTimeInterval(30)
        )
        return Dictionary(samples.map { ($0.labels["region"] ?? "-", $0.value) }, uniquingKeysWith: +)
    }

    @Test func aNewProcessReusesTheListingUntilItIsADayOld() async throws {
        let now = SharedAnswersTests.now
        try await SharedAnswersTests.proxiedEstate(store: "kept.sqlite") { simulator, proxy, db in
            let first = try await SharedAnswersTests.cycle(simulator, proxy, now: now, dbPath: db)
            // One listing per bucket region (eu-west-1, eu-west-3, eu-north-1).
            #expect(try await Self.listings(proxy).count == 3)
            let asked = try await Self.requested(db, at: now)
            #expect(asked == ["eu-west-1": 11, "eu-west-3": 7, "eu-north-1": 7])

            // The next process, a minute later (the simulator's estate does not age: an hour would
            // make its PITR lag critical), asks for the same types without listing them.
            try await proxy.reset()
            let later = now.addingTimeInterval(60)
            let second = try await SharedAnswersTests.cycle(simulator, proxy, now: later, dbPath: db)
            #expect(try await Self.listings(proxy).isEmpty)
            #expect(try await Self.requested(db, at: later) == asked)
            #expect(!Self.judged(first).isEmpty)
            #expect(
                Set(first.findings.map { "\($0.check) \($0.resource) \($0.state)" })
                    == Set(second.findings.map { "\($0.check) \($0.resource) \($0.state)" }))

            try await proxy.reset()
            _ = try await SharedAnswersTests.cycle(simulator, proxy, now: now.addingTimeInterval(86_400), dbPath: db)
            #expect(try await Self.listings(proxy).count == 3, "a day-old listing is listed again")
        }
    }
}
