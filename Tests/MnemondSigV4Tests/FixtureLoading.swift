import Foundation
import MnemondSigV4
import Testing

/// Locates the copied `Fixtures` folder (declared as `.copy("Fixtures")` in Package.swift).
enum FixtureFolder {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "Fixtures folder not found in Bundle.module (is .copy(\"Fixtures\") declared?)" }
    }

    static func url(_ relativePath: String) throws -> URL {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Missing() }
        return root.appending(path: relativePath)
    }
}

/// Lowercase hex of a byte sequence (the tests' own, independent of the module's).
func hexString<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined()
}

func isoDate(_ text: String) throws -> Date {
    try Date(text, strategy: .iso8601)
}
