import Foundation
import MnemondHTTP

/// What the sources share: the environment, the profile asked for, the transport, the STS
/// seam and the clock.
struct CredentialContext: Sendable {
    var selection: ProfileSelection
    var environment: CredentialEnvironment
    var http: HTTPClient
    var sts: STSCalls
    /// Where the SSO portal is (`AWS_ENDPOINT_URL_SSO` and the shared config override it).
    var endpoints: EndpointResolver
    var now: @Sendable () -> Date

    /// Region of the STS endpoint for AssumeRole*: `AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// selected profile's `region`, else us-east-1 (the global endpoint's region).
    func stsRegion(profile: () throws -> Profile?) rethrows -> String {
        if let region = environment.value("AWS_REGION") ?? environment.value("AWS_DEFAULT_REGION") {
            return region
        }
        return try profile()?["region"] ?? "us-east-1"
    }

    /// `role_session_name`'s default, like botocore's `botocore-session-<epoch>`: it shows up
    /// in CloudTrail as the assumed-role session, so it names us.
    func defaultSessionName() -> String {
        "mnemond-\(Int(now().timeIntervalSince1970))"
    }
}

/// The JSON shape shared by `credential_process` output (Version 1), the container endpoint and
/// EC2 instance metadata. Decoding errors are never shown: they could quote a value.
struct CredentialDocument: Decodable, Sendable {
    var version: Int?
    var accessKeyID: String?
    var secretAccessKey: String?
    var sessionToken: String?
    var token: String?
    var expiration: String?
    var code: String?
    var message: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version", accessKeyID = "AccessKeyId", secretAccessKey = "SecretAccessKey"
        case sessionToken = "SessionToken", token = "Token", expiration = "Expiration", code = "Code"
        case message = "Message"
    }

    static func decode(_ data: Data) -> CredentialDocument? {
        try? JSONDecoder().decode(CredentialDocument.self, from: data)
    }

    /// The credentials, or what is wrong with the document (never a value). `temporary` ones (from
    /// the container endpoint or instance metadata) must carry a token and an expiration.
    func credentials(source: String, temporary: Bool) -> Result<AWSCredentials, Problem> {
        guard let accessKeyID, !accessKeyID.isEmpty else { return .failure(.init("lacks AccessKeyId")) }
        guard let secretAccessKey, !secretAccessKey.isEmpty else { return .failure(.init("lacks SecretAccessKey")) }
        let token = sessionToken ?? self.token
        if temporary, token?.isEmpty ?? true { return .failure(.init("lacks Token")) }
        if temporary, self.expiration == nil { return .failure(.init("lacks Expiration")) }
        var expiration: Date?
        if let text = self.expiration {
            guard let date = parseTimestamp(text) else {
                return .failure(.init("has an Expiration that is not an ISO 8601 time"))
            }
            expiration = date
        }
        return .success(
            AWSCredentials(
                accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: token, expiration: expiration,
                source: source))
    }

    /// "lacks AccessKeyId", "has an Expiration that is not an ISO 8601 time".
    struct Problem: Error, Sendable {
        var phrase: String
        init(_ phrase: String) { self.phrase = phrase }
    }
}

/// ISO 8601 times as AWS writes them: `2026-11-25T12:00:00Z`, with or without fractional
/// seconds, `Z` or a numeric offset.
func parseTimestamp(_ text: String) -> Date? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let date = try? Date(trimmed, strategy: .iso8601) { return date }
    return try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}

/// A token file's content, trimmed (a trailing newline is not part of a token). Read on every
/// call: EKS rotates projected tokens while the pod runs. Errors name the file, not the content.
func readTokenFile(_ path: String, what: String) throws(CredentialsError) -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw .failed("\(what) \(path) does not exist")
    }
    guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
        throw .failed("\(what) \(path) cannot be read (check its permissions for this user)")
    }
    let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !token.isEmpty else {
        throw .failed("\(what) \(path) is empty")
    }
    return token
}
