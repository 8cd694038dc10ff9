import Foundation

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

    let control: PeerControl
    /// `http://127.0.0.1:PORT`
    public var endpoint: URL { control.endpoint }
    public var peer: PeerProcess { control.peer }

    /// `auth` ("user:password"): requests without it as Basic Proxy-Authorization get 407.
    public static func start(auth: String? = nil) async throws -> ForwardProxy {
        ForwardProxy(
            control: try await PeerControl.start("forward_proxy.py", arguments: auth.map { ["--auth", $0] } ?? []))
    }

    init(control: PeerControl) { self.control = control }

    /// Every request forwarded (or refused for lack of authorization) since start or `reset`.
    public func requests() async throws -> [Request] {
        struct Answer: Decodable { var requests: [Request] }
        return try JSONDecoder().decode(Answer.self, from: try await control.call("GET", "_proxy/requests")).requests
    }

    public func stop() async { await control.stop() }
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

    let control: PeerControl
    /// `http://127.0.0.1:PORT`: what `AWS_ENDPOINT_URL_SSO` points at.
    public var endpoint: URL { control.endpoint }
    public var peer: PeerProcess { control.peer }

    public static func start(
        token: String, account: String, role: String, accessKeyID: String, secretAccessKey: String
    ) async throws -> SSOPortal {
        SSOPortal(
            control: try await PeerControl.start(
                "sso_portal.py",
                arguments: [
                    "--token", token, "--account", account, "--role", role, "--access-key-id", accessKeyID,
                    "--secret-access-key", secretAccessKey,
                ]))
    }

    init(control: PeerControl) { self.control = control }

    /// Every GetRoleCredentials call so far (the token is not recorded, only whether it matched).
    public func calls() async throws -> [Call] {
        struct Answer: Decodable { var calls: [Call] }
        return try JSONDecoder().decode(Answer.self, from: try await control.call("GET", "_portal/calls")).calls
    }

    public func stop() async { await control.stop() }
}
