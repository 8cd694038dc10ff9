import Foundation
import MnemondHTTP

/// ECS task roles (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, served by the ECS agent at
/// 169.254.170.2) and EKS Pod Identity / Greengrass (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, with
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN` sent as the
/// `Authorization` header). The answer is `{"AccessKeyId", "SecretAccessKey", "Token",
/// "Expiration"}`.
struct ContainerCredentialProvider: CredentialProvider {
    var environment: CredentialEnvironment
    var http: HTTPClient

    var name: String { "container" }

    /// botocore's ContainerMetadataFetcher: 2 s per attempt, 3 attempts.
    static let timeout = Duration.seconds(2)
    static let attempts = 3

    func credentials() async throws -> AWSCredentials {
        guard let url = try Self.endpoint(environment) else {
            throw CredentialsError.notConfigured(
                "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set)")
        }
        var headers: [(name: String, value: String)] = []
        if let token = try authorizationToken() {
            headers.append((name: "Authorization", value: token))
        }
        let origin = MetadataHTTP.origin(of: url)
        let request = HTTPRequest(url: url, headers: headers, timeout: Self.timeout)
        switch await MetadataHTTP.send(http, request, attempts: Self.attempts) {
        case .unreachable(let error):
            throw CredentialsError.failed("container: no answer from \(origin): \(error)")
        case .response(let response) where response.status != 200:
            throw CredentialsError.failed(
                "container: \(origin) answered HTTP \(response.status)\(MetadataHTTP.serverMessage(response.body))")
        case .response(let response):
            guard let document = CredentialDocument.decode(response.body) else {
                throw CredentialsError.failed("container: \(origin) answered something that is not a JSON object")
            }
            switch document.credentials(source: "container", temporary: true) {
            case .success(let credentials): return credentials
            case .failure(let problem):
                throw CredentialsError.failed("container: \(origin)'s answer \(problem.phrase)")
            }
        }
    }

    /// The URL to call, `nil` when neither variable is set. A full URI over plain http must
    /// point at this host or at the link-local agents; anything else would hand the
    /// authorization token to whoever answers.
    static func endpoint(_ environment: CredentialEnvironment) throws(CredentialsError) -> URL? {
        if let relative = environment.value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            guard let url = URL(string: "http://169.254.170.2" + path) else {
                throw .invalid("container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a URL path")
            }
            return url
        }
        guard let full = environment.value("AWS_CONTAINER_CREDENTIALS_FULL_URI") else { return nil }
        guard let url = URL(string: full), let scheme = url.scheme?.lowercased(), let host = url.host,
            scheme == "http" || scheme == "https"
        else {
            throw .invalid("container: AWS_CONTAINER_CREDENTIALS_FULL_URI \"\(full)\" is not an http(s) URL")
        }
        guard scheme == "https" || isAllowedHTTPHost(host) else {
            throw .invalid(
                "container: AWS_CONTAINER_CREDENTIALS_FULL_URI host \(host) is not allowed over http; use https, a loopback address, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]"
            )
        }
        return url
    }

    /// Loopback (127.0.0.0/8, ::1, localhost), the ECS agent (169.254.170.2) and the EKS Pod
    /// Identity agent (169.254.170.23, fd00:ec2::23).
    static func isAllowedHTTPHost(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        let named: Set = ["localhost", "::1", "169.254.170.2", "169.254.170.23", "fd00:ec2::23"]
        if named.contains(bare) { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The token file is re-read on every call: EKS Pod Identity rotates it.
    func authorizationToken() throws(CredentialsError) -> String? {
        let token: String
        if let file = environment.value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            token = try readTokenFile(
                environment.expandingTilde(file), what: "container: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        } else if let value = environment.value("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            token = value
        } else {
            return nil
        }
        guard !token.contains(where: \.isNewline) else {
            throw .invalid("container: the authorization token contains a line break and cannot be sent as a header")
        }
        return token
    }
}
