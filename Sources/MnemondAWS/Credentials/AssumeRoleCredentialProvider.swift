import Foundation

/// The selected profile's `role_arn` with `source_profile` or `credential_source` (botocore's
/// AssumeRoleProvider, which runs right after the environment: a profile that assumes a role
/// wins over its own static keys and over web identity variables).
struct AssumeRoleCredentialProvider: CredentialProvider {
    var context: CredentialContext

    var name: String { "assume role" }

    func credentials() async throws -> AWSCredentials {
        let config = try SharedConfig.load(context.environment)
        guard let profile = try config.requireProfile(context.selection), profile.hasAssumeRole else {
            // Silent in the "tried:" list: the profile source reports on the profile.
            throw CredentialsError.notConfigured("")
        }
        let resolver = ProfileResolver(context: context, config: config, region: context.stsRegion { profile })
        return try await resolver.assumeRole(profile, visited: [profile.name])
    }
}

/// A `credential_source` value: where a role profile takes its source credentials from.
enum CredentialSource: String, CaseIterable, Sendable {
    case environment = "Environment"
    case ecsContainer = "EcsContainer"
    case ec2InstanceMetadata = "Ec2InstanceMetadata"

    /// Canonical names compare case-insensitively, as in botocore.
    init?(configValue: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == configValue.lowercased() }) else {
            return nil
        }
        self = match
    }
}

extension ProfileResolver {
    /// STS AssumeRole into the profile's `role_arn`, with source credentials from its
    /// `source_profile` (recursively) or `credential_source`. `visited` is the chain of profiles
    /// so far, for loop detection.
    func assumeRole(_ profile: Profile, visited: [String]) async throws -> AWSCredentials {
        let roleARN = profile["role_arn"] ?? ""
        let file = profile.file(of: "role_arn")
        let source: AWSCredentials
        switch (profile["source_profile"], profile["credential_source"]) {
        case (.some, .some):
            throw CredentialsError.invalid(
                "profile \"\(profile.name)\" in \(file) sets both source_profile and credential_source; keep one")
        case (.none, .none):
            throw CredentialsError.invalid(
                "profile \"\(profile.name)\" in \(file) has role_arn but neither source_profile nor credential_source; add one"
            )
        case (.some(let sourceProfile), .none):
            source = try await credentials(fromSourceProfile: sourceProfile, of: profile, visited: visited)
        case (.none, .some(let credentialSource)):
            source = try await credentials(fromCredentialSource: credentialSource, of: profile)
        }
        let sessionName = profile["role_session_name"] ?? context.defaultSessionName()
        var assumed: AWSCredentials
        do {
            assumed = try await context.sts.assumeRole(roleARN, sessionName, profile["external_id"], source, region)
        } catch {
            throw CredentialsError.failed(
                "profile \"\(profile.name)\": sts:AssumeRole into \(roleARN) (\(region)) with credentials from \(source.source) failed: \(error)"
            )
        }
        assumed.source = "profile \(profile.name) (role \(roleARN))"
        return assumed
    }

    private func credentials(fromSourceProfile name: String, of parent: Profile, visited: [String]) async throws
        -> AWSCredentials
    {
        guard let source = config.profile(name) else {
            throw CredentialsError.invalid(
                "profile \"\(parent.name)\" in \(parent.file(of: "source_profile")): source_profile \"\(name)\" not found in \(config.paths)"
            )
        }
        // botocore lets a profile be its own source_profile when it also holds static keys (role
        // and keys in one section); any other revisit is a loop.
        if visited.contains(name), !(name == parent.name && source.hasStaticKeys) {
            let loop = (visited + [name]).map { "\"\($0)\"" }.joined(separator: " → ")
            throw CredentialsError.invalid(
                "profile \"\(visited[0])\": source_profile loop \(loop) in \(config.paths); point one of them at a profile with keys"
            )
        }
        if source.hasStaticKeys || !source.hasAssumeRole {
            guard let credentials = try await profileCredentials(source, includingWebIdentity: true) else {
                throw CredentialsError.invalid(
                    "profile \"\(parent.name)\": its source_profile \"\(name)\" has no credentials (no aws_access_key_id, credential_process, role_arn, web_identity_token_file or sso_session)"
                )
            }
            return credentials
        }
        return try await assumeRole(source, visited: visited + [name])
    }

    private func credentials(fromCredentialSource value: String, of profile: Profile) async throws -> AWSCredentials {
        guard let credentialSource = CredentialSource(configValue: value) else {
            let valid = CredentialSource.allCases.map(\.rawValue).joined(separator: ", ")
            throw CredentialsError.invalid(
                "profile \"\(profile.name)\" in \(profile.file(of: "credential_source")): credential_source \"\(value)\" is not one of \(valid)"
            )
        }
        let provider: any CredentialProvider =
            switch credentialSource {
            case .environment: EnvironmentCredentialProvider(environment: context.environment)
            case .ecsContainer: ContainerCredentialProvider(environment: context.environment, http: context.http)
            case .ec2InstanceMetadata:
                InstanceMetadataCredentialProvider(environment: context.environment, http: context.http)
            }
        do {
            return try await provider.credentials()
        } catch let error as CredentialsError where error.kind == .notConfigured {
            throw CredentialsError.invalid(
                "profile \"\(profile.name)\": credential_source \(credentialSource.rawValue) found no credentials: \(error.message)"
            )
        }
    }
}
