import Foundation
import MnemondHTTP
import MnemondProcess
import MnemondTestSupport
import Testing

/// libcurl reads http_proxy / https_proxy / no_proxy itself; the client must not switch that
/// off. The environment is only read at transfer time, and setenv() while other tests'
/// transfers call getenv() on other threads is unsafe in glibc, so the check runs in a child
/// copy of this test binary that starts with the proxy variables already set.
@Suite struct ProxyEnvironmentTests {
    static let probeVariable = "MNEMOND_HTTP_PROXY_PROBE_TARGET"
    static let proxiedURL = "http://mnemond-proxy-probe.invalid/via-proxy"

    @Test func proxyFromTheEnvironmentIsUsedAndNoProxyBypassesIt() async throws {
        try await HTTPRecorder.with { target in
            try await HTTPRecorder.with { proxy in
                var environment = ProcessInfo.processInfo.environment
                for name in [
                    "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
                ] {
                    environment[name] = nil
                }
                environment["http_proxy"] = proxy.endpoint.absoluteString
                environment["NO_PROXY"] = "127.0.0.1"
                environment[Self.probeVariable] = target.endpoint.absoluteString

                let child = try await ChildTestRun.run(filter: "ProxyEnvironmentTests/probe", environment: environment)
                #expect(child.status == 0, "child test run failed:\n\(child.output)")
                #expect(child.output.contains("probe()"), "the probe did not run:\n\(child.output)")

                let direct = try await target.requests()
                #expect(direct.map(\.path) == ["/direct"])
                let proxied = try await proxy.requests()
                #expect(proxied.map(\.path) == [Self.proxiedURL])
                #expect(proxied.first?.header("Host") == "mnemond-proxy-probe.invalid")
            }
        }
    }

    /// Runs only in the child started above.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[probeVariable] != nil))
    func probe() async throws {
        let target = try #require(ProcessInfo.processInfo.environment[Self.probeVariable].flatMap(URL.init(string:)))
        let client = HTTPClient()
        let direct = try await client.send(HTTPRequest(url: target.appendingPathComponent("direct")))
        let proxied = try await client.send(HTTPRequest(url: URL(string: Self.proxiedURL)!))
        await client.shutdown()
        #expect(direct.status == 200)
        #expect(proxied.status == 200)
    }
}

/// This test binary, run again with a Swift Testing filter and its own environment.
enum ChildTestRun {
    struct Result {
        var status: Int32
        var output: String
    }

    static func run(filter: String, environment: [String: String]) async throws -> Result {
        let output = try await ChildProcess.run(
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
            ["--testing-library", "swift-testing", "--filter", filter], environment: environment,
            timeout: .seconds(600))
        return Result(status: output.status, output: output.stdoutText + output.stderrText)
    }
}
