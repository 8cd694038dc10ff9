import Foundation

/// `~/.aws/credentials` and `~/.aws/config`, read afresh at every resolution so an edited
/// profile or a rotated key is picked up at the next refresh.
///
/// Paths: `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`, else the files under `~/.aws`.
/// In the credentials file every section is a profile; in the config file only `[default]` and
/// `[profile NAME]` are; `[sso-session NAME]` and `[services NAME]` are kept apart for the SSO
/// provider and the configured endpoints, any other section is ignored. Like botocore's
/// `full_config`, a profile's keys from the credentials file win over the config file's.
struct SharedConfig: Sendable {
    struct File: Sendable {
        var path: String
        var exists: Bool
        var profiles: [String: [String: String]]
        /// `[services NAME]` sections of the config file: `s3.endpoint_url` and the like.
        var services: [String: [String: String]] = [:]
        /// `[sso-session NAME]` sections of the config file: `sso_start_url`, `sso_region`.
        var ssoSessions: [String: [String: String]] = [:]
    }

    var credentials: File
    var config: File

    static func load(_ environment: CredentialEnvironment) throws(CredentialsError) -> SharedConfig {
        let credentialsPath = environment.expandingTilde(
            environment.value("AWS_SHARED_CREDENTIALS_FILE") ?? "~/.aws/credentials")
        let configPath = environment.expandingTilde(environment.value("AWS_CONFIG_FILE") ?? "~/.aws/config")
        return SharedConfig(
            credentials: try read(credentialsPath) { $0 },
            config: try read(configPath, profileName(configSection:)))
    }

    /// `[default]` → default, `[profile prod]` → prod, anything else is not a profile.
    static func profileName(configSection section: String) -> String? {
        if section == "default" { return section }
        let words = section.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count == 2, words[0] == "profile" else { return nil }
        return String(words[1])
    }

    /// `[services local]` → local for kind "services"; nil for any other section.
    static func namedSection(_ kind: String, _ section: String) -> String? {
        let words = section.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count == 2, words[0] == kind else { return nil }
        return String(words[1])
    }

    private static func read(_ path: String, _ profileName: (String) -> String?) throws(CredentialsError) -> File {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return File(path: path, exists: false, profiles: [:])
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw .invalid("\(path): cannot be read (check its permissions for this user)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalid("\(path): not UTF-8 text")
        }
        var file = File(path: path, exists: true, profiles: [:])
        for (section, values) in try SharedConfigParser.parse(text, path: path) {
            if let name = profileName(section) {
                file.profiles[name, default: [:]].merge(values) { _, new in new }
            } else if let name = namedSection("services", section) {
                file.services[name, default: [:]].merge(values) { _, new in new }
            } else if let name = namedSection("sso-session", section) {
                file.ssoSessions[name, default: [:]].merge(values) { _, new in new }
            }
        }
        return file
    }

    func profile(_ name: String) -> Profile? {
        let fromCredentials = credentials.profiles[name]
        let fromConfig = config.profiles[name]
        guard fromCredentials != nil || fromConfig != nil else { return nil }
        return Profile(name: name, fromCredentialsFile: fromCredentials, fromConfigFile: fromConfig, files: self)
    }

    /// "/h/.aws/credentials or /h/.aws/config", for messages.
    var paths: String { "\(credentials.path) or \(config.path)" }

    /// The profile the caller asked for; `nil` only when nobody asked (the implicit "default")
    /// and it does not exist — then the profile sources are simply not configured.
    func requireProfile(_ selection: ProfileSelection) throws(CredentialsError) -> Profile? {
        if let profile = profile(selection.name) { return profile }
        if selection.origin == .defaultName { return nil }
        let names = Set(credentials.profiles.keys).union(config.profiles.keys).sorted()
        let found: String
        if !credentials.exists && !config.exists {
            found = "neither file exists"
        } else if names.isEmpty {
            found = "they define no profiles"
        } else {
            found = "profiles there: " + names.joined(separator: ", ")
        }
        throw .invalid("profile \"\(selection.name)\"\(selection.originNote) not found in \(paths); \(found)")
    }
}

/// One profile's keys, merged from both files, remembering which file said what.
struct Profile: Sendable {
    var name: String
    var fromCredentialsFile: [String: String]?
    var fromConfigFile: [String: String]?
    var files: SharedConfig

    /// The key's value, credentials file first; an empty value counts as absent.
    subscript(_ key: String) -> String? {
        if let value = fromCredentialsFile?[key], !value.isEmpty { return value }
        if let value = fromConfigFile?[key], !value.isEmpty { return value }
        return nil
    }

    /// The file a key was read from, for messages that point at the line to fix.
    func file(of key: String) -> String {
        if let value = fromCredentialsFile?[key], !value.isEmpty { return files.credentials.path }
        return files.config.path
    }

    /// botocore's `_has_static_credentials`.
    var hasStaticKeys: Bool { self["aws_access_key_id"] != nil || self["aws_secret_access_key"] != nil }

    /// botocore's `_has_assume_role_config_vars`: `role_arn` without `web_identity_token_file`
    /// (that pair belongs to the web identity source).
    var hasAssumeRole: Bool { self["role_arn"] != nil && self["web_identity_token_file"] == nil }
}

/// Which profile to use: the caller's argument (`--profile`), else `AWS_PROFILE`, else the
/// config's `aws.profile`, else "default".
struct ProfileSelection: Sendable, Equatable {
    enum Origin: Sendable, Equatable { case argument, environment, config, defaultName }

    var name: String
    var origin: Origin

    init(argument: String?, configured: String? = nil, environment: CredentialEnvironment) {
        if let argument, !argument.isEmpty {
            (name, origin) = (argument, .argument)
        } else if let fromEnvironment = environment.value("AWS_PROFILE") {
            (name, origin) = (fromEnvironment, .environment)
        } else if let configured, !configured.isEmpty {
            (name, origin) = (configured, .config)
        } else {
            (name, origin) = ("default", .defaultName)
        }
    }

    /// An explicit profile argument turns off environment keys, as the AWS CLI's `--profile`
    /// does; `AWS_PROFILE` does not.
    var disablesEnvironment: Bool { origin == .argument }

    /// Where the name came from, for errors: the source the user must fix.
    var originNote: String {
        switch origin {
        case .argument: " (from --profile)"
        case .environment: " (from AWS_PROFILE)"
        case .config: " (from the config's aws.profile)"
        case .defaultName: ""
        }
    }
}
