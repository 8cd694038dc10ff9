import Foundation
import MnemondModel
import Testing

@testable import MnemondReport

/// RFC 2045 quoted-printable decoding, written here independently of the encoder.
func decodeQuotedPrintable(_ text: String) -> String {
    var bytes: [UInt8] = []
    let lines = text.components(separatedBy: "\r\n")
    for (index, line) in lines.enumerated() {
        var chars = Array(line.utf8)
        var soft = false
        if chars.last == UInt8(ascii: "=") {
            soft = true
            chars.removeLast()
        }
        var i = 0
        while i < chars.count {
            if chars[i] == UInt8(ascii: "="), i + 2 < chars.count,
                let value = UInt8(String(decoding: chars[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                i += 3
            } else {
                bytes.append(chars[i])
                i += 1
            }
        }
        if !soft, index < lines.count - 1 { bytes += Array("\n".utf8) }
    }
    return String(decoding: bytes, as: UTF8.self)
}

@Suite struct MIMETests {
    @Test(arguments: [
        ("plain ascii", "plain ascii"),
        ("a=b", "a=3Db"),
        ("trailing space ", "trailing space=20"),
        ("tab\tinside", "tab\tinside"),
        ("Größe", "Gr=C3=B6=C3=9Fe"),
        (".leading dot", "=2Eleading dot"),
        ("From the start", "=46rom the start"),
        ("✓", "=E2=9C=93"),
    ])
    func quotedPrintableEncodesWhatMustBeEncoded(_ input: String, _ encoded: String) {
        #expect(MIME.quotedPrintable(input) == encoded)
    }

    @Test func quotedPrintableLinesStayWithin76CharactersAndRoundTrip() {
        let text = String(repeating: "é=x ", count: 60) + "\n" + String(repeating: "▁▂▃▄▅▆▇█", count: 12) + "\nend \n"
        let encoded = MIME.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "\(line)")
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"))
        }
        #expect(!encoded.contains("=_"))
        #expect(decodeQuotedPrintable(encoded) == text)
    }

    @Test func nonASCIISubjectsAreEncodedWordsOfWholeCharacters() {
        let subject = "[mnemond] Week 47, 16–22 Nov 2026: Not recoverable as promised for 3 h 10 m on Wed — Größe ✓"
        let encoded = MIME.encodedWords(subject)
        var decoded = ""
        for word in encoded.components(separatedBy: "\r\n ") {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let base64 = String(word.dropFirst(10).dropLast(2))
            let bytes = try! #require(Data(base64Encoded: base64))
            // Each word decodes on its own: no character is split across words.
            #expect(String(data: bytes, encoding: .utf8) != nil)
            decoded += String(decoding: bytes, as: UTF8.self)
        }
        #expect(decoded == subject)
        #expect(MIME.encodedWords("plain subject") == "plain subject")
    }

    @Test func addressesParseAndQuote() {
        #expect(MailAddress.parse("ops@example.org") == MailAddress(address: "ops@example.org"))
        #expect(
            MailAddress.parse("mnemond <mnemond@example.org>")
                == MailAddress(name: "mnemond", address: "mnemond@example.org"))
        #expect(MailAddress.parse("\"Backup, Ops\" <ops@example.org>")?.header == "\"Backup, Ops\" <ops@example.org>")
        #expect(MailAddress.parse("Sécurité <s@example.org>")?.header == "=?UTF-8?B?U8OpY3VyaXTDqQ==?= <s@example.org>")
        for bad in [
            "ops", "ops@", "@example.org", "a b@example.org", "ops@localhost", "<ops@example.org", "x@y.org, z@y.org",
        ] {
            #expect(MailAddress.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func aMultipartAlternativeMessageHasEveryHeaderAndBothParts() throws {
        let data = MIME.alternative(
            from: MailAddress(name: "mnemond", address: "mnemond@example.org"),
            to: [MailAddress(address: "ops@example.org"), MailAddress(address: "dr@example.net")],
            subject: "Week 47 — ✓", date: iso("2026-11-23T08:00:00+01:00"), timeZone: rome,
            messageID: "mnemond-report.2026-W47.mn-1@example.org",
            parts: [
                MIME.Part(contentType: "text/plain", body: "Größe ✓\n"),
                MIME.Part(contentType: "text/html", body: "<p>Größe ✓</p>\n"),
            ])
        let text = String(decoding: data, as: UTF8.self)
        let ascii = text.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(ascii, "7-bit clean: every byte is ASCII")
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        let headers = head.components(separatedBy: "\r\n")
        #expect(headers.contains("From: mnemond <mnemond@example.org>"))
        #expect(headers.contains("To: ops@example.org, dr@example.net"))
        #expect(headers.contains("Date: Mon, 23 Nov 2026 08:00:00 +0100"))
        #expect(headers.contains("Message-ID: <mnemond-report.2026-W47.mn-1@example.org>"))
        #expect(headers.contains("MIME-Version: 1.0"))
        #expect(headers.contains("Auto-Submitted: auto-generated"))
        #expect(headers.contains { $0.hasPrefix("Subject: =?UTF-8?B?") })
        let contentType = try #require(
            headers.first { $0.hasPrefix("Content-Type: multipart/alternative; boundary=\"") })
        let boundary = String(contentType.split(separator: "\"")[1])
        let parts = text.components(separatedBy: "--\(boundary)")
        #expect(parts.count == 4)  // preamble, two parts, the closing "--"
        #expect(parts[3].hasPrefix("--"))
        #expect(
            parts[1].contains(
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(
            parts[2].contains(
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        let plainBody = parts[1].components(separatedBy: "\r\n\r\n")[1]
        #expect(decodeQuotedPrintable(plainBody) == "Größe ✓")
        #expect(text.hasSuffix("--\(boundary)--\r\n"))
    }
}
