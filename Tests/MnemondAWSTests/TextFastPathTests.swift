import Foundation
import Testing

@testable import MnemondAWS

/// The byte-level percent-encoding and the native white-space trim replace Foundation calls on
/// every request and every XML element: each must give exactly what Foundation gives.
@Suite struct TextFastPathTests {
    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

    /// Strings over an alphabet that mixes the unreserved set, reserved ASCII, controls, white
    /// space of every kind, multi-byte scalars and combining marks; seeded, so a failure repeats.
    static func samples(count: Int, seed: UInt64) -> [String] {
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", "0", "9", "-", "_", ".", "~", " ", "/", "?", "=", "&", "%", "+", ":", "@", "*", "\u{0}", "\t",
            "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{200A}", "\u{2028}",
            "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}", "\u{200B}", "\u{FEFF}", "é", "\u{301}", "ß", "中",
            "😀", "\u{10FFFF}", "\u{7F}",
        ]
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<count).map { _ in
            var text = String.UnicodeScalarView()
            for _ in 0..<(next() % 12) { text.append(alphabet[next() % alphabet.count]) }
            return String(text)
        }
    }

    @Test(arguments: [
        "", "abc", "a b", "arn:aws:iam::123456789012:role/x", "2026-11-20T14:00:00Z", "100%", "é", "😀",
        "Name=BucketName&Value=mne-media-prod", "~-_.",
    ])
    func percentEncodingIsFoundationsForTheUnreservedSet(_ text: String) {
        #expect(percentEncode(text) == text.addingPercentEncoding(withAllowedCharacters: Self.unreserved))
    }

    @Test func percentEncodingAgreesWithFoundationOnSeededStrings() {
        for text in Self.samples(count: 5_000, seed: 20_261_201) {
            #expect(
                percentEncode(text) == text.addingPercentEncoding(withAllowedCharacters: Self.unreserved),
                "\(Array(text.unicodeScalars.map(\.value)))")
        }
    }

    @Test(arguments: ["", " ", "abc", "  abc\n", "\u{A0}x\u{3000}", "\n\t", "a b", " \u{301}x", "x \u{301}"])
    func trimmingIsFoundationsWhitespaceAndNewlines(_ text: String) {
        #expect(trimmedWhitespace(text) == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Every scalar alone and between two letters: the trimmed set is exactly Foundation's.
    @Test func trimmingAgreesWithFoundationOnEveryScalar() {
        var differing: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let alone = String(scalar)
            let inside = "a" + alone + "b"
            if trimmedWhitespace(alone) != alone.trimmingCharacters(in: .whitespacesAndNewlines)
                || trimmedWhitespace(inside) != inside
            {
                differing.append(value)
            }
        }
        #expect(differing.isEmpty, "\(differing.prefix(20).map { String($0, radix: 16) })")
    }

    @Test func trimmingAgreesWithFoundationOnSeededStrings() {
        for text in Self.samples(count: 5_000, seed: 7) {
            #expect(
                trimmedWhitespace(text) == text.trimmingCharacters(in: .whitespacesAndNewlines),
                "\(Array(text.unicodeScalars.map(\.value)))")
        }
    }
}
