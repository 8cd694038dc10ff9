import Foundation
import MnemondAWS
import MnemondHTTP
import MnemondSigV4
import MnemondTestSupport
import Testing

/// Proof (b) of the signer: the simulator, started with signature verification on, recomputes
/// every signature with botocore's signer. A correct key succeeds and a wrong secret is refused
/// with SignatureDoesNotMatch, for every service mnemond calls.
@Suite(.serialized, .timeLimit(.minutes(15))) struct SignatureVerificationTests {
    static let services: [AWSService] = [.s3, .sts, .rds, .sns, .cloudwatch, .eventbridge, .iam, .backup]

    func client(_ simulator: AWSSimulator, secret: String) -> AWSClient {
        let credentials = AWSCredentials(
            signing: SigV4Credentials(
                accessKeyID: simulator.accessKeyID, secretAccessKey: secret, sessionToken: nil),
            source: "test")
        return AWSClient(
            credentials: StaticCredentialProvider(credentials), http: HTTPClient(),
            endpoints: EndpointResolver(environment: ["AWS_ENDPOINT_URL": simulator.endpoint.absoluteString]),
            retry: RetryPolicy(maxAttempts: 1))
    }

    @Test func correctSignaturesAreAcceptedAndWrongSecretsRefused() async throws {
        let simulator = try await AWSSimulator.start(state: .target, auth: true)
        defer { Task { await simulator.stop() } }
        let good = client(simulator, secret: simulator.secretAccessKey)
        let bad = client(simulator, secret: simulator.secretAccessKey + "x")
        for service in Self.services {
            let operation = ServiceProbe.operation(for: service)
            let response = try await good.send(operation, region: "eu-west-1")
            #expect((200..<300).contains(response.status), "\(service.serviceID) accepted")
            do {
                _ = try await bad.send(operation, region: "eu-west-1")
                Issue.record("\(service.serviceID): a wrong secret was accepted")
            } catch let error as AWSError {
                #expect(error.status == 403, "\(service.serviceID): \(error)")
                #expect(
                    ["SignatureDoesNotMatch", "InvalidSignatureException"].contains(error.code),
                    "\(service.serviceID): \(error)")
            }
        }
        // A real S3 path with a bucket and subresource, as the collector sends it.
        let s3 = S3(client: good)
        let lifecycle = try await s3.getBucketLifecycleConfiguration(bucket: "mne-vault-replica", region: "eu-north-1")
        #expect(lifecycle?.all("Rule").isEmpty == false)
        let identity = try await STS(client: good).getCallerIdentity(region: "eu-west-1")
        #expect(identity.account == "828879644785")
    }
}
