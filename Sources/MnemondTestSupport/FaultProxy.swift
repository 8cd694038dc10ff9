import Foundation

/// Tests/Peers/fault_proxy.py: a loopback HTTP proxy in front of one AWS service
/// (`AWS_ENDPOINT_URL_<SERVICE>`) that forwards to the simulator and injects one fault into
/// every request while it is set.
public final class FaultProxy: Sendable {
    /// A fault and its parameters, as the proxy's `POST /_proxy/fault` takes them.
    public struct Fault: Sendable, Encodable, CustomStringConvertible {
        public var name: String
        /// `delay`: how long to hold each answer.
        public var seconds: Double?
        /// `trickle`: the pause between two bytes of the body.
        public var intervalMilliseconds: Int?
        /// `deep-nesting`: how many levels.
        public var depth: Int?
        /// `oversized`: the body is padded beyond this many bytes.
        public var bytes: Int?
        /// Only requests whose path or body contains this text get the fault.
        public var match: String?
        /// Only the next this many (matching) requests get the fault; then it is `none` again.
        public var times: Int?

        public init(
            _ name: String, seconds: Double? = nil, intervalMilliseconds: Int? = nil, depth: Int? = nil,
            bytes: Int? = nil, match: String? = nil, times: Int? = nil
        ) {
            self.match = match
            self.times = times
            self.name = name
            self.seconds = seconds
            self.intervalMilliseconds = intervalMilliseconds
            self.depth = depth
            self.bytes = bytes
        }

        public static let none = Fault("none")

        public var description: String { name }

        private enum CodingKeys: String, CodingKey {
            case name = "fault"
            case seconds, depth, bytes, match, times
            case intervalMilliseconds = "interval_ms"
        }
    }

    /// Requests forwarded unchanged, and requests answered with a fault, since start or reset.
    public struct Stats: Sendable, Decodable {
        public var forwarded: Int
        public var faulted: Int
        public var fault: String
        /// Every request since start or reset, as "METHOD PATH?QUERY TARGET REGION/SERVICE
        /// BODY-SHA256": two equal names are the same call made twice.
        public var requests: [String]
    }

    let control: PeerControl
    /// `http://127.0.0.1:PORT`
    public var endpoint: URL { control.endpoint }
    public var peer: PeerProcess { control.peer }

    /// Starts a proxy forwarding to `upstream` (the simulator's endpoint).
    public static func start(upstream: URL) async throws -> FaultProxy {
        FaultProxy(
            control: try await PeerControl.start("fault_proxy.py", arguments: ["--upstream", upstream.absoluteString]))
    }

    init(control: PeerControl) { self.control = control }

    /// Every following request gets `fault` (`.none` forwards them unchanged).
    public func set(_ fault: Fault) async throws {
        _ = try await call("POST", "fault", body: try JSONEncoder().encode(fault))
    }

    public func stats() async throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: try await call("GET", "stats"))
    }

    /// Fault `none`, counters zero, requests forgotten.
    public func reset() async throws {
        _ = try await call("POST", "reset")
    }

    public func stop() async { await control.stop() }

    private func call(_ method: String, _ route: String, body: Data = Data()) async throws -> Data {
        try await control.call(method, "_proxy/" + route, body: body)
    }
}
