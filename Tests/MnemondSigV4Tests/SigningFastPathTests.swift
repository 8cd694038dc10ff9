import Crypto
import Foundation
import Testing

@testable import MnemondSigV4

/// The arithmetic `X-Amz-Date` and the signing-key cache must give what the calendar and a
/// fresh derivation give.
@Suite struct SigningFastPathTests {
    @Test func amzDateAgreesWithTheCalendarOverFourCenturiesOfSeconds() {
        var state: UInt64 = 2026
        var dates: [Date] = [0, 951_782_400, 4_107_542_399, 253_402_300_799].map(Date.init(timeIntervalSince1970:))
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            dates.append(Date(timeIntervalSince1970: Double(state % 253_402_300_800) + Double(state % 1000) / 1000))
        }
        for date in dates {
            #expect(SigV4.amzDate(date) == SigV4.calendarAmzDate(date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func outsideYears1970To9999TheCalendarDecides() {
        for seconds: Double in [-1, -86_400 * 400, 253_402_300_800] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(SigV4.amzDate(date) == SigV4.calendarAmzDate(date))
        }
    }

    @Test func aCachedSigningKeyIsTheKeyOfItsOwnSecretDayRegionAndService() {
        let cache = SigningKeyCache()
        let day = Date(timeIntervalSince1970: 1_795_000_000)
        let scopes: [(String, Date, String, String)] = [
            ("secret-a", day, "eu-west-1", "s3"), ("secret-b", day, "eu-west-1", "s3"),
            ("secret-a", day.addingTimeInterval(86_400), "eu-west-1", "s3"), ("secret-a", day, "eu-west-3", "s3"),
            ("secret-a", day, "eu-west-1", "monitoring"),
        ]
        for _ in 0..<2 {
            for (secret, date, region, service) in scopes {
                let cached = cache.key(secret: secret, date: date, region: region, service: service)
                let fresh = SigV4Signer.signingKey(secret: secret, date: date, region: region, service: service)
                #expect(cached == fresh, "\(secret) \(date) \(region) \(service)")
            }
        }
    }

    @Test func theCacheStartsOverPastItsLimitAndStillAnswersRight() {
        let cache = SigningKeyCache()
        let date = Date(timeIntervalSince1970: 1_795_000_000)
        for index in 0..<(SigningKeyCache.limit + 10) {
            let key = cache.key(secret: "s\(index)", date: date, region: "eu-west-1", service: "sts")
            #expect(key == SigV4Signer.signingKey(secret: "s\(index)", date: date, region: "eu-west-1", service: "sts"))
        }
    }
}
