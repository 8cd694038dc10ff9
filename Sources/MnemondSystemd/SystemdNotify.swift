import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One assignment of the sd_notify protocol (sd_notify(3)): `READY=1`, `STATUS=…`.
public enum SystemdNotification: Sendable, Equatable {
    /// Startup is complete: config loaded, store open. Also sent after a reload.
    case ready
    /// A reload began; `MONOTONIC_USEC` lets systemd match it to the reload it asked for.
    case reloading(monotonicMicroseconds: UInt64)
    case stopping
    case watchdog
    /// Free text shown by `systemctl status`; one line.
    case status(String)

    /// The lines of this notification; several notifications go out as one datagram.
    var lines: [String] {
        switch self {
        case .ready: ["READY=1"]
        case .reloading(let usec): ["RELOADING=1", "MONOTONIC_USEC=\(usec)"]
        case .stopping: ["STOPPING=1"]
        case .watchdog: ["WATCHDOG=1"]
        case .status(let text):
            ["STATUS=" + text.split(whereSeparator: \.isNewline).joined(separator: " ")]
        }
    }

    /// The datagram for a batch of notifications: newline-separated assignments.
    static func datagram(_ notifications: [SystemdNotification]) -> String {
        notifications.flatMap(\.lines).joined(separator: "\n")
    }
}

/// The notify socket could not be written; never fatal, the daemon logs it and carries on.
public struct SystemdNotifyError: Error, Sendable, CustomStringConvertible {
    public var socket: String
    public var message: String
    public var description: String { "NOTIFY_SOCKET=\(socket): \(message)" }
}

/// Talks to systemd over the `NOTIFY_SOCKET` datagram socket directly (no libsystemd): a
/// filesystem path or, with a leading `@`, an abstract-namespace name. Without `NOTIFY_SOCKET`
/// (not under systemd, or `Type=simple`) every call is a no-op.
public struct SystemdNotifier: Sendable {
    /// The socket address as given in `NOTIFY_SOCKET`; nil: not under systemd.
    public let socket: String?
    /// `WATCHDOG_USEC`, when the watchdog is on and meant for this process.
    public let watchdogMicroseconds: UInt64?

    public init(environment: [String: String], pid: Int32 = getpid()) {
        let socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.socket = socket
        // sd_watchdog_enabled(3): WATCHDOG_PID, when set, names the process the watchdog is for.
        if let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0,
            environment["WATCHDOG_PID"].map({ Int32($0) == pid }) ?? true
        {
            watchdogMicroseconds = usec
        } else {
            watchdogMicroseconds = nil
        }
    }

    public var isActive: Bool { socket != nil }

    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3) advises.
    public var watchdogPingInterval: Duration? {
        watchdogMicroseconds.map { .microseconds($0 / 2) }
    }

    /// Sends the notifications as one datagram. No-op without `NOTIFY_SOCKET`.
    public func notify(_ notifications: SystemdNotification...) throws(SystemdNotifyError) {
        try notify(notifications)
    }

    public func notify(_ notifications: [SystemdNotification]) throws(SystemdNotifyError) {
        guard let socket else { return }
        guard let address = Self.address(socket) else {
            throw SystemdNotifyError(socket: socket, message: "not an absolute path or @abstract name, or too long")
        }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemdNotifyError(socket: socket, message: "socket: \(Self.errnoText())") }
        defer { close(fd) }
        let bytes = Array(SystemdNotification.datagram(notifications).utf8)
        var storage = address.storage
        let sent = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { buffer in
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketAddress, address.length)
                }
            }
        }
        guard sent == bytes.count else {
            throw SystemdNotifyError(socket: socket, message: "sendto: \(Self.errnoText())")
        }
    }

    /// The `sockaddr_un` for `NOTIFY_SOCKET`: a path is NUL-terminated; an abstract name (`@x`)
    /// becomes a leading NUL byte and its length counts exactly the name, as in sd_notify.
    static func address(_ text: String) -> (storage: sockaddr_un, length: socklen_t)? {
        var name = Array(text.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        guard abstract || name.first == UInt8(ascii: "/") else { return nil }
        if abstract { name[0] = 0 } else { name.append(0) }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard name.count <= capacity else { return nil }
        withUnsafeMutableBytes(of: &storage.sun_path) { path in
            for (index, byte) in name.enumerated() { path[index] = byte }
        }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        // A path's length may include its NUL; an abstract name's must not include padding.
        return (storage, socklen_t(offset + name.count))
    }

    /// CLOCK_MONOTONIC in microseconds, for `MONOTONIC_USEC` (systemd compares it with its own).
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
