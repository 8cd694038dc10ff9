import Foundation
import Testing

@testable import MnemondCommands

@Suite struct LogFormatTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var journalStream: String?
        var stderr: (device: UInt64, inode: UInt64)?
        var journal: Bool
        var testDescription: String { name }
    }

    /// systemd.exec(5): JOURNAL_STREAM is `<device>:<inode>` of the stream stderr was connected
    /// to; a process whose stderr was redirected since must not take it for the journal.
    static let cases: [Case] = [
        Case(name: "stderr is the journal stream", journalStream: "27:4711", stderr: (27, 4711), journal: true),
        Case(name: "inherited but redirected", journalStream: "27:4711", stderr: (27, 9000), journal: false),
        Case(name: "another device", journalStream: "27:4711", stderr: (28, 4711), journal: false),
        Case(name: "not set", journalStream: nil, stderr: (27, 4711), journal: false),
        Case(name: "malformed", journalStream: "27-4711", stderr: (27, 4711), journal: false),
        Case(name: "empty parts", journalStream: ":", stderr: (0, 0), journal: false),
        Case(name: "stderr closed", journalStream: "27:4711", stderr: nil, journal: false),
    ]

    @Test(arguments: cases)
    func journaldIsDetectedByDeviceAndInode(_ c: Case) {
        #expect(KeyValueLogHandler.isJournal(journalStream: c.journalStream, stderr: c.stderr) == c.journal)
    }

    @Test func timestampsAreRFC3339InUTCWithMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_796_047_253.5)
        #expect(KeyValueLogHandler.timestamp(date) == "2026-11-30T14:00:53.500Z")
    }
}
