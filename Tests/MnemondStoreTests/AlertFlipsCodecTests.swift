import Foundation
import Testing

@testable import MnemondStore

/// The `flips` column is a JSON array of epoch milliseconds, written and read without a JSON
/// coder per record: the same text JSONEncoder writes, and anything JSON reads still read.
@Suite struct AlertFlipsCodecTests {
    @Test(arguments: [[], [0], [1_795_000_000_000], [1, -2, Int64.max, Int64.min], [5, 5, 5]] as [[Int64]])
    func theCompactFormIsJSONEncodersAndReadsBack(_ millis: [Int64]) throws {
        let text = AlertRecord.encodeFlips(millis)
        #expect(text == String(decoding: try JSONEncoder().encode(millis), as: UTF8.self))
        #expect(AlertRecord.decodeFlips(text) == millis)
    }

    @Test func otherJSONIsStillReadAndGarbageIsNoFlips() {
        #expect(AlertRecord.decodeFlips("[ 1, 2 ]") == [1, 2])
        #expect(AlertRecord.decodeFlips(" [3]") == [3])
        #expect(AlertRecord.decodeFlips("[1,,2]").isEmpty)
        #expect(AlertRecord.decodeFlips("not json").isEmpty)
        #expect(AlertRecord.decodeFlips("").isEmpty)
    }
}
