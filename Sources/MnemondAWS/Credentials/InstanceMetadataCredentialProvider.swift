import Foundation
import MnemondHTTP

/// The EC2 instance profile via IMDSv2: `PUT /latest/api/token` (TTL header), then
/// `GET /latest/meta-data/iam/security-credentials/` for the role name and
/// `GET …/security-credentials/ROLE` for the keys, each with the token header.
///
/// Last in the chain and tuned to fail fast off EC2: botocore's defaults of 1 s and 1 attempt
/// (`AWS_METADATA_SERVICE_TIMEOUT`, `AWS_METADATA_SERVICE_NUM_ATTEMPTS`). No answer at all means
/// "not on EC2" and the chain reports it among the sources tried; an answer that is wrong is
/// an error. `AWS_EC2_METADATA_DISABLED=true` skips it; `AWS_EC2_METADATA_SERVICE_ENDPOINT`
/// (or `…_ENDPOINT_MODE=IPv6`) moves it. As botocore does, a token request refused with
/// 403/404/405 falls back to IMDSv1 unless `AWS_EC2_METADATA_V1_DISABLED=true`.
struct InstanceMetadataCredentialProvider: CredentialProvider {
    var environment: CredentialEnvironment
    var http: HTTPClient

    var name: String { "EC2 instance metadata" }

    static let tokenTTLSeconds = 21_600
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"

    func credentials() async throws -> AWSCredentials {
        if environment.flag("AWS_EC2_METADATA_DISABLED") {
            throw CredentialsError.notConfigured("EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)")
        }
        let endpoint = try Self.endpoint(environment)
        let (timeout, attempts) = try Self.limits(environment)
        let origin = MetadataHTTP.origin(of: endpoint)
        func send(_ method: String, _ path: String, _ headers: [(name: String, value: String)]) async
            -> MetadataHTTP.Outcome
        {
            // Concatenated, not appendingPathComponent: the trailing "/" of the listing path matters.
            let url = URL(string: endpoint.absoluteString + path) ?? endpoint
            let request = HTTPRequest(method: method, url: url, headers: headers, timeout: timeout)
            return await MetadataHTTP.send(http, request, attempts: attempts)
        }

        var headers: [(name: String, value: String)] = []
        switch await send(
            "PUT", "/latest/api/token", [("x-aws-ec2-metadata-token-ttl-seconds", "\(Self.tokenTTLSeconds)")])
        {
        case .unreachable(let error):
            throw CredentialsError.notConfigured(
                "EC2 instance metadata (no answer from \(origin) within \(timeout): \(error))")
        case .response(let response) where response.status == 200:
            let token = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            headers = [(name: "x-aws-ec2-metadata-token", value: token)]
        case .response(let response)
        where [403, 404, 405].contains(response.status) && !environment.flag("AWS_EC2_METADATA_V1_DISABLED"):
            break  // IMDSv1 only (old instance setting, or a proxy that drops PUT)
        case .response(let response):
            throw CredentialsError.failed(
                "EC2 instance metadata: PUT /latest/api/token at \(origin) answered HTTP \(response.status)")
        }

        let role: String
        switch await send("GET", Self.credentialsPath, headers) {
        case .unreachable(let error):
            throw CredentialsError.failed("EC2 instance metadata: no answer from \(origin) for the role name: \(error)")
        case .response(let response) where response.status == 404:
            throw CredentialsError.notConfigured("EC2 instance metadata (no IAM role attached to this instance)")
        case .response(let response) where response.status != 200:
            throw CredentialsError.failed(
                "EC2 instance metadata: GET \(Self.credentialsPath) at \(origin) answered HTTP \(response.status)")
        case .response(let response):
            guard
                let name = String(decoding: response.body, as: UTF8.self).split(whereSeparator: \.isNewline)
                    .map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { !$0.isEmpty })
            else {
                throw CredentialsError.notConfigured("EC2 instance metadata (no IAM role attached to this instance)")
            }
            role = name
        }

        let source = "EC2 instance metadata (role \(role))"
        switch await send("GET", Self.credentialsPath + role, headers) {
        case .unreachable(let error):
            throw CredentialsError.failed("\(source): no answer from \(origin): \(error)")
        case .response(let response) where response.status != 200:
            throw CredentialsError.failed("\(source): \(origin) answered HTTP \(response.status)")
        case .response(let response):
            guard let document = CredentialDocument.decode(response.body) else {
                throw CredentialsError.failed("\(source): the answer is not a JSON object")
            }
            if let code = document.code, code != "Success" {
                throw CredentialsError.failed("\(source): instance metadata reports Code \(code)")
            }
            switch document.credentials(source: source, temporary: true) {
            case .success(let credentials): return credentials
            case .failure(let problem): throw CredentialsError.failed("\(source): the answer \(problem.phrase)")
            }
        }
    }

    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else the IPv4 or IPv6 address per
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`.
    static func endpoint(_ environment: CredentialEnvironment) throws(CredentialsError) -> URL {
        if let custom = environment.value("AWS_EC2_METADATA_SERVICE_ENDPOINT") {
            let trimmed = custom.hasSuffix("/") ? String(custom.dropLast()) : custom
            guard let url = URL(string: trimmed), url.scheme != nil, url.host != nil else {
                throw .invalid("EC2 instance metadata: AWS_EC2_METADATA_SERVICE_ENDPOINT \"\(custom)\" is not a URL")
            }
            return url
        }
        switch environment.value("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")?.lowercased() {
        case nil, "ipv4": return URL(string: "http://169.254.169.254")!
        case "ipv6": return URL(string: "http://[fd00:ec2::254]")!
        case let other?:
            throw .invalid(
                "EC2 instance metadata: AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE \"\(other)\" is not IPv4 or IPv6")
        }
    }

    static func limits(_ environment: CredentialEnvironment) throws(CredentialsError) -> (Duration, Int) {
        var timeout = Duration.seconds(1)
        var attempts = 1
        if let text = environment.value("AWS_METADATA_SERVICE_TIMEOUT") {
            guard let seconds = Double(text), seconds > 0 else {
                throw .invalid("AWS_METADATA_SERVICE_TIMEOUT \"\(text)\" is not a positive number of seconds")
            }
            timeout = .milliseconds(Int(seconds * 1000))
        }
        if let text = environment.value("AWS_METADATA_SERVICE_NUM_ATTEMPTS") {
            guard let count = Int(text), count > 0 else {
                throw .invalid("AWS_METADATA_SERVICE_NUM_ATTEMPTS \"\(text)\" is not a positive integer")
            }
            attempts = count
        }
        return (timeout, attempts)
    }
}
