import Foundation
import Testing

@testable import MnemondChecks

/// Object counts in findings are grouped by hand; the text must be NumberFormatter's.
@Suite struct CountFormatTests {
    @Test(
        arguments: [
            0, 1, 12, 999, 1_000, 1_234, 999_999, 1_000_000, 12_345_678, 4.4, 4.5, 999.5, -0.4, -1, -1_234.6,
            123_456_789_012_345, 999_999_999_999_999,
        ] as [Double])
    func groupingMatchesNumberFormatter(_ value: Double) {
        #expect(S3Metrics.count(value) == S3Metrics.formattedCount(value), "\(value)")
    }

    @Test func seededValuesMatchNumberFormatter() {
        var state: UInt64 = 42
        for _ in 0..<3_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let magnitude = Double(state >> 11) / Double(1 << 53)
            let value = (magnitude * pow(10, Double(state % 16))) * (state % 5 == 0 ? -1 : 1)
            #expect(S3Metrics.count(value) == S3Metrics.formattedCount(value), "\(value)")
        }
    }

    @Test func whatIsNotACountOfSensibleSizeIsStillFormatted() {
        #expect(S3Metrics.count(.infinity) == S3Metrics.formattedCount(.infinity))
        #expect(S3Metrics.count(2e18) == S3Metrics.formattedCount(2e18))
    }
}
