import Foundation
import MnemondModel
import MnemondStore
import Testing

private func tempStore() throws -> Store {
    try Store.inMemory()
}

private let day: TimeInterval = 86400
/// Midnight UTC, so hours line up with the arithmetic below.
private let now = Date(timeIntervalSince1970: 1_790_035_200)

private func cycle(
    at time: Date, _ state: CheckState, resource: String = "mne-media-replica", samples: [Sample] = [],
    found: String? = nil
) -> CycleInput {
    CycleInput(
        startedAt: time - 1, finishedAt: time,
        observations: [.init(kind: "s3.bucket", resource: resource, payload: "{\"state\":\(state.rawValue)}")],
        samples: samples,
        findings: [
            Finding(
                check: "s3.lifecycle.noncurrent", resource: resource, state: state, message: "\(resource): \(state)",
                found: found)
        ], apiCalls: 4)
}

/// The store keeps raw samples 35 d, hourly rollups 400 d, and results past 6 h as state changes.
@Suite struct RetentionTests {
    @Test func samplesPastTheRawWindowBecomeExactHourlyRollups() async throws {
        let store = try tempStore()
        // Every 10 minutes for 40 days: values 0, 1, 2, … so each hour's statistics are known.
        var samples: [Sample] = []
        for i in 0..<(40 * 144) {
            samples.append(
                Sample(
                    series: .rdsPitrLagSeconds, labels: ["instance": "eks-mnemonica-prod"],
                    time: now - 40 * day + Double(i) * 600, value: Double(i)))
        }
        try await store.insertSamples(samples)
        let report = try await store.applyRetention(now: now)
        #expect(report.samplesRolledUp == 5 * 144)
        let raw = try await store.samples(series: .rdsPitrLagSeconds, since: .distantPast)
        #expect(raw.count == 35 * 144)
        #expect(raw.first?.time == now - 35 * day)

        let history = try await store.history(series: .rdsPitrLagSeconds, since: now - 41 * day)
        #expect(history.count == 1)
        let points = history[0].points
        #expect(points.filter(\.rolledUp).count == 5 * 24)
        // The first hour held samples 0…5.
        #expect(points[0] == HistoryPoint(time: now - 40 * day, min: 0, max: 5, mean: 2.5, count: 6, rolledUp: true))
        let expectedPoints = 5 * 24 + 35 * 144
        #expect(points.count == expectedPoints)
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.time < $1.time })

        // A second run has nothing left to do.
        #expect(try await store.applyRetention(now: now) == RetentionReport())
    }

    @Test func aLateSampleMergesIntoItsHourExactly() async throws {
        let store = try tempStore()
        let hour = now - 40 * day
        try await store.insertSamples([
            Sample(series: Series("s"), time: hour, value: 10), Sample(series: Series("s"), time: hour + 60, value: 20),
        ])
        try await store.applyRetention(now: now)
        try await store.insertSamples([Sample(series: Series("s"), time: hour + 120, value: 60)])
        try await store.applyRetention(now: now)
        let points = try await store.history(series: Series("s"), since: .distantPast)[0].points
        #expect(points == [HistoryPoint(time: hour, min: 10, max: 60, mean: 30, count: 3, rolledUp: true)])
    }

    @Test func rollupsPastFourHundredDaysAreDropped() async throws {
        let store = try tempStore()
        try await store.insertSamples([
            Sample(series: Series("s"), time: now - 401 * day, value: 1),
            Sample(series: Series("s"), time: now - 399 * day, value: 2),
        ])
        let report = try await store.applyRetention(now: now)
        #expect(report.samplesRolledUp == 2)
        #expect(report.rollupsDeleted == 1)
        let points = try await store.history(series: Series("s"), since: .distantPast)[0].points
        #expect(points.map(\.mean) == [2])
    }

    @Test func resultsPastTheDetailWindowAreCompactedToStateChanges() async throws {
        let store = try tempStore()
        let states: [CheckState] = [.ok, .ok, .ok, .critical, .critical, .ok, .ok]
        // A found value that changes every cycle: each result is written (see recordCycle).
        for (i, state) in states.enumerated() {
            try await store.recordCycle(cycle(at: now - 3 * day + Double(i) * 3600, state, found: "\(i)"))
        }
        // The last six hours stay in full.
        for i in 0..<3 { try await store.recordCycle(cycle(at: now - 3600 * Double(3 - i), .ok, found: "x\(i)")) }
        let report = try await store.applyRetention(now: now)
        #expect(report.resultsCompacted == 4)
        let kept = try await store.results(check: "s3.lifecycle.noncurrent", resource: "mne-media-replica")
        #expect(kept.map(\.state).reversed() == [.ok, .critical, .ok, .ok, .ok, .ok])
        #expect(kept.last?.time == now - 3 * day)
        // An observation repeating the last stored payload is not written at all: nothing to compact.
        #expect(report.observationsCompacted == 0)
        // Current state and its `since` are untouched.
        let state = try await store.currentStates()[0]
        #expect(state.since == now - 3 * day + 5 * 3600)
    }

    @Test func observationsThatChangeEveryRunKeepTheLastOfEachHour() async throws {
        let store = try tempStore()
        // A timestamp inside the payload: every minute differs. Two hours, a day ago.
        for minute in 0..<120 {
            let time = now - day + Double(minute) * 60
            try await store.recordCycle(
                CycleInput(
                    startedAt: time, finishedAt: time,
                    observations: [.init(kind: "rds.instance", resource: "db", payload: "{\"lrt\":\(minute)}")],
                    samples: [], findings: [], apiCalls: 1))
        }
        let report = try await store.applyRetention(now: now)
        #expect(report.observationsCompacted == 118)
        // Nothing refers to the thinned cycles any more, but they are younger than 35 d: kept.
        #expect(report.cyclesDeleted == 0)
    }

    @Test func stateChangesOlderThanTheRollupWindowGo() async throws {
        let store = try tempStore()
        try await store.recordCycle(cycle(at: now - 401 * day, .critical))
        try await store.recordCycle(cycle(at: now - 300 * day, .ok))
        let report = try await store.applyRetention(now: now)
        #expect(report.resultsCompacted == 1)
        let kept = try await store.results(check: "s3.lifecycle.noncurrent", resource: "mne-media-replica")
        #expect(kept.map(\.state) == [.ok])
        #expect(report.cyclesDeleted == 1)
    }

    @Test func oldCyclesGoOnlyWhenNothingRefersToThem() async throws {
        let store = try tempStore()
        try await store.recordCycle(cycle(at: now - 50 * day, .ok))
        try await store.recordCycle(cycle(at: now - 49 * day, .ok))
        try await store.recordCycle(cycle(at: now - 3600, .ok))
        let report = try await store.applyRetention(now: now)
        // The result of 49 d ago repeated the state: never written, and its cycle, referred to by
        // nothing, goes. The first result keeps its cycle.
        #expect(report.resultsCompacted == 0)
        #expect(report.cyclesDeleted == 1)
        #expect(try await store.lastRetention() == now)
        #expect(try await store.lastCycle()?.finishedAt == now - 3600)
    }

    @Test func latestSamplesGivesTheNewestOfEachSeries() async throws {
        let store = try tempStore()
        try await store.insertSamples([
            Sample(series: Series("a"), labels: ["bucket": "x"], time: now - 60, value: 1),
            Sample(series: Series("a"), labels: ["bucket": "x"], time: now, value: 2),
            Sample(series: Series("a"), labels: ["bucket": "y"], time: now - 30, value: 3),
            Sample(series: Series("b"), time: now - 10 * day, value: 4),
        ])
        let latest = try await store.latestSamples(since: now - day)
        #expect(latest.map { "\($0.series){\($0.labelKey)}=\($0.value)" } == ["a{bucket=x}=2.0", "a{bucket=y}=3.0"])
        #expect(try await store.seriesNames() == [Series("a"), Series("b")])
        let y = try await store.history(series: Series("a"), resource: "y", since: .distantPast)
        #expect(y.map(\.labels) == [["bucket": "y"]])
    }
}
