import Foundation
import MnemondHTTP

/// A Python peer that serves something on its `endpoint` and answers test-only control routes
/// beside it (`/_proxy/stats`, `/_portal/calls`): its process, its endpoint, and one client for
/// the control routes that never goes through a proxy, whatever `HTTP_PROXY` the test set.
public struct PeerControl: Sendable {
    public let peer: PeerProcess
    /// The ready line's `endpoint`: `http://127.0.0.1:PORT`.
    public let endpoint: URL
    let client: HTTPClient

    /// Starts `Tests/Peers/<name>`; stops it again when its ready line has no usable endpoint.
    public static func start(_ name: String, arguments: [String] = []) async throws -> PeerControl {
        let peer = try await PeerProcess.start(peer: name, arguments: arguments)
        guard let endpoint = URL(string: (try? peer.readyField("endpoint")) ?? "") else {
            await peer.stop()
            throw PeerError("\(name): no usable endpoint in \(peer.readyLine)")
        }
        return PeerControl(
            peer: peer, endpoint: endpoint,
            client: HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 2, proxy: ProxySettings()))
        )
    }

    /// `method` on a control route (`_proxy/stats`): the body of its 200, else an error naming
    /// the peer, the route and what it answered.
    public func call(_ method: String, _ route: String, body: Data = Data()) async throws -> Data {
        let response = try await client.send(
            HTTPRequest(
                method: method, url: URL(string: endpoint.absoluteString + "/" + route)!,
                headers: [(name: "Content-Type", value: "application/json")], body: body))
        guard response.status == 200 else {
            throw PeerError(
                "\(peer.name): \(method) /\(route) answered \(response.status): "
                    + String(decoding: response.body.prefix(2000), as: UTF8.self))
        }
        return response.body
    }

    public func stop() async {
        await client.shutdown()
        await peer.stop()
    }
}
