import Foundation
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondTestSupport
import Testing

/// One check cycle per injected fault, with Tests/Peers/fault_proxy.py in front of RDS
/// (`AWS_ENDPOINT_URL_RDS`) and every other service answered by the simulator directly. Each
/// fault must leave the cycle finishing within its deadline, exactly the checks that read RDS
/// UNKNOWN with the API action and the cause in the message, and every other finding as it
/// was in the fault-free cycle.
@Suite(.serialized) struct FaultInjectionTests {
    /// The request timeout of these cycles (the shipped config says 30 s); a delayed answer
    /// costs 3 attempts of it.
    static let requestTimeoutSeconds = 8
    /// What one cycle may take: the failing call's 3 attempts and their backoff (≤ 1 + 2 s),
    /// plus a fault-free cycle on a loaded machine.
    static let deadline = Duration.seconds(3 * requestTimeoutSeconds + 3 + 120)
    /// The simulator's seeded history and the checks' clock, pinned together so that two
    /// cycles give the same messages.
    static let now: Date = {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        return utc.date(from: DateComponents(year: 2026, month: 11, day: 25, hour: 8, minute: 20))!
    }()

    /// The checks whose evidence comes from RDS: the instance's backup settings and PITR
    /// position (DescribeDBInstances), Scenario 1 which restores from that PITR, and the DR
    /// landing zone (DescribeDBInstances, then the groups in eu-west-3).
    static let readsRDS: Set<String> = [
        "rds.backup_retention eks-mnemonica-prod", "rds.backup_window eks-mnemonica-prod",
        "rds.pitr_lag eks-mnemonica-prod", "recovery.rpo scenario-1",
        "recovery_path.dr_landing_zone eks-mnemonica-prod-dr (eu-west-3)",
    ]
    /// The checks that read a number of an RDS answer (BackupRetentionPeriod).
    static let readsRDSNumbers: Set<String> = [
        "rds.backup_retention eks-mnemonica-prod", "rds.backup_window eks-mnemonica-prod",
        "rds.pitr_lag eks-mnemonica-prod", "recovery.rpo scenario-1",
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var fault: FaultProxy.Fault
        /// What every UNKNOWN finding's message must name as the cause, beside the action.
        var cause: String
        /// "check resource" of the findings that must turn UNKNOWN; nothing else may change.
        var unknown: Set<String> = FaultInjectionTests.readsRDS
        var testDescription: String { fault.name }
    }

    static let cases: [Case] = [
        Case(fault: .init("status-500"), cause: "InternalError"),
        Case(fault: .init("status-503"), cause: "ServiceUnavailable"),
        Case(fault: .init("slowdown"), cause: "SlowDown"),
        Case(fault: .init("throttling"), cause: "Throttling"),
        Case(fault: .init("access-denied"), cause: "AccessDenied"),
        Case(fault: .init("expired-token"), cause: "ExpiredToken"),
        Case(fault: .init("delay", seconds: Double(3 * requestTimeoutSeconds)), cause: "Timeout"),
        Case(fault: .init("trickle", intervalMilliseconds: 500), cause: "Timeout"),
        Case(fault: .init("reset"), cause: "ConnectionReset"),
        // curl sees the connection close before Content-Length bytes came (curl 18).
        Case(fault: .init("short-body"), cause: "ConnectionReset"),
        Case(fault: .init("truncated"), cause: "InvalidResponse"),
        Case(fault: .init("malformed"), cause: "InvalidResponse"),
        Case(fault: .init("deep-nesting", depth: 100_000), cause: "InvalidResponse"),
        Case(fault: .init("oversized", bytes: 16 << 20), cause: "TransportError"),
        Case(fault: .init("number-1e300"), cause: "InvalidResponse", unknown: readsRDSNumbers),
        Case(fault: .init("number-minus-1e300"), cause: "InvalidResponse", unknown: readsRDSNumbers),
        Case(fault: .init("number-nan"), cause: "InvalidResponse", unknown: readsRDSNumbers),
        Case(fault: .init("number-text"), cause: "InvalidResponse", unknown: readsRDSNumbers),
    ]

