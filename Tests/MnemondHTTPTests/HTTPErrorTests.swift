import Foundation
import Testing

@testable import MnemondHTTP

@Suite struct HTTPErrorTests {
    @Test(
        "curl codes map to a kind and a retry decision",
        arguments: [
            (curl: 28, reply: 0, kind: HTTPError.Kind.timeout, transient: true),
            (7, 0, .connect, true),
            (6, 0, .resolve, true),
            (5, 0, .resolve, true),
            (35, 0, .tls, true),
            (60, 0, .tls, false),
            (77, 0, .tls, false),
            (64, 0, .tls, false),
            (56, 0, .sendRecv, true),
            (55, 0, .sendRecv, true),
            (52, 0, .sendRecv, true),
            (55, 451, .sendRecv, true),
            (55, 550, .sendRecv, false),
            (67, 535, .other, false),
            (3, 0, .other, false),
            (1, 0, .other, false),
        ])
    func classification(curl: Int, reply: Int, kind: HTTPError.Kind, transient: Bool) {
        let result = HTTPError.classify(curlCode: curl, protocolStatus: reply)
        #expect(result.kind == kind)
        #expect(result.isTransient == transient)
    }

    @Test func descriptionNamesMethodHostKindTextAndCode() {
        let error = HTTPError(
            kind: .connect, method: "GET", host: "127.0.0.1:4566", curlCode: 7,
            message: "Couldn't connect to server", isTransient: true)
        #expect(error.description == "GET 127.0.0.1:4566: connect: Couldn't connect to server (curl 7)")
    }

    @Test func redactionRemovesEverySecretOccurrence() {
        let text = HTTPError.redact("a=SECRET&b=SECRET pw", secrets: ["SECRET", "", "pw"])
        #expect(text == "a=***&b=*** ***")
    }

    @Test func smtpConfigurationNeverShowsThePassword() {
        let smtp = SMTPConfiguration(
            url: URL(string: "smtp://mail.example.org:587")!, username: "mnemond", password: "hunter2-secret")
        var dumped = ""
        dump(smtp, to: &dumped)
        for text in [smtp.description, String(describing: smtp), String(reflecting: smtp), dumped] {
            #expect(!text.contains("hunter2-secret"), "\(text)")
        }
        #expect(smtp.description == "SMTPConfiguration(mail.example.org:587 requireTLS=true user=mnemond password=***)")
    }

    @Test func tinyTimeoutsNeverBecomeCurlsNoTimeout() {
        #expect(CurlTransfer.milliseconds(.zero) == 1)
        #expect(CurlTransfer.milliseconds(.microseconds(10)) == 1)
        #expect(CurlTransfer.milliseconds(.milliseconds(1500)) == 1500)
        #expect(CurlTransfer.milliseconds(.seconds(30)) == 30_000)
    }
}

/// Header names and values lose the spaces and tabs around them, and nothing else.
@Suite struct HeaderWhitespaceTests {
    @Test(arguments: [
        ("", ""), ("  ", ""), (" text/xml", "text/xml"), ("\tvalue\t ", "value"), ("a b", "a b"),
        (" a \t b ", "a \t b"), ("\u{A0}x\u{A0}", "\u{A0}x\u{A0}"), ("é ", "é"),
    ])
    func spacesAndTabsAroundAreDropped(_ raw: String, _ expected: String) {
        #expect(trimmingOWS(raw[...]) == expected)
    }
}
