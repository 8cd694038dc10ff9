import Foundation
import MnemondSigV4
import Testing

@Suite("secrets never print")
struct SecretLeakTests {
    static let secret = "fake-test-secret/not-a-real-aws-key/0003"
    static let token = "IQoJb3JpZ2luX2VjSESSIONTOKENEXAMPLE"
    static let credentials = SigV4Credentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: token)

    static func renderings<T>(_ value: T) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped]
    }

    @Test func credentialsDescriptionsMaskSecretAndToken() {
        for text in Self.renderings(Self.credentials) {
            #expect(!text.contains(Self.secret), "secret leaked: \(text)")
            #expect(!text.contains(Self.token), "token leaked: \(text)")
            #expect(text.contains("***"))
            #expect(text.contains("AKIDEXAMPLE"))
        }
    }

    @Test func credentialsWithoutTokenSayNil() {
        let text = String(describing: SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret))
        #expect(text == "SigV4Credentials(accessKeyID: AKIDEXAMPLE, secretAccessKey: ***, sessionToken: nil)")
    }

    @Test func signedRequestDescriptionsMaskTokenAndSignature() throws {
        let url = try #require(URL(string: "https://sts.eu-north-1.amazonaws.com/"))
        let request = SigV4Request(
            method: "POST", url: url, headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")],
            body: Data("Action=GetCallerIdentity&Version=2011-06-15".utf8))
        let steps = SigV4Signer(service: "sts", region: "eu-north-1")
            .steps(request, credentials: Self.credentials, date: try isoDate("2026-11-03T04:05:06Z"))
        for text in Self.renderings(steps.signedRequest) + Self.renderings(steps) {
            #expect(!text.contains(Self.secret), "secret leaked: \(text)")
            #expect(!text.contains(Self.token), "token leaked: \(text)")
            #expect(!text.contains(steps.signature), "signature leaked: \(text)")
        }
    }
}
