import Foundation
import Testing

@testable import MnemondModel

/// `Observations.bucket(_:)` answers as a scan of `buckets` would: the first bucket of that name,
/// after the buckets are replaced or edited, and after a round trip through JSON.
@Suite struct ObservationsLookupTests {
    static func bucket(_ name: String, _ region: String) -> BucketObservation {
        BucketObservation(bucket: name, region: region, versioning: .value(.enabled), lifecycle: .value([]))
    }

    @Test func aBucketIsFoundAsAScanWouldFindIt() throws {
        var observations = Observations(
            collectedAt: Date(timeIntervalSince1970: 1_764_000_000),
            buckets: (0..<1000).map { Self.bucket("b\($0)", "eu-west-1") } + [Self.bucket("b7", "eu-west-3")])
        #expect(observations.bucket("b999")?.region == "eu-west-1")
        #expect(observations.bucket("b7")?.region == "eu-west-1")
        #expect(observations.bucket("missing") == nil)

        observations.buckets[999].region = "eu-north-1"
        observations.buckets.removeFirst()
        #expect(observations.bucket("b999")?.region == "eu-north-1")
        #expect(observations.bucket("b0") == nil)
        observations.buckets = [Self.bucket("only", "eu-west-3")]
        #expect(observations.bucket("only")?.region == "eu-west-3")
        #expect(observations.bucket("b1") == nil)

        let decoded = try JSONDecoder().decode(Observations.self, from: JSONEncoder().encode(observations))
        #expect(decoded == observations)
        #expect(decoded.bucket("only")?.region == "eu-west-3")
        #expect(!String(decoding: try JSONEncoder().encode(observations), as: UTF8.self).contains("Index"))
    }
}
