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
}
