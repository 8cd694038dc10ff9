import Foundation
import MnemondSigV4
import Testing

/// One vector of Fixtures/botocore-vectors.json, produced by scripts/gen-sigv4-vectors.py with
/// botocore's own `SigV4Auth` / `S3SigV4Auth`.
struct BotocoreVector: Decodable, Sendable, CustomTestStringConvertible {
    struct Header: Decodable, Sendable {
        var name: String
        var value: String
    }

    struct Credentials: Decodable, Sendable {
        var accessKeyID: String
        var secretAccessKey: String
        var sessionToken: String?
    }

    struct Request: Decodable, Sendable {
        var method: String
        var url: String
        var headers: [Header]
        var body: String
        var bodyEncoding: String
    }

    struct Expected: Decodable, Sendable {
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
        var authorization: String
        var host: String
        var addedHeaders: [Header]
    }

    var name: String
    var description: String
    var service: String
    var region: String
    var s3: Bool
    var date: String
    var credentials: Credentials
    var request: Request
    var expected: Expected

    var testDescription: String { name }

    var signer: SigV4Signer {
        SigV4Signer(service: service, region: region, options: s3 ? .s3 : .init())
    }

    var sigV4Credentials: SigV4Credentials {
        SigV4Credentials(
            accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken)
    }

    func signingDate() throws -> Date { try isoDate(date) }

    func sigV4Request() throws -> SigV4Request {
        let url = try #require(URL(string: request.url), "bad URL in vector \(name)")
        let body: Data
        if request.bodyEncoding == "base64" {
            body = try #require(Data(base64Encoded: request.body))
        } else {
            body = Data(request.body.utf8)
        }
        return SigV4Request(
            method: request.method, url: url, headers: request.headers.map { (name: $0.name, value: $0.value) },
            body: body)
    }

    static func loadAll() throws -> [BotocoreVector] {
        struct Document: Decodable { var vectors: [BotocoreVector] }
        let data = try Data(contentsOf: try FixtureFolder.url("botocore-vectors.json"))
        return try JSONDecoder().decode(Document.self, from: data).vectors
    }
}

@Suite("botocore-generated vectors")
struct BotocoreVectorTests {
    @Test func fixtureHoldsTheGeneratedVectors() throws {
        let vectors = try BotocoreVector.loadAll()
        #expect(vectors.count >= 25)
        #expect(Set(vectors.map(\.name)).count == vectors.count)
    }

    /// Each step is fed botocore's output of the previous step, so a failure names exactly
    /// the step that diverges.
    @Test(arguments: try BotocoreVector.loadAll())
    func everyStepMatchesBotocore(_ vector: BotocoreVector) throws {
        let signer = vector.signer
        let request = try vector.sigV4Request()
        let credentials = vector.sigV4Credentials
        let date = try vector.signingDate()

        let prepared = signer.addingSigningHeaders(request, credentials: credentials, date: date)
        let canonical = signer.canonicalRequest(
            prepared, signedHeaders: SigV4Signer.signedHeaderNames(of: prepared),
            payloadHash: SigV4Signer.payloadHash(of: prepared))
        #expect(canonical == vector.expected.canonicalRequest, "canonical request")

        let toSign = signer.stringToSign(canonicalRequest: vector.expected.canonicalRequest, date: date)
        #expect(toSign == vector.expected.stringToSign, "string to sign")

        let signature = signer.signature(
            stringToSign: vector.expected.stringToSign, secretAccessKey: credentials.secretAccessKey, date: date)
        #expect(signature == vector.expected.signature, "signature")

        let signed = signer.sign(request, credentials: credentials, date: date)
        #expect(signed.headerValues("Authorization") == [vector.expected.authorization], "Authorization")
    }

    @Test(arguments: try BotocoreVector.loadAll())
    func signedRequestCarriesTheHeadersBotocoreAdds(_ vector: BotocoreVector) throws {
        let request = try vector.sigV4Request()
        let signed = vector.signer.sign(request, credentials: vector.sigV4Credentials, date: try vector.signingDate())
        for added in vector.expected.addedHeaders {
            #expect(signed.headerValues(added.name) == [added.value], "\(added.name)")
        }
        #expect(signed.headerValues("Host") == [vector.expected.host], "Host")
        let addsToken = vector.credentials.sessionToken != nil
        #expect(signed.headerValue("X-Amz-Security-Token") == (addsToken ? vector.credentials.sessionToken : nil))
        #expect(signed.method == request.method)
        #expect(signed.url == request.url)
        #expect(signed.body == request.body)
    }
}
