import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

private func tempDB() -> String {
    temporaryDirectory("mnemond-store").appendingPathComponent("m.sqlite").path
}

private func finding(_ resource: String, _ state: CheckState, found: String = "x") -> Finding {
    Finding(
        check: "s3.lifecycle.noncurrent", resource: resource, state: state, message: "\(resource): \(state)",
        expected: "180 d", found: found)
}

private func cycle(at t: TimeInterval, _ findings: [Finding], samples: [Sample] = []) -> CycleInput {
    CycleInput(
        startedAt: Date(timeIntervalSince1970: t - 1), finishedAt: Date(timeIntervalSince1970: t), observations: [],
        samples: samples, findings: findings, apiCalls: 8)
}

@Suite struct StoreTests {
    @Test func fileIsCreatedOwnerOnlyInWALMode() throws {
        let path = tempDB()
        let store = try Store.open(path: path, umask: 0o077)  // the unit's UMask
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // The WAL file exists once a write happened in WAL mode (migrations wrote).
        withExtendedLifetime(store) { #expect(FileManager.default.fileExists(atPath: path + "-wal")) }
        // Opening again re-runs no migration and keeps the data.
        _ = try Store.open(path: path)
    }

    @Test func sinceIsKeptWhileTheStateHoldsAndResetWhenItChanges() async throws {
        let store = try Store.temporary()
        try await store.recordCycle(cycle(at: 1000, [finding("a", .ok, found: "180 d")]))
        try await store.recordCycle(cycle(at: 2000, [finding("a", .ok, found: "180 d")]))
        var state = try await store.currentStates()[0]
        #expect(state.since == Date(timeIntervalSince1970: 1000))
        #expect(state.lastEvaluated == Date(timeIntervalSince1970: 2000))
        try await store.recordCycle(cycle(at: 3000, [finding("a", .critical, found: "15 d")]))
        state = try await store.currentStates()[0]
        #expect(state.state == .critical)
        #expect(state.since == Date(timeIntervalSince1970: 3000))
        #expect(state.found == "15 d")
        // The repeated OK of 2000 changed nothing: only the first result and the change are rows.
        let history = try await store.results(check: "s3.lifecycle.noncurrent", resource: "a")
        #expect(history.map(\.state) == [.critical, .ok])
        #expect(history.map(\.time) == [Date(timeIntervalSince1970: 3000), Date(timeIntervalSince1970: 1000)])
        let last = try await store.lastCycle()
        #expect(last?.critical == 1)
        #expect(last?.apiCalls == 8)
    }

    /// A result row is written for a pair's first evaluation and for every change of state, found
    /// value or accepted risk, and when the pair comes back after missing a cycle; otherwise the
    /// cycle only refreshes the pair's current state.
    @Test func resultsAreWrittenOnlyWhenStateOrFoundChanges() async throws {
        let store = try Store.temporary()
        func record(_ t: TimeInterval, _ findings: [Finding]) async throws {
            try await store.recordCycle(cycle(at: t, findings))
        }
        func times(_ resource: String) async throws -> [TimeInterval] {
            try await store.results(check: "s3.lifecycle.noncurrent", resource: resource)
                .map(\.time.timeIntervalSince1970).reversed()
        }
        var accepted = finding("b", .critical, found: "15 d")
        accepted.acceptedRisk = AcceptedRisk(
            check: "s3.lifecycle.noncurrent", resource: "b", reason: "migration", until: nil)
        // 100: first evaluations. 200: nothing changes (the message may: it is not compared).
        try await record(100, [finding("a", .ok, found: "180 d"), finding("b", .critical, found: "15 d")])
        var reworded = finding("a", .ok, found: "180 d")
        reworded.message = "a: still fine"
        try await record(200, [reworded, finding("b", .critical, found: "15 d")])
        // 300: a's found value changes in the same state; b's risk is accepted.
        try await record(300, [finding("a", .ok, found: "179 d"), accepted])
        // 400: b is not evaluated (left the config); 500: it is back, unchanged.
        try await record(400, [finding("a", .ok, found: "179 d")])
        try await record(500, [finding("a", .ok, found: "179 d"), accepted])
        // 600: a stays; b's state changes.
        try await record(600, [finding("a", .ok, found: "179 d"), finding("b", .ok, found: "180 d")])

        #expect(try await times("a") == [100, 300])
        #expect(try await times("b") == [100, 300, 500, 600])
        // The current state still has the newest message and evaluation time, and `since` held.
        let states = Dictionary(uniqueKeysWithValues: try await store.currentStates().map { ($0.resource, $0) })
        #expect(states["a"]?.since == Date(timeIntervalSince1970: 100))
        #expect(states["a"]?.lastEvaluated == Date(timeIntervalSince1970: 600))
        #expect(states["a"]?.found == "179 d")
        #expect(states["b"]?.since == Date(timeIntervalSince1970: 600))
        // a's newest row is the one of 300 (found changed), not the reworded one of 200.
        let newest = try await store.results(check: "s3.lifecycle.noncurrent", resource: "a", limit: 1)
        #expect(newest.first?.message == finding("a", .ok).message)
        #expect(newest.first?.time == Date(timeIntervalSince1970: 300))
        // Every cycle keeps its row.
        #expect(try await store.lastCycle()?.finishedAt == Date(timeIntervalSince1970: 600))
    }

    /// The weekly report reads the step function from the change rows and `check_state`: a pair
    /// OK for a day then CRITICAL reads the same as when every cycle was a row.
    @Test func theReportPeriodReadsTheStepFunctionFromChanges() async throws {
        let store = try Store.temporary()
        for minute in 0..<120 {
            let state: CheckState = minute < 90 ? .ok : .critical
            try await store.recordCycle(
                cycle(at: 10_000 + Double(minute) * 60, [finding("a", state, found: state == .ok ? "180 d" : "15 d")]))
        }
        let snapshot = try await store.reportSnapshot(
            since: Date(timeIntervalSince1970: 10_000), until: Date(timeIntervalSince1970: 20_000), series: [])
        #expect(snapshot.cycles.count == 120)
        let history = try #require(snapshot.results.first)
        // The first result of each run, and the newest evaluation (check_state) closing the last run.
        #expect(history.points.map(\.state) == [.ok, .critical, .critical])
        let expectedTimes: [TimeInterval] = [10_000, 15_400, 17_140]  // minutes 0, 90, 119
        #expect(history.points.map(\.time.timeIntervalSince1970) == expectedTimes)
        #expect(history.points.map(\.found) == ["180 d", "15 d", "15 d"])
        #expect(history.lastEvaluated == Date(timeIntervalSince1970: 10_000 + 119 * 60))
    }

    @Test func samplesAnswerRangeQueriesPerSeriesAndLabels() async throws {
        let store = try Store.temporary()
        var samples: [Sample] = []
        for minute in 0..<100 {
            for bucket in ["a", "b"] {
                samples.append(
                    Sample(
                        series: Series("lag_seconds"), labels: ["bucket": bucket],
                        time: Date(timeIntervalSince1970: Double(minute * 60)), value: Double(minute)))
            }
        }
        try await store.insertSamples(samples)
        let range = try await store.samples(
            series: Series("lag_seconds"), labels: ["bucket": "b"], since: Date(timeIntervalSince1970: 600),
            until: Date(timeIntervalSince1970: 1200))
        #expect(range.map(\.value) == Array(10..<20).map(Double.init))
        #expect(range.allSatisfy { $0.labels == ["bucket": "b"] })
        let both = try await store.samples(series: Series("lag_seconds"), since: Date(timeIntervalSince1970: 0))
        #expect(both.count == 200)
        let none = try await store.samples(series: Series("other"), since: .distantPast)
        #expect(none.isEmpty)
    }

    @Test func aSampleSQLiteRefusesFailsItsWholeWriteAndTheNextWriteSucceeds() async throws {
        // A NaN is bound as NULL, which the NOT NULL value column refuses mid-batch.
        let store = try Store.temporary()
        let series = Series("lag_seconds")
        func sample(_ minute: Int, _ value: Double, bucket: String = "a") -> Sample {
            Sample(
                series: series, labels: ["bucket": bucket], time: Date(timeIntervalSince1970: Double(minute * 60)),
                value: value)
        }
        let error = await #expect(throws: StoreError.self) {
            try await store.insertSamples([sample(0, 1), sample(1, .nan), sample(2, 3)])
        }
        #expect(error?.operation == "insert samples")
        #expect(
            error?.message.contains("NOT NULL constraint failed: samples.value") == true, "\(String(describing: error))"
        )
        #expect(error?.message.contains("INSERT INTO samples") == true, "\(String(describing: error))")
        #expect(try await store.samples(series: series, since: .distantPast).isEmpty, "the failed write kept rows")
        // The same prepared statement serves the next write; a changed value replaces the stored one.
        try await store.insertSamples([sample(0, 1), sample(1, 2, bucket: "b"), sample(2, 3)])
        try await store.insertSamples([sample(0, 1), sample(2, 4)])
        let stored = try await store.samples(series: series, since: .distantPast)
        #expect(
            stored.map { "\($0.labels["bucket"]!) \(Int($0.time.timeIntervalSince1970 / 60)) \($0.value)" }.sorted()
                == ["a 0 1.0", "a 2 4.0", "b 1 2.0"])
    }

    @Test func aReadOnlyStoreReadsButCannotWrite() async throws {
        let path = tempDB()
        let writer = try Store.open(path: path)
        try await writer.recordCycle(cycle(at: 1000, [finding("a", .warning)]))
        let reader = try Store.openReadOnly(path: path)
        #expect(try await reader.currentStates().count == 1)
        await #expect(throws: StoreError.self) {
            try await reader.recordCycle(cycle(at: 2000, [finding("a", .ok)]))
        }
        // The writer keeps working while a reader is open.
        try await writer.recordCycle(cycle(at: 3000, [finding("a", .ok)]))
        #expect(try await reader.currentStates().first?.state == .ok)
    }

    @Test func openingAMissingStoreReadOnlySaysWhatToDo() {
        #expect {
            try Store.openReadOnly(path: "/nonexistent/m.sqlite")
        } throws: { error in
            "\(error)".contains("/nonexistent/m.sqlite") && "\(error)".contains("--db")
        }
    }
}

