import Foundation
import Logging

/// One line per event on stderr: `time=2026-11-30T14:00:53.500Z level=info msg="cycle done"
/// critical=1 ok=42`. When stderr is the journal, lines carry syslog priority prefixes (`<3>`)
/// instead of the level key and no time (journald stamps every line), so journald files them
/// under the right priority. Stderr is the journal when `JOURNAL_STREAM` names its device and
/// inode, as systemd.exec(5) documents — not merely when the variable is set (a child of a
/// service inherits it with stderr redirected elsewhere).
public struct KeyValueLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let journal: Bool

    public init(label: String, level: Logger.Level, journal: Bool) {
        self.label = label
        self.logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        var line =
            journal
            ? "<\(Self.priority(event.level))>"
            : "time=\(Self.timestamp(Date())) level=\(event.level) "
        line += "msg=\(Self.quote(event.message.description))"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(Self.quote("\(value)"))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func quote(_ text: String) -> String {
        if !text.isEmpty, !text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return text
        }
        return "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// syslog priorities as sd-daemon(3) defines the `<N>` prefixes.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-30T14:00:53.120Z`.
    static func timestamp(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
                .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// Whether `JOURNAL_STREAM` (`<device>:<inode>`, decimal) names the file stderr is, given
    /// stderr's device and inode (nil when stderr cannot be stat'ed).
    public static func isJournal(journalStream: String?, stderr: (device: UInt64, inode: UInt64)?) -> Bool {
        guard let journalStream, let stderr else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        return device == stderr.device && inode == stderr.inode
    }

    /// stderr's device and inode.
    static func stderrIdentity() -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard fstat(2, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Installs the handler process-wide once.
    public static func bootstrap(level: Logger.Level, environment: [String: String]) {
        let journal = isJournal(journalStream: environment["JOURNAL_STREAM"], stderr: stderrIdentity())
        LoggingSystem.bootstrap { label in KeyValueLogHandler(label: label, level: level, journal: journal) }
    }
}
