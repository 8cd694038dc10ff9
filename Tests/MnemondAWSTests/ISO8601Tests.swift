import Foundation
import Testing

@testable import MnemondAWS

/// The formatter-free timestamp parser must accept and read exactly what Foundation's
/// `ISO8601DateFormatter` does for AWS's shapes, and defer to it for everything else.
@Suite struct ISO8601Tests {
    static func reference(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    @Test(arguments: [
        "2026-11-20T14:00:00Z", "2026-11-20T14:00:00.123Z", "2026-11-20T14:00:00.5Z", "2024-02-29T23:59:59Z",
        "2026-11-20T14:00:00+01:00", "2026-11-20T14:00:00-05:30", "1970-01-01T00:00:00Z", "2000-03-01T00:00:00Z",
        "1999-12-31T23:59:59.999Z", "2100-02-28T12:00:00Z",
    ])
    func awsShapesTakeTheFastPathAndAgreeWithFoundation(_ text: String) throws {
        let fast = try #require(ISO8601.fastParse(text))
        let expected = try #require(Self.reference(text))
        #expect(abs(fast.timeIntervalSince(expected)) < 0.001, "\(text)")
    }

    @Test(arguments: [
        "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-20T24:00:00Z",
        "2026-11-20 14:00:00Z", "2026-11-20T14:00:00", "2026-11-20T14:00:00.Z", "garbage", "", "2026-11-20",
        "2026-11-20T14:00:00Zjunk", "٢٠٢٦-11-20T14:00:00Z",
    ])
    func whatTheFastPathRefusesIsDecidedByFoundation(_ text: String) {
        #expect(ISO8601.fastParse(text) == nil)
        #expect(ISO8601.parse(text) == Self.reference(text))
    }

    /// A seeded walk over 20,000 instants across four centuries: format → parse is the identity
    /// and agrees with Foundation both ways, with and without a fraction of a second.
    @Test func roundTripsAgreeWithFoundationAcrossCenturies() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let reference = ISO8601DateFormatter()
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Double((state >> 8) % 12_600_000_000) - 2_208_988_800  // 1900 … 2300
            let date = Date(timeIntervalSince1970: seconds.rounded(.down))
            let text = ISO8601.format(date)
            #expect(text == reference.string(from: date))
            #expect(ISO8601.fastParse(text) == date)
            // A fraction of a second is dropped as Foundation drops it (alert records keep
            // instants to the millisecond).
            let fractional = date.addingTimeInterval(Double(state % 1000) / 1000)
            #expect(ISO8601.format(fractional) == reference.string(from: fractional))
        }
    }
}
