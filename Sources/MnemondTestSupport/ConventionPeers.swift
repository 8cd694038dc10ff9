import Foundation
import MnemondHTTP

/// Tests/Peers/forward_proxy.py: a loopback forward HTTP proxy (`HTTP_PROXY`) that forwards
/// absolute-URI requests to their host and records each one.
public final class ForwardProxy: Sendable {
    public struct Request: Sendable, Decodable, Equatable {
        public var method: String
        /// `host:port` the request was for.
        public var host: String
        public var path: String
        /// Whether it carried the Proxy-Authorization the proxy requires (always true without `auth`).
        public var authorized: Bool

        public init(method: String, host: String, path: String, authorized: Bool) {
            self.method = method
            self.host = host
            self.path = path
            self.authorized = authorized
        }
    }

    /// `http://127.0.0.1:PORT`
    public let endpoint: URL
    public let peer: PeerProcess
    private let control: HTTPClient

    private init(peer: PeerProcess) throws {
        self.peer = peer
        guard let endpoint = URL(string: try peer.readyField("endpoint")) else {
            throw PeerError("forward_proxy.py: bad endpoint in \(peer.readyLine)")
        }
        self.endpoint = endpoint
        control = HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 1, proxy: ProxySettings()))
    }

    /// `auth` ("user:password"): requests without it as Basic Proxy-Authorization get 407.
    public static func start(auth: String? = nil) async throws -> ForwardProxy {
        let peer = try await PeerProcess.start(peer: "forward_proxy.py", arguments: auth.map { ["--auth", $0] } ?? [])
        do {
            return try ForwardProxy(peer: peer)
        } catch {
            await peer.stop()
            throw error
        }
    }

    /// Every request forwarded (or refused for lack of authorization) since start or `reset`.
    public func requests() async throws -> [Request] {
        struct Answer: Decodable { var requests: [Request] }
        let response = try await control.send(
            HTTPRequest(method: "GET", url: endpoint.appendingPathComponent("_proxy/requests")))
        guard response.status == 200 else {
            throw PeerError("forward_proxy.py: GET /_proxy/requests answered \(response.status)")
        }
        return try JSONDecoder().decode(Answer.self, from: response.body).requests
    }

    public func stop() async {
        await control.shutdown()
        await peer.stop()
    }
}

/// Tests/Peers/sso_portal.py: the IAM Identity Center portal's GetRoleCredentials on loopback,
/// answering one token, account and role with the given keys.
public final class SSOPortal: Sendable {
    public struct Call: Sendable, Decodable, Equatable {
        public var roleName: String?
        public var accountID: String?
        /// Whether the bearer token was the one the portal accepts.
        public var authorized: Bool

        enum CodingKeys: String, CodingKey {
            case roleName = "role_name", accountID = "account_id", authorized
        }
    }

    /// `http://127.0.0.1:PORT`: what `AWS_ENDPOINT_URL_SSO` points at.
    public let endpoint: URL
    public let peer: PeerProcess
    private let control: HTTPClient

    private init(peer: PeerProcess) throws {
        self.peer = peer
        guard let endpoint = URL(string: try peer.readyField("endpoint")) else {
            throw PeerError("sso_portal.py: bad endpoint in \(peer.readyLine)")
        }
        self.endpoint = endpoint
        control = HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 1, proxy: ProxySettings()))
    }

    public static func start(
        token: String, account: String, role: String, accessKeyID: String, secretAccessKey: String
    ) async throws -> SSOPortal {
        let peer = try await PeerProcess.start(
            peer: "sso_portal.py",
            arguments: [
                "--token", token, "--account", account, "--role", role, "--access-key-id", accessKeyID,
                "--secret-access-key", secretAccessKey,
            ])
        do {
            return try SSOPortal(peer: peer)
        } catch {
            await peer.stop()
            throw error
        }
    }

    /// Every GetRoleCredentials call so far (the token is not recorded, only whether it matched).
    public func calls() async throws -> [Call] {
        struct Answer: Decodable { var calls: [Call] }
        let response = try await control.send(
            HTTPRequest(method: "GET", url: endpoint.appendingPathComponent("_portal/calls")))
        guard response.status == 200 else {
            throw PeerError("sso_portal.py: GET /_portal/calls answered \(response.status)")
        }
        return try JSONDecoder().decode(Answer.self, from: response.body).calls
    }

    public func stop() async {
        await control.shutdown()
        await peer.stop()
    }
}
