import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Unix datagram socket bound by a test, standing in for systemd's notify socket: pass
/// `address` as `NOTIFY_SOCKET` to the process under test and read what it announces.
public final class NotifySocket: @unchecked Sendable {
    // @unchecked: `received` is only touched under `lock`; the descriptor is read by one thread.
    /// `NOTIFY_SOCKET` value: a path, or `@name` for the abstract namespace.
    public let address: String
    private let fd: Int32
    private let path: String?
    private let lock = NSLock()
    private var received: [String] = []
    private var waiters:
        [UInt64: (predicate: @Sendable ([String]) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]
    private var nextWaiter: UInt64 = 0
    private var closed = false

    /// Binds a fresh socket (a path under the temp directory, or an abstract name) and starts reading.
    public init(abstract: Bool = false) throws {
        let name = "mnemond-notify-\(UUID().uuidString.prefix(8))"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw PeerError("socket(AF_UNIX, SOCK_DGRAM): errno \(errno)") }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        var bytes: [UInt8]
        if abstract {
            address = "@" + name
            path = nil
            bytes = [0] + Array(name.utf8)
        } else {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(name + ".sock").path
            address = file
            path = file
            bytes = Array(file.utf8) + [0]
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw PeerError("bind \(address): errno \(code)")
        }
        Thread { [self] in readLoop() }.start()
    }

    deinit { stop() }

    /// Closes the socket (idempotent); the reader thread ends.
    public func stop() {
        let wasOpen = lock.withLock {
            defer { closed = true }
            return !closed
        }
        guard wasOpen else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        if let path { unlink(path) }
        let pending = lock.withLock {
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in pending { waiter.continuation.resume(returning: false) }
    }

    /// Every datagram received so far, in order.
    public var messages: [String] { lock.withLock { received } }

    /// Every assignment received so far (`READY=1`, `STATUS=…`), datagrams split into lines.
    public var assignments: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }

    /// Waits until `predicate` holds for the assignments received, or `timeout` passes (false).
    public func wait(timeout: Duration, until predicate: @escaping @Sendable ([String]) -> Bool) async -> Bool {
        let deadline = DispatchTime.now() + .milliseconds(Int(timeout.components.seconds * 1000))
        return await withCheckedContinuation { continuation in
            let id: UInt64? = lock.withLock {
                if closed || predicate(Self.split(received)) { return nil }
                nextWaiter += 1
                waiters[nextWaiter] = (predicate, continuation)
                return nextWaiter
            }
            guard let id else {
                continuation.resume(returning: predicate(Self.split(messages)))
                return
            }
            DispatchQueue.global().asyncAfter(deadline: deadline) { [self] in
                lock.withLock { waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
            }
        }
    }

    /// Waits for at least `count` assignments equal to `assignment` (e.g. three `WATCHDOG=1`).
    public func wait(for assignment: String, count: Int = 1, timeout: Duration) async -> Bool {
        await wait(timeout: timeout) { $0.filter { $0 == assignment }.count >= count }
    }

    private static func split(_ messages: [String]) -> [String] {
        messages.flatMap { $0.split(separator: "\n").map(String.init) }
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break
            }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            let satisfied: [CheckedContinuation<Bool, Never>] = lock.withLock {
                received.append(text)
                let all = Self.split(received)
                let ready = waiters.filter { $0.value.predicate(all) }
                for id in ready.keys { waiters[id] = nil }
                return ready.values.map(\.continuation)
            }
            for continuation in satisfied { continuation.resume(returning: true) }
        }
        close(fd)
    }
}
