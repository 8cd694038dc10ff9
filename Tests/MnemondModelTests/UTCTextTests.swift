import Foundation
import Testing

@testable import MnemondModel

@Suite struct UTCTextTests {
    /// A seeded walk over 20,000 instants, 1900 to 2300: the same text as `DateFormatter` with
    /// the POSIX locale in UTC writes.
    @Test func daysAndMinutesAgreeWithDateFormatter() {
        let reference = DateFormatter()
        reference.locale = Locale(identifier: "en_US_POSIX")
        reference.timeZone = TimeZone(identifier: "UTC")
        reference.dateFormat = "yyyy-MM-dd HH:mm"
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Double((state >> 8) % 12_600_000_000) - 2_208_988_800 + Double(state % 1000) / 1000
            let date = Date(timeIntervalSince1970: seconds)
            let p = UTCText.parts(date)
            #expect(
                "\(UTCText.day(date)) \(UTCText.two(p.hour)):\(UTCText.two(p.minute))" == reference.string(from: date))
            #expect(UTCText.minute(date) == reference.string(from: date) + " UTC")
        }
    }

    /// The same walk, with fractional seconds either side of the epoch: the text
    /// `ISO8601DateFormatter` writes (what the PITR finding and the renderers wrote before).
    @Test func isoAgreesWithISO8601DateFormatter() {
        let reference = ISO8601DateFormatter()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Double((state >> 8) % 12_600_000_000) - 2_208_988_800 + Double(state % 1000) / 1000
            let date = Date(timeIntervalSince1970: seconds)
            #expect(UTCText.iso(date) == reference.string(from: date), "\(seconds)")
        }
        #expect(UTCText.iso(Date(timeIntervalSince1970: 1_795_961_109.999)) == "2026-11-29T14:05:09Z")
        #expect(UTCText.iso(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
    }
}
