import Foundation

/// The selected profile's own credentials, in botocore's order: static keys from the
/// credentials file, `credential_process`, static keys from the config file. (Its `role_arn`
/// and `web_identity_token_file` are handled earlier in the chain, by the assume-role and web
/// identity sources, as botocore orders them.)
struct ProfileCredentialProvider: CredentialProvider {
    var context: CredentialContext

    var name: String { "profile" }

    func credentials() async throws -> AWSCredentials {
        let config = try SharedConfig.load(context.environment)
        let selection = context.selection
        guard let profile = try config.requireProfile(selection) else {
            let why =
                config.credentials.exists || config.config.exists ? "not defined" : "neither file exists"
            throw CredentialsError.notConfigured("profile \"\(selection.name)\" in \(config.paths) (\(why))")
        }
        let resolver = ProfileResolver(context: context, config: config, region: context.stsRegion { profile })
        if let credentials = try await resolver.profileCredentials(profile, includingWebIdentity: false) {
            return credentials
        }
        throw CredentialsError.notConfigured(
            "profile \"\(profile.name)\" in \(config.paths) (no aws_access_key_id, credential_process, role_arn, web_identity_token_file or sso_session)"
        )
    }
}

/// Credentials for the profiles of one loaded configuration: botocore's AssumeRoleProvider
/// (see AssumeRoleCredentialProvider.swift) and the "profile providers" it also runs for a
/// `source_profile`.
struct ProfileResolver: Sendable {
    var context: CredentialContext
    var config: SharedConfig
    /// The STS region for every call of this resolution, from the selected profile.
    var region: String

    /// botocore's profile providers in order: web identity and SSO from the profile's keys (only
    /// for a `source_profile`; the top-level profile's are the web identity and SSO sources' job),
    /// static keys in the credentials file, `credential_process`, static keys in the config file.
    /// `nil` when the profile has none of them.
    func profileCredentials(_ profile: Profile, includingWebIdentity: Bool) async throws -> AWSCredentials? {
        if includingWebIdentity, let tokenFile = profile["web_identity_token_file"] {
            guard let roleARN = profile["role_arn"] else {
                throw CredentialsError.invalid(
                    "profile \"\(profile.name)\" in \(profile.file(of: "web_identity_token_file")) has web_identity_token_file but no role_arn; add role_arn"
                )
            }
            return try await WebIdentityCredentialProvider.assumeRole(
                tokenFile: context.environment.expandingTilde(tokenFile), roleARN: roleARN,
                sessionName: profile["role_session_name"] ?? context.defaultSessionName(), region: region,
                sts: context.sts, source: "profile \(profile.name) (web identity)")
        }
        if includingWebIdentity, let sso = try SSOProfile(profile, config: config) {
            return try await sso.credentials(context: context)
        }
        if let keys = try staticKeys(profile.fromCredentialsFile, file: config.credentials.path, profile: profile.name)
        {
            return keys
        }
        if let command = profile["credential_process"] {
            return try await CredentialProcess.credentials(
                command: command, profile: profile.name, file: profile.file(of: "credential_process"),
                environment: context.environment)
        }
        return try staticKeys(profile.fromConfigFile, file: config.config.path, profile: profile.name)
    }

    private func staticKeys(_ values: [String: String]?, file: String, profile: String) throws(CredentialsError)
        -> AWSCredentials?
    {
        func value(_ key: String) -> String? {
            guard let value = values?[key], !value.isEmpty else { return nil }
            return value
        }
        let accessKeyID = value("aws_access_key_id")
        let secretAccessKey = value("aws_secret_access_key")
        if accessKeyID == nil && secretAccessKey == nil { return nil }
        guard let accessKeyID, let secretAccessKey else {
            let (present, missing) =
                accessKeyID == nil
                ? ("aws_secret_access_key", "aws_access_key_id") : ("aws_access_key_id", "aws_secret_access_key")
            throw .invalid("\(file): profile \"\(profile)\" has \(present) but no \(missing); add it or remove both")
        }
        return AWSCredentials(
            accessKeyID: accessKeyID, secretAccessKey: secretAccessKey,
            sessionToken: value("aws_session_token") ?? value("aws_security_token"), source: "profile \(profile)")
    }
}
