import Foundation

/// Where a secret (a webhook URL, an SMTP password) comes from. It is never written in the YAML:
/// a file — e.g. a systemd credential under `$CREDENTIALS_DIRECTORY` — read at each use, so a
/// rotated secret is picked up without a restart; or an environment variable, read at start.
public enum SecretSource: Sendable, Equatable {
    case file(path: String)
    /// `value` is the variable's value once read (`reading(_:)`); nil: not read, or not set.
    case environment(name: String, value: Secret<String>? = nil)
    /// Given directly (tests, `test-alert` against a URL): never from the config.
    case value(Secret<String>)

    /// Alias of `.value`, as the Slack notifier's callers name it.
    public static func url(_ secret: Secret<String>) -> SecretSource { .value(secret) }

    /// The source as it will be used: an environment variable read from `environment`, and
    /// `${CREDENTIALS_DIRECTORY}` in a file path expanded from it.
    public func reading(_ environment: [String: String]) -> SecretSource {
        switch self {
        case .file(let path): .file(path: Self.expand(path, environment: environment))
        case .environment(let name, _): .environment(name: name, value: environment[name].map(Secret.init))
        case .value: self
        }
    }

    /// Where it comes from, for messages, with the config's key names: `webhook_url_file /run/…`.
    public func describe(fileKey: String, environmentKey: String) -> String {
        switch self {
        case .file(let path): "\(fileKey) \(path)"
        case .environment(let name, _): "\(environmentKey) \(name)"
        case .value: "the given value"
        }
    }

    /// The secret (one trailing line break of a file dropped), or an error naming the source and
    /// never the value.
    public func resolve(fileKey: String, environmentKey: String) throws(SecretSourceError) -> Secret<String> {
        switch self {
        case .value(let secret):
            return secret
        case .environment(let name, let value):
            guard let value else {
                throw SecretSourceError(message: "environment variable \(name) is not set (\(environmentKey))")
            }
            return value
        case .file(let path):
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw SecretSourceError(
                    message: "cannot read \(fileKey) \(path): \((error as NSError).localizedDescription)")
            }
            // Byte-wise: "\r\n" is one Character, so a Character-based suffix test never
            // sees its "\n".
            var bytes = Array(text.utf8)
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            return Secret(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// `${CREDENTIALS_DIRECTORY}/slack-webhook` → `/run/credentials/mnemond.service/slack-webhook`
    /// (systemd's `LoadCredential=`); unchanged when the variable is not set.
    public static func expand(_ path: String, environment: [String: String]) -> String {
        guard let directory = environment["CREDENTIALS_DIRECTORY"] else { return path }
        return path.replacingOccurrences(of: "${CREDENTIALS_DIRECTORY}", with: directory)
            .replacingOccurrences(of: "$CREDENTIALS_DIRECTORY", with: directory)
    }
}

/// A secret that could not be read; the message names the source, never the value.
public struct SecretSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
