import Foundation
import MnemondSigV4
import Testing

/// Table-driven tests of the individual rules; expectations follow the SigV4 documentation
/// ("Create a canonical request") and botocore's behaviour.
@Suite("canonicalization rules")
struct CanonicalizationTests {
    @Test(arguments: [
        ("a b", true, "a%20b"),
        ("/a/b", false, "/a/b"),
        ("/a/b", true, "%2Fa%2Fb"),
        ("-_.~AZaz09", true, "-_.~AZaz09"),
        ("é", true, "%C3%A9"),
        ("ሴ", true, "%E1%88%B4"),
        ("+=&:,*!'()", true, "%2B%3D%26%3A%2C%2A%21%27%28%29"),
        ("%41", false, "%2541"),
        ("", true, ""),
    ])
    func uriEncodeKeepsOnlyTheUnreservedSet(input: String, encodeSlash: Bool, expected: String) {
        #expect(SigV4.uriEncode(input, encodeSlash: encodeSlash) == expected)
    }

    @Test(
        arguments: [
            (nil, ""),
            ("", ""),
            ("lifecycle", "lifecycle="),
            ("versioning=", "versioning="),
            ("b=2&a=1", "a=1&b=2"),
            ("a=2&a=1&a=10", "a=1&a=10&a=2"),
            ("a=1&B=2&A=3", "A=3&B=2&a=1"),
            ("Param-3=3&Param=2", "Param=2&Param-3=3"),
            ("a=%7e%7E", "a=~~"),
            ("a=%2f", "a=%2F"),
            ("a=b+c", "a=b%2Bc"),
            ("a=%zz%", "a=%25zz%25"),
            ("x=1&&y=2", "x=1&y=2"),
            ("k=a=b", "k=a%3Db"),
            ("ሴ=bar", "%E1%88%B4=bar"),
            ("prefix=a%2Bb%3Dc%26d&list-type=2", "list-type=2&prefix=a%2Bb%3Dc%26d"),
            ("when=2026-11-02T04:05:06Z", "when=2026-11-02T04%3A05%3A06Z"),
        ] as [(String?, String)])
    func canonicalQueryDecodesReencodesAndSorts(raw: String?, expected: String) {
        #expect(SigV4Signer.canonicalQueryString(raw) == expected)
    }

    @Test(arguments: [
        ("", "/"),
        ("/", "/"),
        ("//", "/"),
        ("/./", "/"),
        ("/example/..", "/"),
        ("/example1/example2/../..", "/"),
        ("//example//", "/example/"),
        ("/./example", "/example"),
        ("/a/b/../c/", "/a/c/"),
        ("/a/../../b", "/b"),
        ("/a%2Fb/./c", "/a%2Fb/c"),
    ])
    func pathNormalizationRemovesDotSegmentsAndEmptySegments(path: String, expected: String) {
        #expect(SigV4Signer.normalizedPath(path) == expected)
    }

    @Test(arguments: [
        ("https://h/a%3Ab/./c%20d", false, "/a%253Ab/c%2520d"),
        ("https://h/a%3Ab/./c%20d", true, "/a%3Ab/./c%20d"),
        ("https://h", false, "/"),
        ("https://h", true, "/"),
        ("https://h/bucket/logs/../x//y", true, "/bucket/logs/../x//y"),
    ])
    func canonicalURIIsDoubleEncodedExceptForS3(url: String, s3: Bool, expected: String) throws {
        let signer = SigV4Signer(service: s3 ? "s3" : "backup", region: "eu-north-1", options: s3 ? .s3 : .init())
        #expect(signer.canonicalURI(try #require(URL(string: url))) == expected)
    }

    @Test(arguments: [
        ("https://Example.AmazonAWS.com/", "example.amazonaws.com"),
        ("https://h.example:443/", "h.example"),
        ("http://h.example:80/", "h.example"),
        ("http://h.example:443/", "h.example:443"),
        ("https://h.example:8443", "h.example:8443"),
        ("http://127.0.0.1:4566", "127.0.0.1:4566"),
        ("http://[::1]:8080/", "[::1]:8080"),
    ])
    func hostHeaderOmitsOnlyTheSchemesDefaultPort(url: String, expected: String) throws {
        #expect(SigV4Signer.hostHeaderValue(for: try #require(URL(string: url))) == expected)
    }

    @Test(arguments: [
        (0.0, "19700101T000000Z"),
        (1_440_938_160.0, "20150830T123600Z"),
        (1_709_251_199.999, "20240229T235959Z"),
        (1_767_225_599.5, "20251231T235959Z"),
    ])
    func amzDateIsUTCWithoutFraction(secondsSince1970: Double, expected: String) {
        let date = Date(timeIntervalSince1970: secondsSince1970)
        #expect(SigV4.amzDate(date) == expected)
        #expect(SigV4.dateStamp(date) == String(expected.prefix(8)))
    }

