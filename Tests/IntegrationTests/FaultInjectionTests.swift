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
/// was in the fault-free cycle. The cases run in parallel, each through a proxy of its own in
/// front of the one simulator.
@Suite(.timeLimit(.minutes(15))) struct FaultInjectionTests {
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
    /// The checks built from the instance's answer, which carries the numbers
    /// (BackupRetentionPeriod): an instance with an unreadable number is refused as a whole. The
    /// landing zone reads only names from it (and its groups carry no numbers), so it still holds.
    static let readsRDSNumbers: Set<String> = [
        "rds.backup_retention eks-mnemonica-prod", "rds.backup_window eks-mnemonica-prod",
        "rds.pitr_lag eks-mnemonica-prod", "recovery.rpo scenario-1",
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var fault: FaultProxy.Fault
        /// The service the proxy stands in front of (`AWS_ENDPOINT_URL_<SERVICE>`).
        var service = "RDS"
        /// What every UNKNOWN finding's message must name as the action.
        var action = "rds:Describe"
        /// What every UNKNOWN finding's message must name as the cause, beside the action.
        var cause: String
        /// "check resource" of the findings that must turn UNKNOWN; nothing else may change.
        var unknown: Set<String> = FaultInjectionTests.readsRDS
        /// "check resource" → text its message must contain: checks that keep their state on
        /// less evidence and say so (or say less). Every other finding is unchanged.
        var degraded: [String: String] = [:]
        var testDescription: String { "\(service) \(fault.name)" }
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
    static func cycle(_ simulator: AWSSimulator, _ proxy: FaultProxy, service: String = "RDS") async throws
        -> [String: Finding]
    {
        var environment = simulator.environment
        environment["AWS_ENDPOINT_URL_\(service)"] = proxy.endpoint.absoluteString
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

    /// The checks whose evidence comes from AWS Backup (rest-json: JSON answers, epoch-second
    /// dates): plans, selections, jobs, recovery points and vaults, the scenarios restored from
    /// them, and the recovery path's vault keys, service role and DR vault policy.
    static let readsBackup: Set<String> = [
        "backup.plan eks-mnemonica-6h-snapshots-180d", "backup.selection eks-mnemonica-prod",
        "backup.job_freshness eks-mnemonica-prod", "backup.job_failures eks-mnemonica-prod",
        "backup.copy eks-mnemonica-prod-vault-dr", "backup.coverage eks-mnemonica-prod-vault",
        "backup.coverage eks-mnemonica-prod-vault-dr", "backup.restore_tested eu-west-1",
        "backup.restore_tested eu-west-3", "backup.retention_guard eks-mnemonica-prod-vault",
        "backup.retention_guard eks-mnemonica-prod-vault-dr", "backup.dr_pairing eks-mnemonica-prod-vault-dr",
        "backup.absence eks-mnemonica-prod", "recovery.rpo scenario-2", "recovery.rpo scenario-3",
        "recovery_path.vault_key eks-mnemonica-prod-vault", "recovery_path.vault_key eks-mnemonica-prod-vault-dr",
        "recovery_path.copy eks-mnemonica-prod-vault-dr",
    ]
    /// Two checks stay OK on what is left when AWS Backup does not answer. The RPO design check
    /// falls back to the plan the config describes and says "(rule not observed)"; the Backup
    /// service role is judged against the restore commands only, without the plan's selection
    /// (its message drops "the plan's selection and").
    static let backupDegraded = [
        "recovery.rpo_design eks-mnemonica-6h-snapshots-180d": "1 h grace (rule not observed)",
        "recovery_path.service_role AWSBackupDefaultServiceRole":
            "exists, trusts backup.amazonaws.com and carries what the guide's restore commands need",
    ]

    /// The DR vault has no access policy: AWS Backup answers 404 with
    /// `x-amzn-ErrorType: ResourceNotFoundException`, which a garbled body leaves intact, so the
    /// copy check still knows there is no policy. Only an answer that never came (or another
    /// status) makes it UNKNOWN.
    static let readsBackupBodies = readsBackup.subtracting(["recovery_path.copy eks-mnemonica-prod-vault-dr"])
    /// The vaults' keys come from DescribeBackupVault's EncryptionKeyArn; its numbers
    /// (CreationDate, NumberOfRecoveryPoints) are not read, so absurd numbers leave them true.
    static let readsBackupNumbers = readsBackupBodies.subtracting([
        "recovery_path.vault_key eks-mnemonica-prod-vault", "recovery_path.vault_key eks-mnemonica-prod-vault-dr",
    ])

    /// The JSON decoders behind the same faults. Delays are left to the RDS table: AWS Backup
    /// is a dozen calls per cycle, each allowed three attempts of the request timeout.
    static let backupCases: [Case] = {
        let all = readsBackup
        let bodies = readsBackupBodies
        let numbers = readsBackupNumbers
        // With numbers unreadable the selection (names only) is still read: the service role
        // keeps its full message.
        let rpoDesign = backupDegraded.filter { $0.key.hasPrefix("recovery.rpo_design") }
        let table: [(String, String, Set<String>, [String: String])] = [
            ("status-500", "InternalServerException", all, backupDegraded),
            ("status-503", "ServiceUnavailableException", all, backupDegraded),
            ("slowdown", "SlowDown", all, backupDegraded),
            ("throttling", "ThrottlingException", all, backupDegraded),
            ("access-denied", "AccessDeniedException", all, backupDegraded),
            ("expired-token", "ExpiredTokenException", all, backupDegraded),
            ("reset", "ConnectionReset", all, backupDegraded),
            ("short-body", "ConnectionReset", all, backupDegraded),
            ("truncated", "InvalidResponse", bodies, backupDegraded),
            ("malformed", "InvalidResponse", bodies, backupDegraded),
            ("deep-nesting", "InvalidResponse", bodies, backupDegraded),
            ("number-nan", "InvalidResponse", bodies, backupDegraded),
            ("number-1e300", "InvalidResponse", numbers, rpoDesign),
            ("number-minus-1e300", "InvalidResponse", numbers, rpoDesign),
            ("number-text", "InvalidResponse", numbers, rpoDesign),
        ]
        return table.map { name, cause, unknown, degraded in
            Case(
                fault: .init(name, depth: 100_000), service: "BACKUP", action: "backup:", cause: cause,
                unknown: unknown, degraded: degraded)
        }
    }()

    @Test(arguments: cases + backupCases)
    func aFaultOfOneServiceMakesExactlyItsChecksUnknown(_ fault: Case) async throws {
        let (simulator, _, baseline) = try await Bench.shared.get()
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        let after: [String: Finding]
        let faulted: Int
        do {
            try await proxy.set(fault.fault)
            after = try await Self.cycle(simulator, proxy, service: fault.service)
            faulted = try await proxy.stats().faulted
        } catch {
            await proxy.stop()
            throw error
        }
        await proxy.stop()
        #expect(faulted > 0, "the fault was never served")
        #expect(Set(after.keys) == Set(baseline.keys))
        for key in fault.unknown {
            #expect(baseline[key]?.state != .unknown, "\(key) is UNKNOWN without a fault")
        }
        for (key, finding) in after {
            if fault.unknown.contains(key) {
                #expect(finding.state == .unknown, "\(key): \(finding.state) — \(finding.message)")
                #expect(finding.message.contains(fault.action), "\(key): \(finding.message)")
                #expect(finding.message.contains(fault.cause), "\(key): \(finding.message)")
            } else if let text = fault.degraded[key] {
                #expect(finding.state == baseline[key]?.state, "\(key): \(finding.state) — \(finding.message)")
                #expect(finding.message.contains(text), "\(key): \(finding.message)")
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
