import Foundation
import MnemondHTTP
import MnemondTestSupport
import Testing

/// Connections, concurrency, timeouts, failures and TLS against Tests/Peers/http_recorder.py.
@Suite struct HTTPConnectionTests {
    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await HTTPRecorder.with { recorder in
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 4))
            for index in 0..<5 {
                let response = try await client.send(HTTPRequest(url: recorder.url("/\(index)")))
                #expect(response.status == 200)
            }
            await client.shutdown()
            let requests = try await recorder.requests()
            try #require(requests.count == 5)
            #expect(Set(requests.map(\.connection)).count == 1)
            #expect(Set(requests.map(\.clientPort)).count == 1)
        }
    }

    @Test func aConnectionTheServerClosedIsReplacedTransparently() async throws {
        try await HTTPRecorder.with { recorder in
            try await recorder.enqueue(responses: [ScriptedResponse(text: "bye", closeConnection: true)])
            let client = HTTPClient()
            let first = try await client.send(HTTPRequest(url: recorder.url("/a")))
            let second = try await client.send(HTTPRequest(url: recorder.url("/b")))
            await client.shutdown()
            #expect(first.status == 200 && second.status == 200)
            let requests = try await recorder.requests()
            try #require(requests.count == 2)
            #expect(requests[0].connection != requests[1].connection)
        }
    }

    /// More transfers than the cooperative pool has threads (one per core) run at once: the
    /// blocking curl calls are on the workers' queues. And never more than the limit.
    @Test func parallelRequestsAreBoundedByMaxConcurrentRequests() async throws {
        try await HTTPRecorder.with { recorder in
            let limit = 6
            let count = 12
            try await recorder.enqueue(
                responses: Array(repeating: ScriptedResponse(text: "slow", delay: .milliseconds(400)), count: count))
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: limit))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<count {
                    group.addTask { try await client.send(HTTPRequest(url: recorder.url("/p\(index)"))).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            await client.shutdown()
            #expect(statuses == Array(repeating: 200, count: count))
            let stats = try await recorder.stats()
            #expect(stats.requests == count)
            #expect(stats.maxInFlight == limit)
        }
    }

    @Test func aSlowServerFailsWithATransientTimeoutNamingTheHost() async throws {
        try await HTTPRecorder.with { recorder in
            try await recorder.enqueue(responses: [ScriptedResponse(text: "late", delay: .seconds(5))])
            let client = HTTPClient()
            let started = ContinuousClock.now
            let error = try #require(
                await #expect(throws: HTTPError.self) {
                    try await client.send(HTTPRequest(url: recorder.url("/slow"), timeout: .milliseconds(300)))
                })
            await client.shutdown()
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(error.kind == .timeout)
            #expect(error.isTransient)
            #expect(error.curlCode == 28)
            #expect(error.host == "127.0.0.1:\(recorder.endpoint.port!)")
            #expect(error.description.hasPrefix("GET 127.0.0.1:\(recorder.endpoint.port!): timeout: "))
        }
    }

    @Test func aRefusedConnectionIsATransientConnectErrorWithoutTheQuery() async throws {
        let port = try PeerProcess.unusedLoopbackPort()
        let client = HTTPClient()
        let url = URL(
            string: "http://127.0.0.1:\(port)/bucket?X-Amz-Signature=0123456789abcdef&X-Amz-Credential=AKIDEXAMPLE")!
        let error = try #require(
            await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPRequest(
                        url: url, headers: [(name: "Authorization", value: "AWS4-HMAC-SHA256 Signature=feedface")]))
            })
        await client.shutdown()
        #expect(error.kind == .connect)
        #expect(error.isTransient)
        #expect(error.curlCode == 7)
        #expect(error.host == "127.0.0.1:\(port)")
        #expect(error.description.hasPrefix("GET 127.0.0.1:\(port): connect: "))
        #expect(error.description.hasSuffix("(curl 7)"))
        for secret in ["0123456789abcdef", "AKIDEXAMPLE", "X-Amz-Signature", "feedface", "/bucket"] {
            #expect(!error.description.contains(secret), "\(error.description)")
        }
    }

    @Test func anUnresolvableHostIsAResolveError() async throws {
        let client = HTTPClient()
        let error = try #require(
            await #expect(throws: HTTPError.self) {
                try await client.send(HTTPRequest(url: URL(string: "http://mnemond-test.invalid/")!))
            })
        await client.shutdown()
        // With a proxy in the environment the proxy's name is what fails to resolve or connect.
        #expect([.resolve, .connect].contains(error.kind), "\(error)")
        #expect(error.description.hasPrefix("GET mnemond-test.invalid: "))
    }

    @Test func aSelfSignedServerIsRejectedByDefault() async throws {
        try await HTTPRecorder.with(tls: true) { recorder in
            #expect(recorder.endpoint.scheme == "https")
            let client = HTTPClient()
            let error = try #require(
                await #expect(throws: HTTPError.self) {
                    try await client.send(HTTPRequest(url: recorder.url("/secure")))
                })
            await client.shutdown()
            #expect(error.kind == .tls)
            #expect(!error.isTransient)
            #expect(error.curlCode == 60)
            #expect(error.message.contains("certificate"), "\(error)")
            let requests = try await recorder.requests()
            #expect(requests.isEmpty)
        }
    }

    @Test func aServerCertifiedByTheConfiguredCABundleIsAccepted() async throws {
        try await HTTPRecorder.with(tls: true) { recorder in
            let client = HTTPClient(configuration: HTTPClientConfiguration(caBundlePath: recorder.caFile))
            let first = try await client.send(HTTPRequest(url: recorder.url("/one")))
            let second = try await client.send(
                HTTPRequest(method: "POST", url: recorder.url("/two"), body: Data("tls body".utf8)))
            await client.shutdown()
            #expect(first.status == 200 && second.status == 200)
            let requests = try await recorder.requests()
            #expect(requests.map(\.bodyText) == ["", "tls body"])
            #expect(Set(requests.map(\.connection)).count == 1)
        }
    }

    @Test func cancellingTheTaskAbortsARunningTransfer() async throws {
        try await HTTPRecorder.with { recorder in
            // The answer would come after 120 s; the abort must come long before (curl's progress
            // callback runs about once a second; the bound leaves room for a loaded machine).
            try await recorder.enqueue(responses: [ScriptedResponse(text: "never read", delay: .seconds(120))])
            let client = HTTPClient()
            let task = Task { try await client.send(HTTPRequest(url: recorder.url("/hang"))) }
            // Wait until the request is at the server, so the cancellation hits curl_easy_perform.
            try await Self.waitForARequest(at: recorder)
            let cancelled = ContinuousClock.now
            task.cancel()
            let result = await task.result
            #expect(ContinuousClock.now - cancelled < .seconds(60))
            #expect(throws: CancellationError.self) { try result.get() }
            // The worker is free again.
            let after = try await client.send(HTTPRequest(url: recorder.url("/after")))
            #expect(after.status == 200)
            await client.shutdown()
        }
    }

    @Test func shutdownLetsTransfersInFlightFinishAndFailsTheWaitingOnes() async throws {
        try await HTTPRecorder.with { recorder in
            // Slow enough that it is still in flight when the second request and the shutdown
            // come, however loaded the machine.
            try await recorder.enqueue(responses: [ScriptedResponse(text: "slow", delay: .seconds(20))])
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 1))
            let inFlight = Task {
                try await client.send(HTTPRequest(url: recorder.url("/in-flight"), timeout: .seconds(120)))
            }
            try await Self.waitForARequest(at: recorder)
            // Waits for the only worker, or finds the client shutting down: refused either way.
            let waiting = Task { try await client.send(HTTPRequest(method: "PUT", url: recorder.url("/waiting"))) }
            await client.shutdown()
            #expect(try await inFlight.value.status == 200)
            let error = try #require(
                await #expect(throws: HTTPError.self) { try await waiting.value })
            #expect(error.description == "PUT 127.0.0.1:\(recorder.endpoint.port!): other: HTTP client is shut down")
            #expect(try await recorder.requests().map(\.path) == ["/in-flight"])
        }
    }

    /// Until the recorder has had a request in flight. `maxInFlight` only grows, so a request
    /// that came and went between two polls is not missed (polling `inFlight` could spin forever).
    static func waitForARequest(at recorder: HTTPRecorder, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await recorder.stats().maxInFlight == 0 {
            guard ContinuousClock.now < deadline else {
                throw PeerError("no request reached the recorder within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
