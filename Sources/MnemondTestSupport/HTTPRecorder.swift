import Foundation
import MnemondHTTP

/// One request as Tests/Peers/http_recorder.py received it.
public struct RecordedRequest: Sendable {
    /// 1, 2, … in arrival order (control requests excluded).
    public var sequence: Int
    public var method: String
    /// Path and query as sent on the request line (absolute URI when it came via a proxy).
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// The client's TCP source port: equal ports mean one reused connection.
    public var clientPort: Int
    /// The recorder's number for the TCP connection the request came on.
    public var connection: Int
    /// The status the recorder answered with.
    public var status: Int
    /// When it arrived.
    public var time: Date

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension RecordedRequest: Decodable {
    private enum CodingKeys: String, CodingKey {
        case sequence, method, path, headers, connection, status, time
        case bodyBase64 = "body_base64"
        case clientPort = "client_port"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sequence = try container.decode(Int.self, forKey: .sequence)
        method = try container.decode(String.self, forKey: .method)
        path = try container.decode(String.self, forKey: .path)
        headers = try container.decode([[String]].self, forKey: .headers).map { (name: $0[0], value: $0[1]) }
        body = Data(base64Encoded: try container.decode(String.self, forKey: .bodyBase64)) ?? Data()
        clientPort = try container.decode(Int.self, forKey: .clientPort)
        connection = try container.decode(Int.self, forKey: .connection)
        status = try container.decode(Int.self, forKey: .status)
        time = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: .time))
    }
}

/// One scripted answer of the recorder; answers are used in order, then 200 "ok".
public struct ScriptedResponse: Sendable, Encodable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// The recorder waits this long before answering.
    public var delay: Duration
    /// Answer with `Connection: close` and close the connection.
    public var closeConnection: Bool

    public init(
        status: Int = 200, headers: [(name: String, value: String)] = [], body: Data = Data("ok".utf8),
        delay: Duration = .zero, closeConnection: Bool = false
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
        self.closeConnection = closeConnection
    }

    public init(
        status: Int = 200, headers: [(name: String, value: String)] = [], text: String, delay: Duration = .zero,
        closeConnection: Bool = false
    ) {
        self.init(
            status: status, headers: headers, body: Data(text.utf8), delay: delay, closeConnection: closeConnection)
    }

    private enum CodingKeys: String, CodingKey {
        case status, headers, close
        case bodyBase64 = "body_base64"
        case delayMilliseconds = "delay_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(headers.map { [$0.name, $0.value] }, forKey: .headers)
        try container.encode(body.base64EncodedString(), forKey: .bodyBase64)
        let (seconds, attoseconds) = delay.components
        try container.encode(seconds * 1000 + attoseconds / 1_000_000_000_000_000, forKey: .delayMilliseconds)
        try container.encode(closeConnection, forKey: .close)
    }
}

/// Counters kept by the recorder since start or the last reset.
public struct RecorderStats: Sendable, Decodable {
    /// The most requests the recorder was handling at the same moment.
    public var maxInFlight: Int
    public var inFlight: Int
    /// TCP connections accepted since start (control connections included).
    public var connections: Int
    public var requests: Int

    private enum CodingKeys: String, CodingKey {
        case maxInFlight = "max_in_flight"
        case inFlight = "in_flight"
        case connections, requests
    }
}

/// Tests/Peers/http_recorder.py: a loopback HTTP(S) server that records requests and answers
/// from a script. Its control endpoints are reached with our own `HTTPClient`.
public final class HTTPRecorder: Sendable {
    /// `http://127.0.0.1:PORT` (or https with `tls`).
    public let endpoint: URL
    /// With `tls`: the self-signed certificate, to be used as CA bundle.
    public let caFile: String?
    public let peer: PeerProcess
    private let control: HTTPClient

    private init(peer: PeerProcess) throws {
        self.peer = peer
        guard let endpoint = URL(string: try peer.readyField("endpoint")) else {
            throw PeerError("http_recorder.py: bad endpoint in \(peer.readyLine)")
        }
        self.endpoint = endpoint
        self.caFile = peer.ready["cafile"]
        control = HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 2, caBundlePath: caFile))
    }

    /// Starts a recorder; `tls` serves HTTPS with a fresh self-signed certificate.
    public static func start(tls: Bool = false) async throws -> HTTPRecorder {
        let peer = try await PeerProcess.start(peer: "http_recorder.py", arguments: tls ? ["--tls"] : [])
        do {
            return try HTTPRecorder(peer: peer)
        } catch {
            await peer.stop()
            throw error
        }
    }

    /// Runs `body` with a fresh recorder and stops it afterwards, whether `body` throws or not.
    public static func with<T>(tls: Bool = false, _ body: (HTTPRecorder) async throws -> T) async throws -> T {
        let recorder = try await start(tls: tls)
        do {
            let result = try await body(recorder)
            await recorder.stop()
            return result
        } catch {
            await recorder.stop()
            throw error
        }
    }

    /// `endpoint` + `path` (which may carry a query): `url("/a?b=1")`.
    public func url(_ path: String) -> URL {
        URL(string: endpoint.absoluteString + path)!
    }

    public func requests() async throws -> [RecordedRequest] {
        try JSONDecoder().decode([RecordedRequest].self, from: try await call("GET", "requests"))
    }

    public func enqueue(responses: [ScriptedResponse]) async throws {
        _ = try await call("POST", "responses", body: try JSONEncoder().encode(responses))
    }

    /// Once the script is used up, answers `ratio` of the requests with `status`, drawn from a
    /// generator seeded with `seed` (the same seed, the same sequence of answers); 0 turns it off.
    public func failRequests(ratio: Double, seed: UInt64, status: Int = 500) async throws {
        let settings = ["ratio": ratio, "seed": Double(seed), "status": Double(status)]
        _ = try await call("POST", "failures", body: try JSONSerialization.data(withJSONObject: settings))
    }

    public func stats() async throws -> RecorderStats {
        try JSONDecoder().decode(RecorderStats.self, from: try await call("GET", "stats"))
    }

    public func reset() async throws {
        _ = try await call("POST", "reset")
    }

    public func stop() async {
        await control.shutdown()
        await peer.stop()
    }

    private func call(_ method: String, _ route: String, body: Data = Data()) async throws -> Data {
        let response = try await control.send(
            HTTPRequest(
                method: method, url: url("/_recorder/\(route)"),
                headers: [(name: "Content-Type", value: "application/json")], body: body))
        guard response.status == 200 else {
            throw PeerError("http_recorder.py: \(method) /_recorder/\(route) answered \(response.status)")
        }
        return response.body
    }
}