    /// One simulator and one proxy for the suite, and the fault-free cycle through them.
    actor Bench {
        static let shared = Bench()
        private var started: Task<(AWSSimulator, FaultProxy, [String: Finding]), any Error>?

        func get() async throws -> (AWSSimulator, FaultProxy, [String: Finding]) {
            if let started { return try await started.value }
            let task = Task {
                let simulator = try await AWSSimulator.start(state: .target, now: FaultInjectionTests.now)
                let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
                try await proxy.reset()
                let baseline = try await FaultInjectionTests.cycle(simulator, proxy)
                let stats = try await proxy.stats()
                #expect(stats.forwarded > 0, "RDS was not called through the proxy")
                #expect(stats.faulted == 0)
                return (simulator, proxy, baseline)
            }
            started = task
            return try await task.value
        }
    }

    static func config() throws -> Config {
        let text = try String(contentsOfFile: repoConfig, encoding: .utf8)
        let shorter = text.replacingOccurrences(
            of: "request_timeout_seconds: 30", with: "request_timeout_seconds: \(requestTimeoutSeconds)")
        #expect(shorter != text, "etc/mnemond.yaml no longer sets request_timeout_seconds: 30")
        return try Config.load(path: try writeConfig(shorter, in: temporaryDirectory()))
    }

    /// One full cycle on a fresh store, RDS through the proxy; "check resource" → finding.
    static func cycle(_ simulator: AWSSimulator, _ proxy: FaultProxy) async throws -> [String: Finding] {
        var environment = simulator.environment
        environment["AWS_ENDPOINT_URL_RDS"] = proxy.endpoint.absoluteString
        var options = RuntimeOptions(
            dbPath: temporaryDirectory().appendingPathComponent("f.sqlite").path, environment: environment)
        options.now = { FaultInjectionTests.now }
        let runtime = try Runtime.build(config: try config(), options: options)
        let outcome: CycleOutcome?
        do {
            outcome = try await withDeadline(deadline) { try await runtime.runCycle() }
        } catch {
            await runtime.shutdown()
            throw error
        }
        await runtime.shutdown()
        let finished = try #require(outcome, "the cycle did not finish within \(deadline)")
        return Dictionary(finished.findings.map { ("\($0.check) \($0.resource)", $0) }) { first, _ in first }
    }

    @Test(arguments: cases)
    func aFaultOfOneServiceMakesExactlyItsChecksUnknown(_ fault: Case) async throws {
        let (simulator, proxy, baseline) = try await Bench.shared.get()
        try await proxy.reset()
        try await proxy.set(fault.fault)
        let after = try await Self.cycle(simulator, proxy)
        try await proxy.set(.none)
        #expect(try await proxy.stats().faulted > 0, "the fault was never served")
        #expect(Set(after.keys) == Set(baseline.keys))
        for key in fault.unknown {
            #expect(baseline[key]?.state != .unknown, "\(key) is UNKNOWN without a fault")
        }
        for (key, finding) in after {
            if fault.unknown.contains(key) {
                #expect(finding.state == .unknown, "\(key): \(finding.state) — \(finding.message)")
                #expect(finding.message.contains("rds:Describe"), "\(key): \(finding.message)")
                #expect(finding.message.contains(fault.cause), "\(key): \(finding.message)")
            } else if let before = baseline[key] {
                #expect(
                    finding.state == before.state && finding.message == before.message,
                    "\(key) changed: \(before.state) \(before.message) → \(finding.state) \(finding.message)")
            }
        }
    }
}

/// `body`'s result, or nil when it took longer than `limit`. The body runs in its own task, so a
/// body that ignores cancellation cannot hold the caller past the limit (it keeps running).
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws
    -> T?
{
    let work = Task { try await body() }
    let outcome: Result<T?, any Error> = await withCheckedContinuation { continuation in
        let once = ResumeOnce(continuation)
        Task {
            do {
                once.resume(.success(try await work.value))
            } catch {
                once.resume(.failure(error))
            }
        }
        Task {
            try? await Task.sleep(for: limit)
            once.resume(.success(nil))
        }
    }
    if case .success(nil) = outcome { work.cancel() }
    return try outcome.get()
}

/// Resumes a continuation with the first result it is given and ignores the rest.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    // @unchecked: `continuation` is only touched under `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<T?, any Error>, Never>?
    init(_ continuation: CheckedContinuation<Result<T?, any Error>, Never>) { self.continuation = continuation }
    func resume(_ result: Result<T?, any Error>) {
        let waiting: CheckedContinuation<Result<T?, any Error>, Never>? = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: result)
    }
}
