import Foundation
import MnemondAWS
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondTestSupport
import Testing

/// One cycle asks AWS each question once: collectors that read the same thing (the backup plans,
/// the RDS instance, a replica's encryption) share one call (`SharedAnswers`). Every AWS call of
/// a full cycle goes through a proxy that names each request by method, target, operation,
/// signed region and service, and body.
@Suite(.timeLimit(.minutes(10))) struct SharedAnswersTests {
    static let now = CatalogFaultTests.now

    /// A full cycle (every family) at `now`, as one `check --once` process would run it, on the
    /// store at `dbPath` (a fresh one by default), all services through `proxy`.
    /// The guide's target estate seeded at `now`, every call through a fault proxy, and a store
    /// file named `store` in a fresh directory: for tests that run several cycles on one store.
    static func proxiedEstate<T>(
        store: String, now: Date = Self.now,
        _ body: (AWSSimulator, FaultProxy, _ dbPath: String) async throws -> T
    ) async throws -> T {
        let simulator = try await AWSSimulator.start(state: .target, now: now)
        defer { Task { await simulator.stop() } }
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        defer { Task { await proxy.stop() } }
        return try await body(simulator, proxy, temporaryDirectory().appendingPathComponent(store).path)
    }

    static func cycle(
        _ simulator: AWSSimulator, _ proxy: FaultProxy, now: Date = Self.now,
        dbPath: String = temporaryDirectory().appendingPathComponent("shared.sqlite").path
    ) async throws -> CycleOutcome {
        var environment = simulator.environment
        environment["AWS_ENDPOINT_URL"] = proxy.endpoint.absoluteString
        var options = RuntimeOptions(dbPath: dbPath, environment: environment)
        options.now = { now }
        let runtime = try Runtime.build(config: try Config.load(path: repoConfig), options: options)
        do {
            let outcome = try await runtime.runCycle()
            await runtime.shutdown()
            return outcome
        } catch {
            await runtime.shutdown()
            throw error
        }
    }

    @Test func aFullCycleSendsEveryReadOnce() async throws {
        let simulator = try await AWSSimulator.start(state: .target, now: Self.now)
        defer { Task { await simulator.stop() } }
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        defer { Task { await proxy.stop() } }
        try await proxy.reset()

        let outcome = try await Self.cycle(simulator, proxy)
        let stats = try await proxy.stats()
        let sent = Dictionary(stats.requests.map { ($0, 1) }, uniquingKeysWith: +)
        let twice = sent.filter { $0.value > 1 }.keys.sorted()
        #expect(twice.isEmpty, "sent more than once in one cycle: \(twice)")
        // The ones that used to go out twice are still asked, once.
        for question in [
            "GET /backup/plans/?maxResults=1000 - eu-west-1/backup", "Action=DescribeDBInstances",
            "/mne-media-replica/?encryption",
        ] {
            #expect(stats.requests.filter { $0.contains(question) }.count == 1, "\(question)")
        }
        // The cycle's own count is what reached AWS: a shared answer is not a call.
        #expect(outcome.apiCalls.values.reduce(0, +) == stats.requests.count, "\(outcome.apiCalls)")
        #expect(stats.faulted == 0)
        let critical = outcome.findings.filter { $0.state == .critical }.map { "\($0.check) \($0.resource)" }
        #expect(outcome.findings.count > 60 && !outcome.findings.contains { $0.state == .unknown }, "\(critical)")
    }

    /// A failed answer is shared too: every collector that asked sees the same failure, and the
    /// failure is still retried within the one call as the retry mode says.
    @Test func aFailedReadIsOneFailureForEveryAsker() async throws {
        let simulator = try await AWSSimulator.start(state: .target, now: Self.now)
        defer { Task { await simulator.stop() } }
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        defer { Task { await proxy.stop() } }
        try await proxy.set(.init("access-denied", match: "Action=DescribeDBInstances"))

        let outcome = try await Self.cycle(simulator, proxy)
        let stats = try await proxy.stats()
        #expect(stats.faulted == 1, "AccessDenied is not retried; one call for both collectors: \(stats.faulted)")
        let unknown = outcome.findings.filter { $0.state == .unknown }
        // Both the RDS checks and the recovery path's RDS prerequisites say why.
        #expect(unknown.contains { $0.check.rawValue.hasPrefix("rds.") }, "\(unknown.map(\.check))")
        #expect(unknown.contains { $0.check.rawValue.hasPrefix("recovery") }, "\(unknown.map(\.check))")
        for finding in unknown
        where finding.check.rawValue.hasPrefix("rds.") || finding.check.rawValue.hasPrefix("recovery") {
            #expect(finding.message.contains("DescribeDBInstances"), "\(finding.check): \(finding.message)")
        }
    }
}
