import MnemondModel

/// Every exit status `mnemond` returns, in one table. `check` and `status` follow the Nagios
/// convention (the worst state); the rest follow sysexits(3), so scripts and systemd can tell a
/// bad config from an unreadable store from a message still queued.
public enum ExitStatus {
    public static let ok: Int32 = 0
    /// `history`: no sample matched; `test-alert`: a channel failed or none is configured.
    public static let failed: Int32 = 1
    /// sysexits.h EX_USAGE: a bad argument (unknown check, unreadable duration or date).
    public static let usage: Int32 = 64
    /// sysexits.h EX_IOERR: the store could not be opened, read or written.
    public static let store: Int32 = 74
    /// sysexits.h EX_TEMPFAIL: the report is queued but not delivered yet.
    public static let notSent: Int32 = 75
    /// sysexits.h EX_CONFIG: the config file is missing or invalid.
    public static let config: Int32 = 78

    /// `check` and `status`: 0 OK, 1 warning, 2 critical, 3 unknown.
    public static func state(_ state: CheckState) -> Int32 { Int32(state.rawValue) }
}

/// A command that cannot be done: the message for stderr (`mnemond: …`) and its exit status.
public struct CommandFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var status: Int32

    public init(_ message: String, status: Int32) {
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
