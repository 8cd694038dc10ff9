import Foundation
import MnemondSigV4

/// Credentials for signing, with where they came from and until when they are good.
///
/// Every textual form (`description`, `debugDescription`, `dump`) shows the source, the expiry
/// and the access key id — never the secret key or the session token (SigV4Credentials masks
/// them as `***`).
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var signing: SigV4Credentials
    /// `nil` for long-term keys: they are cached until the process ends.
    public var expiration: Date?
    /// Where the chain found them: "environment", "profile mnemonica", "web identity", …
    public var source: String

    public init(signing: SigV4Credentials, expiration: Date? = nil, source: String) {
        self.signing = signing
        self.expiration = expiration
        self.source = source
    }

    public init(
        accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil,
        source: String
    ) {
        self.init(
            signing: SigV4Credentials(
                accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken),
            expiration: expiration, source: source)
    }

    public var description: String {
        let expires = expiration.map { $0.formatted(.iso8601) } ?? "never"
        return "AWSCredentials(source: \(source), expiration: \(expires), signing: \(signing))"
    }

    public var debugDescription: String { description }

    /// `dump()` and debuggers walk the mirror; `signing`'s own mirror masks the secret and token.
    public var customMirror: Mirror {
        Mirror(
            self, children: ["source": source, "expiration": expiration as Any, "signing": signing],
            displayStyle: .struct)
    }
}

/// One source of credentials (environment, web identity, profile, container, EC2 instance
/// metadata), or the chain and cache that combine them.
public protocol CredentialProvider: Sendable {
    /// Short human name, used in "tried:" lists and logs.
    var name: String { get }
    func credentials() async throws -> AWSCredentials
}

/// Why credentials could not be obtained. The message says what, where and what to do; it never
/// contains a secret, a token or the output of a `credential_process`.
public struct CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The source is not set up on this host (variable unset, no file, not on EC2). The
        /// chain moves on to the next source; the message is one "tried:" entry.
        case notConfigured
        /// The source is set up but its configuration is wrong: parse error, unknown profile,
        /// a `source_profile` loop, half a key pair.
        case invalidConfiguration
        /// The source is set up but fetching failed: process exit status, STS error, HTTP error.
        case retrievalFailed
        /// No source in the chain is set up.
        case noCredentials
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func notConfigured(_ entry: String) -> CredentialsError { .init(.notConfigured, entry) }
    static func invalid(_ message: String) -> CredentialsError { .init(.invalidConfiguration, message) }
    static func failed(_ message: String) -> CredentialsError { .init(.retrievalFailed, message) }
}

/// The two STS operations the chain needs, injected so the chain does not depend on the AWS
/// client (which depends on the chain). The returned credentials' `source` is replaced by the
/// chain's own description of where they came from.
public struct STSCalls: Sendable {
    public var assumeRole:
        @Sendable (
            _ roleARN: String, _ sessionName: String, _ externalID: String?, _ source: AWSCredentials,
            _ region: String
        ) async throws -> AWSCredentials
    public var assumeRoleWithWebIdentity:
        @Sendable (_ roleARN: String, _ sessionName: String, _ token: String, _ region: String) async throws ->
            AWSCredentials

    public init(
        assumeRole:
            @escaping @Sendable (
                _ roleARN: String, _ sessionName: String, _ externalID: String?, _ source: AWSCredentials,
                _ region: String
            ) async throws -> AWSCredentials,
        assumeRoleWithWebIdentity:
            @escaping @Sendable (_ roleARN: String, _ sessionName: String, _ token: String, _ region: String)
            async throws -> AWSCredentials
    ) {
        self.assumeRole = assumeRole
        self.assumeRoleWithWebIdentity = assumeRoleWithWebIdentity
    }
}

/// Everything the chain reads from the process environment. Files are read from the paths it
/// names (`AWS_CONFIG_FILE`, `HOME`), so a test points the chain at a temp directory.
public struct CredentialEnvironment: Sendable {
    public var variables: [String: String]
    public var homeDirectory: String

    public init(variables: [String: String], homeDirectory: String) {
        self.variables = variables
        self.homeDirectory = homeDirectory
    }

    public static var current: CredentialEnvironment {
        let variables = ProcessInfo.processInfo.environment
        return CredentialEnvironment(
            variables: variables,
            homeDirectory: variables["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path)
    }

    /// The variable's value; an empty value counts as unset, as in botocore.
    func value(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// `true`/`TRUE`/`True` as botocore's boolean variables accept.
    func flag(_ name: String) -> Bool {
        value(name)?.lowercased() == "true"
    }

    /// Paths from variables and config may start with `~`, as botocore expands them.
    func expandingTilde(_ path: String) -> String {
        if path == "~" { return homeDirectory }
        if path.hasPrefix("~/") { return homeDirectory + path.dropFirst() }
        return path
    }
}

/// Fixed credentials, e.g. for a simulator or a test.
public struct StaticCredentialProvider: CredentialProvider {
    public let name: String
    let value: AWSCredentials

    public init(_ credentials: AWSCredentials) {
        self.value = credentials
        self.name = credentials.source
    }

    public func credentials() async throws -> AWSCredentials { value }
}
