import Foundation

/// STS AssumeRoleWithWebIdentity with a token from a file: `AWS_WEB_IDENTITY_TOKEN_FILE`,
/// `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME` (EKS IAM roles for service accounts), else the
/// selected profile's `web_identity_token_file`, `role_arn`, `role_session_name`. Each key is
/// taken from the environment first, then from the profile, as botocore does; an explicit
/// profile argument ignores the variables.
struct WebIdentityCredentialProvider: CredentialProvider {
    var context: CredentialContext

    var name: String { "web identity" }

    func credentials() async throws -> AWSCredentials {
        let useEnvironment = !context.selection.disablesEnvironment
        func variable(_ name: String) -> String? { useEnvironment ? context.environment.value(name) : nil }
        let profile = try SharedConfig.load(context.environment).requireProfile(context.selection)

        let tokenFileFromEnvironment = variable("AWS_WEB_IDENTITY_TOKEN_FILE")
        guard let tokenFile = tokenFileFromEnvironment ?? profile?["web_identity_token_file"] else {
            let why =
                useEnvironment
                ? "AWS_WEB_IDENTITY_TOKEN_FILE not set"
                : "profile \"\(context.selection.name)\" has no web_identity_token_file"
            throw CredentialsError.notConfigured("web identity (\(why))")
        }
        let source =
            tokenFileFromEnvironment != nil ? "web identity" : "profile \(context.selection.name) (web identity)"
        guard let roleARN = variable("AWS_ROLE_ARN") ?? profile?["role_arn"] else {
            let configured =
                tokenFileFromEnvironment != nil
                ? "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"
                : "profile \"\(context.selection.name)\" has web_identity_token_file but no role_arn"
            throw CredentialsError.invalid("web identity: \(configured); set the role to assume")
        }
        return try await Self.assumeRole(
            tokenFile: context.environment.expandingTilde(tokenFile), roleARN: roleARN,
            sessionName: variable("AWS_ROLE_SESSION_NAME") ?? profile?["role_session_name"]
                ?? context.defaultSessionName(),
            region: context.stsRegion { profile }, sts: context.sts, source: source)
    }

    /// Reads the token afresh on every call (EKS rotates it) and exchanges it at STS.
    static func assumeRole(
        tokenFile: String, roleARN: String, sessionName: String, region: String, sts: STSCalls, source: String
    ) async throws -> AWSCredentials {
        let token: String
        do throws(CredentialsError) {
            token = try readTokenFile(tokenFile, what: "web identity token file")
        } catch {
            throw CredentialsError.failed("\(source): \(error.message)")
        }
        do {
            var credentials = try await sts.assumeRoleWithWebIdentity(roleARN, sessionName, token, region)
            credentials.source = source
            return credentials
        } catch {
            throw CredentialsError.failed(
                "\(source): sts:AssumeRoleWithWebIdentity into \(roleARN) (\(region)) failed: \(error)")
        }
    }
}
