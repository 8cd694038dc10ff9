import Foundation
import MnemondModel

extension MailAddress {
    /// The header form: `mnemond <mnemond@example.org>`, the name quoted or encoded as needed.
    var header: String {
        guard let name else { return address }
        return "\(MIME.phrase(name)) <\(address)>"
    }

    var domain: String { String(address.split(separator: "@").last ?? "localhost") }
}

/// RFC 5322 / 2045 / 2047 message building: a multipart/alternative mail with a UTF-8 text part
/// and an HTML part, both quoted-printable (7-bit safe through any relay, still readable raw).
public enum MIME {
    public struct Part: Sendable {
        public var contentType: String
        public var body: String
        public init(contentType: String, body: String) {
            self.contentType = contentType
            self.body = body
        }
    }

    /// The whole message, CRLF line ends. `messageID` is without angle brackets.
    public static func alternative(
        from: MailAddress, to: [MailAddress], subject: String, date: Date, timeZone: TimeZone, messageID: String,
        parts: [Part], extraHeaders: [(name: String, value: String)] = []
    ) -> Data {
        let encodedParts = parts.map { (contentType: $0.contentType, body: quotedPrintable($0.body)) }
        // "=_" never occurs in quoted-printable output ("=" is always followed by hex digits or a
        // line end), so this boundary cannot collide with a part's content.
        let boundary = "=_mnemond_" + hexHash(encodedParts.map(\.body).joined())
        var headers: [String] = [
            "From: \(from.header)",
            fold("To: " + to.map(\.header).joined(separator: ", ")),
            "Subject: " + encodedWords(subject),
            "Date: \(rfc5322Date(date, timeZone))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            // RFC 3834: a machine wrote this; auto-responders must not answer it.
            "Auto-Submitted: auto-generated",
        ]
        headers += extraHeaders.map { "\($0.name): \(encodedWords($0.value))" }
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        var lines = headers
        lines.append("")
        lines.append("This is a multi-part message in MIME format.")
        for part in encodedParts {
            lines.append("")
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(part.contentType); charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(part.body)
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return Data(lines.joined(separator: "\r\n").utf8)
    }

    /// `Mon, 23 Nov 2026 08:00:00 +0100`.
    public static func rfc5322Date(_ date: Date, _ timeZone: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    /// RFC 2045 §6.7 quoted-printable, lines of at most 76 characters, CRLF. Besides what the RFC
    /// requires it encodes a leading `.` and `From ` so that no relay or mbox rewrites a line.
    public static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        var output: [String] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var tokens: [String] = []
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                let printable = (33...126).contains(byte) && byte != UInt8(ascii: "=")
                let blank = byte == 0x20 || byte == 0x09
                let leadingDot = index == 0 && byte == UInt8(ascii: ".")
                let leadingFrom = index == 0 && line.hasPrefix("From ")
                if (printable && !leadingDot && !leadingFrom) || (blank && !last) {
                    tokens.append(String(UnicodeScalar(byte)))
                } else {
                    tokens.append(String(format: "=%02X", byte))
                }
            }
            var current = ""
            for token in tokens {
                if current.utf8.count + token.utf8.count > 75 {
                    output.append(current + "=")
                    current = ""
                }
                current += token
            }
            output.append(current)
        }
        return output.joined(separator: "\r\n")
    }

    /// A header value as RFC 2047 encoded words when it is not plain ASCII; each word holds whole
    /// characters and at most 45 bytes (a 75-character word), words folded onto new lines.
    public static func encodedWords(_ text: String) -> String {
        if text.allSatisfy({ $0.isASCII && !$0.isNewline }) { return fold(text) }
        var words: [String] = []
        var chunk = ""
        for character in text where !character.isNewline {
            if chunk.utf8.count + String(character).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// A display name: as is when it is a plain atom sequence, quoted when it has specials,
    /// encoded when it is not ASCII.
    static func phrase(_ name: String) -> String {
        if !name.allSatisfy(\.isASCII) { return encodedWords(name) }
        if name.contains(where: { "()<>[]:;@\\,.\"".contains($0) }) {
            return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        }
        return name
    }

    /// Folds a header line at spaces so no line exceeds 78 characters (RFC 5322 §2.1.1).
    static func fold(_ line: String) -> String {
        guard line.count > 78 else { return line }
        var lines: [String] = []
        var current = ""
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty, current.count + 1 + word.count > 78 {
                lines.append(current)
                current = String(word)
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n ")
    }

    /// 16 hex digits of FNV-1a: stable for the same content.
    static func hexHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
