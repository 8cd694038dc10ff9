import Foundation
import MnemondHTTP

/// The standard chain, in the AWS CLI's (botocore's) order on Linux:
/// 1. environment — `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (skipped for an explicit profile);
/// 2. assume role — the profile's `role_arn` with `source_profile` or `credential_source`;
/// 3. web identity — `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, or the profile's
///    `web_identity_token_file` + `role_arn`;
/// 4. SSO — the profile's `sso_session` or legacy `sso_start_url`: the token `aws sso login`
///    cached, exchanged for role credentials;
/// 5. profile — static keys in the credentials file, `credential_process`, static keys in the
///    config file;
/// 6. container — ECS / EKS Pod Identity endpoint;
/// 7. EC2 instance metadata (IMDSv2).
/// The profile is the argument, else `AWS_PROFILE`, else the config's `aws.profile`, else "default".
public enum CredentialChain {
    /// The chain behind a single-flight cache: the first source that is configured answers; an
    /// error inside a configured source is reported, not skipped over.
    public static func standard(
        profile: String?, configuredProfile: String? = nil, environment: CredentialEnvironment, http: HTTPClient,
        sts: STSCalls, endpoints: EndpointResolver? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) -> any CredentialProvider {
        CachingCredentialProvider(
            ChainCredentialProvider(
                sources: sources(
                    profile: profile, configuredProfile: configuredProfile, environment: environment, http: http,
                    sts: sts, endpoints: endpoints, now: now)),
            now: now)
    }

    /// The sources in order, uncached.
    static func sources(
        profile: String?, configuredProfile: String? = nil, environment: CredentialEnvironment, http: HTTPClient,
        sts: STSCalls, endpoints: EndpointResolver? = nil, now: @escaping @Sendable () -> Date
    ) -> [any CredentialProvider] {
        let selection = ProfileSelection(argument: profile, configured: configuredProfile, environment: environment)
        let context = CredentialContext(
            selection: selection, environment: environment, http: http, sts: sts,
            endpoints: endpoints ?? EndpointResolver(environment: environment.variables), now: now)
        return [
            EnvironmentCredentialProvider(
                environment: environment, skippedForProfile: selection.disablesEnvironment ? selection.name : nil),
            AssumeRoleCredentialProvider(context: context),
            WebIdentityCredentialProvider(context: context),
            SSOCredentialProvider(context: context),
            ProfileCredentialProvider(context: context),
            ContainerCredentialProvider(environment: environment, http: http),
            InstanceMetadataCredentialProvider(environment: environment, http: http),
        ]
    }
}

/// The first source that is configured answers. A source that is not configured says why in
/// one "tried:" entry; any other error ends the search, so a broken config file or a failing
/// `credential_process` is reported rather than silently replaced by instance credentials.
struct ChainCredentialProvider: CredentialProvider {
    var sources: [any CredentialProvider]

    var name: String { "chain" }

    func credentials() async throws -> AWSCredentials {
        var tried: [String] = []
        for source in sources {
            do {
                return try await source.credentials()
            } catch let error as CredentialsError where error.kind == .notConfigured {
                if !error.message.isEmpty { tried.append(error.message) }
            }
        }
        throw CredentialsError(
            .noCredentials,
            "no AWS credentials found; tried: \(tried.joined(separator: ", ")); configure one of them (keys in the environment, a profile via `aws configure`, or an attached IAM role)"
        )
    }
}
