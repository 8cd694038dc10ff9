import Foundation

/// What the selected profile of the shared config says besides credentials, as the AWS CLI
/// reads it: `ca_bundle`, `max_attempts`, `retry_mode` (raw text: the caller validates and
/// ranks them against its own settings and the environment), and the configured endpoints.
public struct SharedProfileSettings: Sendable, Equatable {
    /// `/home/u/.aws/config, profile prod`, for messages.
    public var source: String
    public var caBundle: String?
    public var maxAttempts: String?
    public var retryMode: String?
    public var endpoints: ConfiguredEndpoints

    /// The settings of the profile chosen as the credential chain chooses it (`--profile`, else
    /// `AWS_PROFILE`, else the config's `aws.profile`, else "default"). A profile that does not
    /// exist gives empty settings: the credential chain reports it, naming where its name came
    /// from. A config file that cannot be read, or a bad endpoint, is an error naming the file.
    public static func load(profile: String?, configuredProfile: String? = nil, environment: CredentialEnvironment)
        throws(CredentialsError) -> SharedProfileSettings
    {
        let selection = ProfileSelection(argument: profile, configured: configuredProfile, environment: environment)
        let files = try SharedConfig.load(environment)
        let source = "\(files.config.path), profile \(selection.name)"
        var ignore = false
        guard let profile = files.profile(selection.name) else {
            ignore = environment.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            return SharedProfileSettings(source: source, endpoints: ConfiguredEndpoints(ignored: ignore))
        }
        if let text = environment.value("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
            ignore = text.lowercased() == "true"
        } else {
            ignore = profile["ignore_configured_endpoint_urls"]?.lowercased() == "true"
        }
        var endpoints = ConfiguredEndpoints(ignored: ignore)
        if let text = profile["endpoint_url"] {
            endpoints.global = try url(text, at: "\(source): endpoint_url")
        }
        if let name = profile["services"] {
            guard let section = files.config.services[name] else {
                throw .invalid(
                    "\(source): services = \(name) names no [services \(name)] section in \(files.config.path); add it or remove the key"
                )
            }
            for (key, value) in section where key.hasSuffix(".endpoint_url") && !value.isEmpty {
                let service = String(key.dropLast(".endpoint_url".count))
                endpoints.services[service] = try url(
                    value, at: "\(files.config.path), [services \(name)] \(service).endpoint_url")
            }
        }
        return SharedProfileSettings(
            source: source, caBundle: profile["ca_bundle"], maxAttempts: profile["max_attempts"],
            retryMode: profile["retry_mode"], endpoints: endpoints)
    }

    private static func url(_ text: String, at location: String) throws(CredentialsError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw .invalid("\(location) is not an http(s) URL: \"\(text.prefix(200))\"")
        }
        return url
    }
}

/// Endpoints from the shared config: the profile's `endpoint_url` and the per-service
/// `endpoint_url` of the `[services NAME]` section it names (keys are the service ID in lower
/// case, spaces as underscores: `s3`, `cloudwatch`, `sso`). Below the environment's
/// `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL` (see `EndpointResolver`).
public struct ConfiguredEndpoints: Sendable, Equatable {
    public var global: URL?
    public var services: [String: URL]
    /// `ignore_configured_endpoint_urls` / `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`: every configured
    /// endpoint, the environment's included, is ignored.
    public var ignored: Bool

    public init(global: URL? = nil, services: [String: URL] = [:], ignored: Bool = false) {
        self.global = global
        self.services = services
        self.ignored = ignored
    }
}
