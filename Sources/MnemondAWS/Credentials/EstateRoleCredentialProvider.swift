import Foundation

/// One estate's credentials when its config names a role: STS AssumeRole into `roleARN` (with the
/// estate's external ID) signed with the base identity's credentials, as the SDKs' `role_arn` with
/// `source_profile`. Every estate of a daemon shares the base identity and assumes its own role;
/// put it behind a `CachingCredentialProvider` so the role is assumed again only near expiry.
public struct EstateRoleCredentialProvider: CredentialProvider {
    let base: any CredentialProvider
    let roleARN: String
    let externalID: String?
    let sessionName: String
    let sts: STSCalls
    let region: String

    /// `environment` gives the STS region as for a profile's role (`AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, else us-east-1).
    public init(
        base: any CredentialProvider, roleARN: String, externalID: String?, sessionName: String, sts: STSCalls,
        environment: [String: String]
    ) {
        self.base = base
        self.roleARN = roleARN
        self.externalID = externalID
        self.sessionName = sessionName
        self.sts = sts
        region =
            [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]].compactMap { $0 }.first { !$0.isEmpty }
            ?? "us-east-1"
    }

    public var name: String { "role \(roleARN)" }

    public func credentials() async throws -> AWSCredentials {
        let source = try await base.credentials()
        var assumed: AWSCredentials
        do {
            assumed = try await sts.assumeRole(roleARN, sessionName, externalID, source, region)
        } catch {
            throw CredentialsError.failed(
                "sts:AssumeRole into \(roleARN) (\(region)) with credentials from \(source.source) failed: \(error)")
        }
        assumed.source = "role \(roleARN) assumed with \(source.source)"
        return assumed
    }
}
