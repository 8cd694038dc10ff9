import Foundation
import MnemondHTTP
import MnemondTestSupport
import Testing

/// Requests and responses against Tests/Peers/http_recorder.py.
@Suite struct HTTPRoundTripTests {
    @Test func getSendsHeadersAndReturnsStatusHeadersAndBody() async throws {
        try await HTTPRecorder.with { recorder in
            try await recorder.enqueue(responses: [
                ScriptedResponse(
                    status: 200,
                    headers: [
                        (name: "X-Amz-Request-Id", value: "req-1"), (name: "Set-Cookie", value: "a=1"),
                        (name: "Set-Cookie", value: "b=2"),
                    ],
                    text: "{\"hello\":\"wörld\"}")
            ])
            let client = HTTPClient()
            let response = try await client.send(
                HTTPRequest(
                    url: recorder.url("/items?list-type=2&prefix=a%2Fb"),
                    headers: [
                        (name: "X-Amz-Date", value: "20261125T000000Z"), (name: "Accept", value: "application/json"),
                    ]))
            await client.shutdown()

            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "{\"hello\":\"wörld\"}")
            #expect(response.header("x-amz-request-id") == "req-1")
            #expect(response.headers.filter { $0.name == "Set-Cookie" }.map(\.value) == ["a=1", "b=2"])

            let request = try #require(try await recorder.requests().first)
            #expect(request.method == "GET")
            #expect(request.path == "/items?list-type=2&prefix=a%2Fb")
            #expect(request.header("X-Amz-Date") == "20261125T000000Z")
            #expect(request.header("Accept") == "application/json")
            #expect(request.header("User-Agent") == "mnemond/0.1")
            #expect(request.body.isEmpty)
        }
    }

    /// A body over `maxResponseBytes` fails the request with a clear error instead of growing
    /// memory without bound; one at the limit is delivered whole.
    @Test func aResponseBodyOverTheCapIsRefused() async throws {
        try await HTTPRecorder.with { recorder in
            let cap = 64 * 1024
            try await recorder.enqueue(responses: [
                ScriptedResponse(status: 200, headers: [], text: String(repeating: "x", count: cap)),
                ScriptedResponse(status: 200, headers: [], text: String(repeating: "y", count: cap + 1)),
            ])
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxResponseBytes: cap))
            let atLimit = try await client.send(HTTPRequest(url: recorder.url("/a")))
            #expect(atLimit.body.count == cap)
            await #expect {
                try await client.send(HTTPRequest(url: recorder.url("/b")))
            } throws: { error in
                (error as? HTTPError)?.message == "response body larger than 65536 bytes; refused"
            }
            await client.shutdown()
        }
    }

    @Test func postSendsTheBodyVerbatimWithoutExpectOrAnInventedContentType() async throws {
        try await HTTPRecorder.with { recorder in
            let client = HTTPClient()
            // Larger than 1 MiB: curl would otherwise send "Expect: 100-continue" and wait.
            let big = Data((0..<1_100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let json = Data("{\"Action\":\"GetCallerIdentity\",\"ü\":1}".utf8)
            let first = try await client.send(
                HTTPRequest(
                    method: "POST", url: recorder.url("/"),
                    headers: [(name: "Content-Type", value: "application/x-amz-json-1.0")], body: json))
            let second = try await client.send(HTTPRequest(method: "POST", url: recorder.url("/big"), body: big))
            await client.shutdown()

            #expect(first.status == 200 && second.status == 200)
            let requests = try await recorder.requests()
            try #require(requests.count == 2)
            #expect(requests[0].body == json)
            #expect(requests[0].header("Content-Type") == "application/x-amz-json-1.0")
            #expect(requests[0].header("Content-Length") == "\(json.count)")
            #expect(requests[1].body == big)
            #expect(requests[1].header("Expect") == nil)
            #expect(requests[1].header("Content-Type") == nil)
            #expect(requests[1].header("Transfer-Encoding") == nil)
        }
    }

    @Test(
        "every method reaches the server as given",
        arguments: [
            ("PUT", "<LifecycleConfiguration/>"), ("PUT", ""), ("DELETE", ""), ("PATCH", "{}"), ("OPTIONS", ""),
            ("GET", ""),
        ])
    func methods(method: String, body: String) async throws {
        try await HTTPRecorder.with { recorder in
            let client = HTTPClient()
            let response = try await client.send(
                HTTPRequest(method: method, url: recorder.url("/m"), body: Data(body.utf8)))
            await client.shutdown()
            #expect(response.status == 200)
            let request = try #require(try await recorder.requests().first)
            #expect(request.method == method)
            #expect(request.bodyText == body)
            if method == "PUT" { #expect(request.header("Content-Length") == "\(body.utf8.count)") }
        }
    }

    @Test func headReturnsHeadersWithoutWaitingForABody() async throws {
        try await HTTPRecorder.with { recorder in
            try await recorder.enqueue(responses: [
                ScriptedResponse(status: 200, headers: [(name: "ETag", value: "\"abc\"")], text: "twelve bytes")
            ])
            let client = HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: .seconds(5)))
            let response = try await client.send(HTTPRequest(method: "HEAD", url: recorder.url("/object")))
            await client.shutdown()
            #expect(response.status == 200)
            #expect(response.header("ETag") == "\"abc\"")
            #expect(response.header("Content-Length") == "12")
            #expect(response.body.isEmpty)
            #expect(try await recorder.requests().first?.method == "HEAD")
        }
    }

    @Test(
        "error statuses are responses, not errors",
        arguments: [400, 403, 404, 409, 429, 500, 503])
    func statusPassthrough(status: Int) async throws {
        try await HTTPRecorder.with { recorder in
            try await recorder.enqueue(responses: [ScriptedResponse(status: status, text: "<Error>\(status)</Error>")])
            let client = HTTPClient()
            let response = try await client.send(HTTPRequest(url: recorder.url("/")))
            await client.shutdown()
            #expect(response.status == status)
            #expect(String(decoding: response.body, as: UTF8.self) == "<Error>\(status)</Error>")
        }
    }

    @Test func redirectsAreReturnedNotFollowed() async throws {
        try await HTTPRecorder.with { recorder in
            try await recorder.enqueue(responses: [
                ScriptedResponse(
                    status: 301, headers: [(name: "Location", value: recorder.url("/elsewhere").absoluteString)],
                    text: "moved")
            ])
            let client = HTTPClient()
            let response = try await client.send(HTTPRequest(url: recorder.url("/bucket")))
            await client.shutdown()
            #expect(response.status == 301)
            #expect(response.header("Location")?.hasSuffix("/elsewhere") == true)
            #expect(try await recorder.requests().map(\.path) == ["/bucket"])
        }
    }

    @Test func headersWithLineBreaksAreRefusedBeforeSending() async throws {
        try await HTTPRecorder.with { recorder in
            let client = HTTPClient()
            await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPRequest(url: recorder.url("/"), headers: [(name: "X-Injected", value: "a\r\nEvil: 1")]))
            }
            await client.shutdown()
            let requests = try await recorder.requests()
            #expect(requests.isEmpty)
        }
    }

    @Test func sendAfterShutdownThrows() async throws {
        let client = HTTPClient()
        await client.shutdown()
        let error = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(url: URL(string: "http://127.0.0.1:9/")!))
        }
        #expect(error?.description.contains("shut down") == true)
    }
}
