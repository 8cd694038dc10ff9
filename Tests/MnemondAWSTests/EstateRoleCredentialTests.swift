import Foundation
import MnemondAWS
import MnemondSigV4
import Synchronization
import Testing

/// An estate's role: AssumeRole signed with the base identity, with the estate's external ID and
/// session name, in the region the environment names; a failure names the role and the base.
@Suite struct EstateRoleCredentialTests {
    struct Base: CredentialProvider {
        var name: String { "base" }
        func credentials() async throws -> AWSCredentials {
            AWSCredentials(accessKeyID: "AKIDBASE", secretAccessKey: "base-secret", source: "profile org-base")
        }
    }

    struct Call: Equatable, Sendable {
        var role: String
        var session: String
        var externalID: String?
        var sourceKey: String
        var region: String
    }

    final class Calls: Sendable {
        let list = Mutex<[Call]>([])
    }

    static func sts(_ calls: Calls, fail: Bool = false) -> STSCalls {
        STSCalls(
            assumeRole: { role, session, externalID, source, region in
                calls.list.withLock {
                    $0.append(
                        Call(
                            role: role, session: session, externalID: externalID, sourceKey: source.signing.accessKeyID,
                            region: region))
                }
                if fail {
                    throw CredentialsError(.retrievalFailed, "AccessDenied: not authorized to perform sts:AssumeRole")
                }
                return AWSCredentials(
                    accessKeyID: "ASIAESTATE", secretAccessKey: "estate-secret", sessionToken: "token",
                    expiration: Date(timeIntervalSince1970: 2_000_000_000), source: "sts")
            },
            assumeRoleWithWebIdentity: { _, _, _, _ in throw CredentialsError(.retrievalFailed, "unused") })
    }

    @Test func assumesTheEstateRoleWithTheBaseIdentity() async throws {
        let calls = Calls()
        let provider = EstateRoleCredentialProvider(
            base: Base(), roleARN: "arn:aws:iam::111111111111:role/mnemond-reader", externalID: "org-7f3e",
            sessionName: "mnemond-prod-eu", sts: Self.sts(calls), environment: ["AWS_REGION": "eu-west-1"])
        let credentials = try await provider.credentials()
        #expect(credentials.signing.accessKeyID == "ASIAESTATE")
        #expect(
            credentials.source == "role arn:aws:iam::111111111111:role/mnemond-reader assumed with profile org-base")
        #expect(
            calls.list.withLock { $0 } == [
                Call(
                    role: "arn:aws:iam::111111111111:role/mnemond-reader", session: "mnemond-prod-eu",
                    externalID: "org-7f3e", sourceKey: "AKIDBASE", region: "eu-west-1")
            ])
    }

    @Test func withoutARegionTheGlobalEndpointsRegionAndNoExternalID() async throws {
        let calls = Calls()
        let provider = EstateRoleCredentialProvider(
            base: Base(), roleARN: "arn:aws:iam::111111111111:role/r", externalID: nil, sessionName: "mnemond-a",
            sts: Self.sts(calls), environment: ["AWS_REGION": ""])
        _ = try await provider.credentials()
        #expect(calls.list.withLock { $0.map(\.region) } == ["us-east-1"])
        #expect(calls.list.withLock { $0.map(\.externalID) } == [nil])
    }

    @Test func aRefusedRoleNamesTheRoleAndTheBaseNeverASecret() async {
        let calls = Calls()
        let provider = EstateRoleCredentialProvider(
            base: Base(), roleARN: "arn:aws:iam::111111111111:role/r", externalID: "org-7f3e", sessionName: "mnemond-a",
            sts: Self.sts(calls, fail: true), environment: [:])
        do {
            _ = try await provider.credentials()
            Issue.record("no error")
        } catch {
            let text = "\(error)"
            #expect(
                text
                    == "sts:AssumeRole into arn:aws:iam::111111111111:role/r (us-east-1) with credentials from profile org-base failed: AccessDenied: not authorized to perform sts:AssumeRole"
            )
            #expect(!text.contains("base-secret") && !text.contains("org-7f3e"))
        }
    }
}