@Suite struct InMemoryStoreTests {
    /// The in-memory store runs the same migrations and transactions as a file: a cycle written
    /// is read back with its state and since.
    @Test func anInMemoryStoreRecordsAndReadsACycle() async throws {
        let store = try Store.inMemory()
        #expect(store.path == ":memory:")
        let at = Date(timeIntervalSince1970: 1_790_000_000)
        try await store.recordCycle(
            CycleInput(
                startedAt: at - 2, finishedAt: at, observations: [], samples: [],
                findings: [Finding(check: "rds.pitr_lag", resource: "db", state: .warning, message: "db: lag")],
                apiCalls: 3))
        let states = try await store.currentStates()
        #expect(states.map(\.state) == [.warning])
        #expect(states.first?.since == at)
    }
}

@Suite struct SinceAcrossUnknownTests {
    static func record(_ store: Store, _ state: CheckState, at time: Date) async throws {
        try await store.recordCycle(
            CycleInput(
                startedAt: time - 1, finishedAt: time, observations: [], samples: [],
                findings: [Finding(check: "rds.pitr_lag", resource: "db", state: state, message: "db: \(state)")],
                apiCalls: 1))
    }

    /// A 25 s AWS outage reset the `since` of every check it touched: CRITICAL → UNKNOWN →
    /// CRITICAL is one CRITICAL episode with a blind spot, not a new one.
    @Test(arguments: [
        ([CheckState.critical, .unknown, .critical], 0),
        ([.critical, .unknown, .unknown, .critical], 0),
        ([.critical, .unknown, .warning], 2),
        ([.critical, .unknown], 1),
        ([.unknown, .critical], 1),
        ([.ok, .critical, .unknown, .critical, .ok], 4),
        ([.critical, .unknown, .critical, .unknown, .critical], 0),
    ])
    func aTransientUnknownDoesNotRewriteSince(_ states: [CheckState], sinceIndex: Int) async throws {
        let store = try Store.inMemory()
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        for (i, state) in states.enumerated() {
            try await Self.record(store, state, at: t0 + Double(i) * 25)
        }
        let current = try #require(try await store.currentStates().first)
        #expect(current.state == states.last)
        #expect(current.since == t0 + Double(sinceIndex) * 25)
    }
}
