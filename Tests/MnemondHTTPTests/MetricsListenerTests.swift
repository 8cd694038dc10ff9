import Foundation
import MnemondHTTP
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `metrics.listen`'s server on a real loopback socket, asked by libcurl (and by a raw socket
/// for what curl would not send).
@Suite struct MetricsListenerTests {
    final class Body: Sendable {
        let text = Mutex<String?>(nil)
    }

    @Test func servesTheBodyAtMetricsAnd503BeforeTheFirstCycle() async throws {
        let body = Body()
        let listener = try MetricsListener(host: "127.0.0.1", port: 0) { body.text.withLock { $0 } }
        defer { listener.stop() }
        let client = HTTPClient()
        let url = URL(string: "http://127.0.0.1:\(listener.port)/metrics")!

        let before = try await client.send(HTTPRequest(url: url))
        #expect(before.status == 503)
        #expect(String(decoding: before.body, as: UTF8.self) == "mnemond: no cycle has finished yet\n")
        #expect(before.header("Retry-After") == "10")

        body.text.withLock { $0 = "mnemond_up 1\n" }
        let after = try await client.send(HTTPRequest(url: url))
        #expect(after.status == 200)
        #expect(String(decoding: after.body, as: UTF8.self) == "mnemond_up 1\n")
        #expect(after.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(after.header("Connection") == "close")
        // Prometheus adds query parameters when configured to; the path is what counts.
        let query = try await client.send(HTTPRequest(url: URL(string: "\(url)?x=1")!))
        #expect(query.status == 200)

        let other = try await client.send(
            HTTPRequest(url: URL(string: "http://127.0.0.1:\(listener.port)/")!))
        #expect(other.status == 404)
        let post = try await client.send(HTTPRequest(method: "POST", url: url, body: Data("x".utf8)))
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET")
        await client.shutdown()
    }

    /// Kubernetes' probes: /healthz follows `live` (the watchdog verdict), /readyz the first cycle.
    @Test func healthzFollowsTheLivenessVerdictAndReadyzTheFirstCycle() async throws {
        let body = Body()
        let failure = Mutex<String?>(nil)
        let listener = try MetricsListener(host: "127.0.0.1", port: 0, live: { failure.withLock { $0 } }) {
            body.text.withLock { $0 }
        }
        defer { listener.stop() }
        let client = HTTPClient()
        let healthz = URL(string: "http://127.0.0.1:\(listener.port)/healthz")!
        let readyz = URL(string: "http://127.0.0.1:\(listener.port)/readyz")!

        let alive = try await client.send(HTTPRequest(url: healthz))
        #expect(alive.status == 200)
        #expect(String(decoding: alive.body, as: UTF8.self) == "ok\n")
        #expect(alive.header("Content-Type") == "text/plain; charset=utf-8")
        let notReady = try await client.send(HTTPRequest(url: readyz))
        #expect(notReady.status == 503)
        #expect(String(decoding: notReady.body, as: UTF8.self) == "mnemond: no cycle has finished yet\n")

        failure.withLock { $0 = "run of pitr stuck for 16 min\nsince 10:00" }
        let dead = try await client.send(HTTPRequest(url: healthz))
        #expect(dead.status == 503)
        #expect(String(decoding: dead.body, as: UTF8.self) == "mnemond: run of pitr stuck for 16 min since 10:00\n")

        body.text.withLock { $0 = "mnemond_up 1\n" }
        failure.withLock { $0 = nil }
        let ready = try await client.send(HTTPRequest(url: readyz))
        #expect(ready.status == 200)
        #expect(String(decoding: ready.body, as: UTF8.self) == "ok\n")
        #expect(try await client.send(HTTPRequest(url: healthz)).status == 200)
        let post = try await client.send(HTTPRequest(method: "POST", url: healthz, body: Data("x".utf8)))
        #expect(post.status == 405)
        #expect(try await client.send(HTTPRequest(url: URL(string: "\(healthz)/x")!)).status == 404)
        await client.shutdown()
    }

    @Test func anOversizedRequestHeadIsRefusedAndTheConnectionClosed() throws {
        let listener = try MetricsListener(host: "127.0.0.1", port: 0) { "a 1\n" }
        defer { listener.stop() }
        let answer = try Self.exchange(
            port: listener.port, "GET /metrics HTTP/1.1\r\nX-Pad: \(String(repeating: "a", count: 10000))\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 431 "), "\(answer)")
        let garbage = try Self.exchange(port: listener.port, "hello\r\n\r\n")
        #expect(garbage.hasPrefix("HTTP/1.1 400 "), "\(garbage)")
    }

    @Test func anAddressInUseIsAnErrorNamingIt() throws {
        let first = try MetricsListener(host: "127.0.0.1", port: 0) { nil }
        defer { first.stop() }
        #expect {
            try MetricsListener(host: "127.0.0.1", port: first.port) { nil }
        } throws: { error in
            "\(error)" == "metrics.listen 127.0.0.1:\(first.port): bind failed: Address already in use"
        }
    }

    @Test func listensOnIPv6Loopback() async throws {
        let listener: MetricsListener
        do {
            listener = try MetricsListener(host: "::1", port: 0) { "a 1\n" }
        } catch {
            // A host without IPv6 (some containers) cannot bind ::1 at all; nothing to test there.
            #expect(error.message == "Cannot assign requested address" || error.message.contains("not supported"))
            return
        }
        defer { listener.stop() }
        #expect(listener.address == "[::1]:0")
        let client = HTTPClient()
        let response = try await client.send(HTTPRequest(url: URL(string: "http://[::1]:\(listener.port)/metrics")!))
        await client.shutdown()
        #expect(response.status == 200)
    }

    /// Writes `request` on a fresh connection and reads until the server closes it.
    static func exchange(port: Int, _ request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = in_port_t(UInt16(port).bigEndian)
        sa.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL)) }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
