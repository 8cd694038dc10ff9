import Foundation
import MnemondHTTP
import MnemondProcess

/// The moto-based AWS simulator of `Tests/Simulator/`, seeded with the guide's estate,
/// optionally with named faults applied before it reports ready.
public final class AWSSimulator: Sendable {
    public enum State: String, Sendable {
        /// After every phase of the guide.
        case target
        /// As the guide describes the estate before its changes.
        case current
        case empty
    }

    public let peer: PeerProcess
    public let endpoint: URL
    public let accessKeyID: String
    public let secretAccessKey: String
    public let account: String

    init(peer: PeerProcess) throws {
        guard let endpoint = peer.ready["endpoint"].flatMap(URL.init(string:)),
            let key = peer.ready["access_key_id"], let secret = peer.ready["secret_access_key"]
        else { throw PeerError("simulator ready line lacks endpoint or keys: \(peer.readyLine)") }
        self.peer = peer
        self.endpoint = endpoint
        self.accessKeyID = key
        self.secretAccessKey = secret
        self.account = peer.ready["account"] ?? ""
    }

    public static var script: URL { PeerProcess.repoRoot().appendingPathComponent("Tests/Simulator/simulator.py") }

    /// Starts a private simulator (stop it when done). `auth` turns on SigV4 signature verification;
    /// `now` pins every seeded time (job history, PITR, metrics) to that instant instead of the
    /// wall clock, so a test that injects the same instant as the checks' clock holds at any hour.
    public static func start(state: State, auth: Bool = false, faults: [String] = [], now: Date? = nil)
        async throws -> AWSSimulator
    {
        var arguments = ["--state", state.rawValue]
        if auth { arguments.append("--auth") }
        if let now { arguments += ["--now", ISO8601DateFormatter().string(from: now)] }
        for fault in faults { arguments += ["--fault", fault] }
        // Forked from a warm template process unless the caller's environment says
        // MNEMOND_SIMULATOR_TEMPLATE=0 (Tests/Simulator/template.py): same estate, a third of the CPU.
        // An `auth` simulator starts cold (moto reads that setting at import): two of them at once
        // beside the parallel suite and two busy processes took over 90 s to be ready on two
        // cores. The wait is only an upper bound; a ready simulator answers at once.
        let template = ProcessInfo.processInfo.environment["MNEMOND_SIMULATOR_TEMPLATE"] ?? "1"
        let peer = try await PeerProcess.start(
            script: script, arguments: arguments, environment: ["MNEMOND_SIMULATOR_TEMPLATE": template],
            readyTimeout: .seconds(300))
        return try AWSSimulator(peer: peer)
    }

    /// One simulator per state for the whole test run, started on first use. Tests that only read
    /// share it; a test that applies faults starts its own.
    public static func shared(_ state: State) async throws -> AWSSimulator {
        try await SharedSimulators.instance.get(state)
    }

    /// The environment a process needs to use this simulator as its AWS: endpoint override and
    /// keys, no profile, no instance metadata probing.
    public var environment: [String: String] {
        [
            "AWS_ENDPOINT_URL": endpoint.absoluteString, "AWS_ACCESS_KEY_ID": accessKeyID,
            "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": FileManager.default.temporaryDirectory.appendingPathComponent("mnemond-no-home").path,
        ]
    }

    /// Applies one named fault of `Tests/Simulator/faults.py` (`faults.py list` names them).
    public func apply(fault: String) async throws {
        let output = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                PeerProcess.defaultPython,
                PeerProcess.repoRoot().appendingPathComponent("Tests/Simulator/faults.py").path,
                "--endpoint", endpoint.absoluteString, "apply", fault,
            ], timeout: .seconds(300))
        guard output.succeeded else { throw PeerError("fault \(fault) failed: \(output.stderrText.suffix(600))") }
    }

    /// Makes the simulator answer matching requests with an error instead of the estate (its
    /// `/_sim/fail-requests` route): the query or JSON `action`, in `region` if given, whose body
    /// contains every string of `containing`; `times` limits how many fail (nil: all, retries too).
    public func failRequests(
        action: String, region: String? = nil, containing: [String] = [], status: Int = 500,
        code: String = "InternalFailure", message: String = "We encountered an internal error. Please try again.",
        times: Int? = nil
    ) async throws {
        var rule: [String: Any] = [
            "action": action, "contains": containing, "status": status, "code": code, "message": message,
        ]
        if let region { rule["region"] = region }
        if let times { rule["times"] = times }
        _ = try await control("_sim/fail-requests", rule)
    }

    /// POSTs `payload` to one route of the simulator's control API (`_sim/backup/jobs` adds jobs,
    /// `_sim/backup/delete` removes history, …) and answers its JSON reply.
    @discardableResult
    public func control(_ route: String, _ payload: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        let client = HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 1))
        let response: HTTPResponse
        do {
            response = try await client.send(
                HTTPRequest(
                    method: "POST", url: endpoint.appendingPathComponent(route),
                    headers: [(name: "Content-Type", value: "application/json")], body: body))
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        guard response.status == 200 else {
            throw PeerError(
                "simulator: POST /\(route) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))"
            )
        }
        return (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
    }

    public func stop() async { await peer.stop() }
}

private actor SharedSimulators {
    static let instance = SharedSimulators()
    private var running: [AWSSimulator.State: Task<AWSSimulator, any Error>] = [:]

    func get(_ state: AWSSimulator.State) async throws -> AWSSimulator {
        if let task = running[state] { return try await task.value }
        let task = Task { try await AWSSimulator.start(state: state) }
        running[state] = task
        return try await task.value
    }
}