    @Test func emptyPayloadHashIsSHA256OfNothing() {
        #expect(SigV4.sha256Hex(Data()) == SigV4.emptyPayloadSHA256)
        #expect(
            SigV4.sha256Hex(Data("Param1=value1".utf8))
                == "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e")
    }

    @Test func canonicalHeadersTrimCollapseAndJoinRepeats() throws {
        let request = SigV4Request(
            method: "GET", url: try #require(URL(string: "https://h.example:8443/")),
            headers: [
                (name: "My-Header", value: "  a   b\t c \n  d "),
                (name: "my-repeat", value: "2"),
                (name: "MY-REPEAT", value: " 1 "),
            ])
        let names = SigV4Signer.signedHeaderNames(of: request)
        #expect(names == ["host", "my-header", "my-repeat"])
        #expect(
            SigV4Signer.canonicalHeaders(request, signedHeaders: names)
                == "host:h.example:8443\nmy-header:a b c d\nmy-repeat:2,1")
    }

    /// Values without white space take a shortcut; a seeded walk over 5,000 values of printable
    /// ASCII, white space (ASCII and Unicode) and other scalars: each canonical value is still
    /// botocore's `' '.join(value.split())`.
    @Test func everyHeaderValueIsCollapsedAsBotocoreDoes() throws {
        let url = try #require(URL(string: "https://h.example/"))
        let alphabet: [String] = [
            "a", "Z", "0", "-", ":", "/", "=", "~", " ", "\t", "\n", "\r", "\u{0B}", "\u{A0}",
            "\u{2003}", "\u{85}", "é", "\u{301}", "\u{7F}", "\u{1}",
        ]
        var state: UInt64 = 0x853C_49E6_748F_EA9B
        for _ in 0..<5_000 {
            var value = ""
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let plain = state % 2 == 0
            for _ in 0..<Int(state >> 59) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                value += alphabet[Int(state >> 33) % (plain ? 8 : alphabet.count)]
            }
            let request = SigV4Request(method: "GET", url: url, headers: [(name: "X-Value", value: value)])
            let expected = value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(
                SigV4Signer.canonicalHeaders(request, signedHeaders: ["host", "x-value"])
                    == "host:h.example\nx-value:\(expected)")
        }
    }

    @Test func unsignedHeadersStayOutOfTheSignature() throws {
        let request = SigV4Request(
            method: "GET", url: try #require(URL(string: "https://h/")),
            headers: [
                (name: "User-Agent", value: "mnemond/0.1"), (name: "Expect", value: "100-continue"),
                (name: "X-Amzn-Trace-Id", value: "Root=1"), (name: "Authorization", value: "stale"),
                (name: "Content-Type", value: "text/plain"),
            ])
        #expect(SigV4Signer.signedHeaderNames(of: request) == ["content-type", "host"])
    }
}

@Suite("sign()")
struct SignTests {
    static let credentials = SigV4Credentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    static func request(headers: [(name: String, value: String)] = [], body: String = "") throws -> SigV4Request {
        SigV4Request(
            method: "GET",
            url: try #require(URL(string: "https://mne-media-prod.s3.eu-north-1.amazonaws.com/?lifecycle")),
            headers: headers, body: Data(body.utf8))
    }

    @Test func resigningReplacesStaleSigningHeaders() throws {
        let signer = SigV4Signer(service: "s3", region: "eu-north-1", options: .s3)
        let first = signer.sign(
            try Self.request(), credentials: Self.credentials, date: try isoDate("2026-11-03T04:05:06Z"))
        let later = try isoDate("2026-11-03T04:10:00Z")
        let again = signer.sign(first, credentials: Self.credentials, date: later)
        let fresh = signer.sign(try Self.request(), credentials: Self.credentials, date: later)
        #expect(again.headerValues("Authorization") == fresh.headerValues("Authorization"))
        #expect(again.headerValues("X-Amz-Date") == ["20261103T041000Z"])
        #expect(again.headerValues("Host").count == 1)
        #expect(again.headerValues("X-Amz-Content-SHA256") == [SigV4.emptyPayloadSHA256])
    }

    @Test func noSessionTokenMeansNoTokenHeader() throws {
        let signed = SigV4Signer(service: "s3", region: "eu-north-1", options: .s3)
            .sign(try Self.request(), credentials: Self.credentials, date: try isoDate("2026-11-03T04:05:06Z"))
        #expect(signed.headerValue("X-Amz-Security-Token") == nil)
    }

    @Test func contentSHA256HeaderOnlyWhenAsked() throws {
        let date = try isoDate("2026-11-03T04:05:06Z")
        let plain = SigV4Signer(service: "backup", region: "eu-north-1")
            .sign(try Self.request(body: "x"), credentials: Self.credentials, date: date)
        #expect(plain.headerValue("X-Amz-Content-SHA256") == nil)
        let withHash = SigV4Signer(
            service: "backup", region: "eu-north-1", options: .init(addContentSHA256Header: true)
        ).sign(try Self.request(body: "x"), credentials: Self.credentials, date: date)
        #expect(withHash.headerValue("X-Amz-Content-SHA256") == SigV4.sha256Hex(Data("x".utf8)))
    }

    /// The server hashes with the header's value when present, so that is what gets signed.
    @Test func callerContentSHA256HeaderIsThePayloadHash() throws {
        let request = try Self.request(headers: [(name: "x-amz-content-sha256", value: "UNSIGNED-PAYLOAD")], body: "x")
        #expect(SigV4Signer.payloadHash(of: request) == "UNSIGNED-PAYLOAD")
        #expect(SigV4Signer.payloadHash(of: try Self.request(body: "x")) == SigV4.sha256Hex(Data("x".utf8)))
    }

    @Test func callersHostHeaderIsKept() throws {
        let request = try Self.request(headers: [(name: "Host", value: "mne-media-prod.s3.amazonaws.com")])
        let steps = SigV4Signer(service: "s3", region: "eu-north-1", options: .s3)
            .steps(request, credentials: Self.credentials, date: try isoDate("2026-11-03T04:05:06Z"))
        #expect(steps.signedRequest.headerValues("host") == ["mne-media-prod.s3.amazonaws.com"])
        #expect(steps.canonicalRequest.contains("\nhost:mne-media-prod.s3.amazonaws.com\n"))
    }
}
