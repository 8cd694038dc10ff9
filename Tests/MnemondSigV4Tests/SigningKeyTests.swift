import Crypto
import Foundation
import MnemondSigV4
import Testing

@Suite("signing key and signature against AWS's documented values")
struct SigningKeyTests {
    static let exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    /// kSigning values AWS documents for the example secret, us-east-1, iam:
    /// 20110909 — "Task 3: Calculate the AWS Signature Version 4" (sigv4-calculate-signature.html,
    /// shown there as the byte string `\x98\xf1\xd8\x89…`);
    /// 20120215 — "Examples of how to derive a signing key for Signature Version 4";
    /// 20150830 — the 2015 revision of the Task 3 page.
    @Test(arguments: [
        ("2011-09-09T23:36:00Z", "98f1d889fec4f4421adc522bab0ce1f82e6929c262ed15e5a94c90efd1e3b0e7"),
        ("2012-02-15T00:00:00Z", "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"),
        ("2015-08-30T12:36:00Z", "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"),
    ])
    func signingKeyMatchesAWSDocumentation(date: String, expectedHex: String) throws {
        let key = SigV4Signer.signingKey(
            secret: Self.exampleSecret, date: try isoDate(date), region: "us-east-1", service: "iam")
        #expect(key.withUnsafeBytes { hexString($0) } == expectedHex)
    }

    /// The signing key depends on the UTC calendar day only, not on the time of day.
    @Test func signingKeyIsTheSameAllDayLong() throws {
        let morning = SigV4Signer.signingKey(
            secret: Self.exampleSecret, date: try isoDate("2012-02-15T00:00:00Z"), region: "us-east-1", service: "iam")
        let evening = SigV4Signer.signingKey(
            secret: Self.exampleSecret, date: try isoDate("2012-02-15T23:59:59Z"), region: "us-east-1", service: "iam")
        #expect(morning == evening)
    }

    /// The worked example of the 2015 Task 2/Task 3 pages: IAM ListUsers string to sign and
    /// its documented signature.
    @Test func signatureMatchesAWSDocumentationExample() throws {
        let date = try isoDate("2015-08-30T12:36:00Z")
        let signer = SigV4Signer(service: "iam", region: "us-east-1")
        let toSign = """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/iam/aws4_request
            f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59
            """
        #expect(
            signer.signature(stringToSign: toSign, secretAccessKey: Self.exampleSecret, date: date)
                == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
        #expect(
            signer.authorization(
                accessKeyID: "AKIDEXAMPLE", date: date, signedHeaders: ["host", "content-type", "x-amz-date"],
                signature: "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }
}
