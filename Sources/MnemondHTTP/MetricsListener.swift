import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The listener could not be set up; `address` is the configured `host:port`.
public struct MetricsListenerError: Error, Sendable, CustomStringConvertible {
    public var address: String
    public var operation: String
    public var message: String
    public var description: String { "metrics.listen \(address): \(operation) failed: \(message)" }
}

/// A deliberately small HTTP/1.1 server for Prometheus scrapes and orchestrators' probes:
/// `GET /metrics` answers with `body()` (503 while it is nil); `GET /healthz` 200 while `live()`
/// is nil, else 503 with its one-line reason (liveness); `GET /readyz` 200 once `body()` is not
/// nil (readiness: a cycle has finished); any other path 404, any other method 405. One request per
/// connection (`Connection: close`), a request head of at most 8 KiB, 10 s to send it, at most
/// 8 connections served at once (more are closed unanswered). Connections are served on their
/// own threads, so a slow client never holds up the daemon; `body` must only copy what is
/// ready, never wait for a cycle.
public final class MetricsListener: Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    static let maxRequestHead = 8192
    static let maxConnections = 8
    static let ioTimeoutSeconds = 10

    public let address: String
    /// The port bound (the one asked for, or the kernel's pick for port 0).
    public let port: Int
    private let socket: Int32
    private let body: @Sendable () -> String?
    private let live: @Sendable () -> String?
    private let state = Mutex(State())
    private struct State {
        var open = 0
        var stopped = false
    }
    private let acceptorDone = DispatchSemaphore(value: 0)

    /// Binds `host:port` (an IPv4 literal, or IPv6 without brackets) and starts answering.
    /// `live`: nil while the process is alive, else why not (it must not block either).
    public init(
        host: String, port: Int, live: @escaping @Sendable () -> String? = { nil },
        body: @escaping @Sendable () -> String?
    ) throws(MetricsListenerError) {
        let isIPv6 = host.contains(":")
        address = isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.body = body
        self.live = live
        let fd = Glibc.socket(
            isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Self.failure(address, "socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var bound: Int32
        if isIPv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, host, &sa.sin6_addr) == 1 else {
                close(fd)
                throw MetricsListenerError(address: address, operation: "parse", message: "not an IPv6 address")
            }
            bound = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &sa.sin_addr) == 1 else {
                close(fd)
                throw MetricsListenerError(address: address, operation: "parse", message: "not an IPv4 address")
            }
            bound = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard bound == 0 else {
            let error = Self.failure(address, "bind")
            close(fd)
            throw error
        }
        guard listen(fd, 16) == 0 else {
            let error = Self.failure(address, "listen")
            close(fd)
            throw error
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let portBytes = withUnsafeBytes(of: storage) { raw in (UInt16(raw[2]) << 8) | UInt16(raw[3]) }
        self.port = Int(portBytes)
        socket = fd
        Thread { [self] in acceptLoop() }.start()
    }

    /// Stops accepting and closes the listening socket; requests in hand still get their answer.
    /// The listener lives until then (its accepting thread holds it).
    public func stop() {
        let first = state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        // shutdown wakes the blocked accept(2) on Linux; close only after the loop has left it.
        shutdown(socket, Int32(SHUT_RDWR))
        acceptorDone.wait()
        close(socket)
    }

    private func acceptLoop() {
        defer { acceptorDone.signal() }
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 {
                if state.withLock({ $0.stopped }) { return }
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let admitted = state.withLock { state in
                guard state.open < Self.maxConnections else { return false }
                state.open += 1
                return true
            }
            guard admitted else {
                close(client)
                continue
            }
            Thread { [self] in
                serve(client)
                state.withLock { $0.open -= 1 }
            }.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var timeout = timeval(tv_sec: Self.ioTimeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let response: Response
        switch readHead(client) {
        case .head(let head): response = Self.respond(to: head, body: body, live: live)
        case .tooLarge: response = Response(status: 431, reason: "Request Header Fields Too Large")
        case .closed: return
        }
        send(client, Array(response.bytes))
        // Half-close, then let the client see the end of the response before the socket goes.
        shutdown(client, Int32(SHUT_WR))
        var sink = [UInt8](repeating: 0, count: 512)
        while recv(client, &sink, sink.count, 0) > 0 {}
    }

    enum Head: Equatable {
        case head(String)
        case tooLarge
        case closed
    }

    /// Reads up to the blank line that ends the request head (a body, if any, is ignored).
    private func readHead(_ client: Int32) -> Head {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 2048)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            let n = recv(client, &buffer, buffer.count, 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return .closed }
            data += buffer[0..<n]
            if let range = data.firstRange(of: end) {
                guard range.upperBound <= Self.maxRequestHead else { return .tooLarge }
                return .head(String(decoding: data[..<range.lowerBound], as: UTF8.self))
            }
            if data.count > Self.maxRequestHead { return .tooLarge }
        }
    }

    private func send(_ client: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(client, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            sent += n
        }
    }

    struct Response: Equatable {
        var status: Int
        var reason: String
        var headers: [(String, String)] = []
        /// nil: the reason phrase.
        var body: String?
        /// The exposition's type for a 200 of /metrics, plain text for everything else.
        var exposition = false

        var bytes: Data {
            var text = "HTTP/1.1 \(status) \(reason)\r\n"
            let type = exposition ? MetricsListener.contentType : "text/plain; charset=utf-8"
            let content = body ?? "\(reason)\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            text += "Content-Type: \(type)\r\nContent-Length: \(content.utf8.count)\r\nConnection: close\r\n\r\n"
            return Data((text + content).utf8)
        }

        static func == (a: Response, b: Response) -> Bool { a.bytes == b.bytes }
    }

    /// What a request head gets: the decision alone, so it is testable without a socket.
    static func respond(to head: String, body: () -> String?, live: () -> String? = { nil }) -> Response {
        let requestLine = head.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            return Response(status: 400, reason: "Bad Request")
        }
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard ["/metrics", "/healthz", "/readyz"].contains(path) else {
            return Response(status: 404, reason: "Not Found")
        }
        guard parts[0] == "GET" else {
            return Response(status: 405, reason: "Method Not Allowed", headers: [("Allow", "GET")])
        }
        let notYet = Response(
            status: 503, reason: "Service Unavailable", headers: [("Retry-After", "10")],
            body: "mnemond: no cycle has finished yet\n")
        switch path {
        case "/healthz":
            guard let why = live() else { return Response(status: 200, reason: "OK", body: "ok\n") }
            let line = why.split(whereSeparator: \.isNewline).joined(separator: " ")
            return Response(status: 503, reason: "Service Unavailable", body: "mnemond: \(line)\n")
        case "/readyz":
            return body() == nil ? notYet : Response(status: 200, reason: "OK", body: "ok\n")
        default:
            guard let text = body() else { return notYet }
            return Response(status: 200, reason: "OK", body: text, exposition: true)
        }
    }

    static func failure(_ address: String, _ operation: String) -> MetricsListenerError {
        MetricsListenerError(address: address, operation: operation, message: String(cString: strerror(errno)))
    }
}
