import Foundation

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN` (or the legacy
/// `AWS_SECURITY_TOKEN`) and optional `AWS_CREDENTIAL_EXPIRATION` — botocore's EnvProvider.
///
/// An explicit profile argument switches this source off, as the CLI's `--profile` does:
/// whoever names a profile wants that profile, not whatever keys the shell exported.
struct EnvironmentCredentialProvider: CredentialProvider {
    var environment: CredentialEnvironment
    /// The explicitly requested profile that turns this source off, if any.
    var skippedForProfile: String?

    var name: String { "environment" }

    func credentials() throws(CredentialsError) -> AWSCredentials {
        if let skippedForProfile {
            throw .notConfigured("environment (skipped: profile \"\(skippedForProfile)\" was requested explicitly)")
        }
        let accessKeyID = environment.value("AWS_ACCESS_KEY_ID")
        let secretAccessKey = environment.value("AWS_SECRET_ACCESS_KEY")
        guard let accessKeyID, let secretAccessKey else {
            switch (accessKeyID, secretAccessKey) {
            case (nil, nil):
                throw .notConfigured("environment (AWS_ACCESS_KEY_ID not set)")
            case (nil, _):
                throw .invalid(
                    "environment: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; export both or neither")
            default:
                throw .invalid(
                    "environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; export both or neither")
            }
        }
        var expiration: Date?
        if let text = environment.value("AWS_CREDENTIAL_EXPIRATION") {
            guard let date = parseTimestamp(text) else {
                throw .invalid("environment: AWS_CREDENTIAL_EXPIRATION \"\(text)\" is not an ISO 8601 time")
            }
            expiration = date
        }
        return AWSCredentials(
            accessKeyID: accessKeyID, secretAccessKey: secretAccessKey,
            sessionToken: environment.value("AWS_SESSION_TOKEN") ?? environment.value("AWS_SECURITY_TOKEN"),
            expiration: expiration, source: "environment")
    }
}
