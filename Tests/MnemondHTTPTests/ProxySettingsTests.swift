import Foundation
import MnemondTestSupport
import Testing

@testable import MnemondHTTP

/// Proxies as the AWS CLI reads them: both cases of each variable, lower case first; the
/// scheme's own proxy, else `all_proxy`; credentials in a proxy URL never shown.
@Suite struct ProxySettingsTests {
    @Test(arguments: [
        (["HTTP_PROXY": "http://up:3128"], "http://up:3128", nil as String?),
        (["http_proxy": "http://low:3128", "HTTP_PROXY": "http://up:3128"], "http://low:3128", nil),
        (["HTTPS_PROXY": "http://secure:3128"], nil, "http://secure:3128"),
        (
            ["ALL_PROXY": "http://all:3128", "HTTPS_PROXY": "http://secure:3128"], "http://all:3128",
            "http://secure:3128"
        ),
        (["HTTP_PROXY": "  "], nil, nil),
        ([:], nil, nil),
    ])
    func theSchemesProxyComesFromEitherCase(env: [String: String], http: String?, https: String?) {
        let settings = ProxySettings(environment: env)
        #expect(settings.proxy(for: URL(string: "http://127.0.0.1:5000/x")!) == http)
        #expect(settings.proxy(for: URL(string: "https://rds.eu-west-1.amazonaws.com/")!) == https)
    }

    @Test func noProxyIsReadInEitherCase() {
        #expect(ProxySettings(environment: ["NO_PROXY": "127.0.0.1,.internal"]).noProxy == "127.0.0.1,.internal")
        #expect(ProxySettings(environment: ["no_proxy": "a", "NO_PROXY": "b"]).noProxy == "a")
    }

    @Test func credentialsInAProxyURLAreNeverShown() {
        let settings = ProxySettings(environment: [
            "HTTPS_PROXY": "http://svc-mnemond:s3cr%40t-Pw@proxy.corp:3128", "NO_PROXY": "169.254.169.254",
        ])
        let text = "\(settings)"
        #expect(!text.contains("s3cr"))
        #expect(!text.contains("svc-mnemond"))
        #expect(text.contains("proxy.corp:3128"))
        #expect(settings.secrets.contains("s3cr%40t-Pw"))
        #expect(settings.secrets.contains("s3cr@t-Pw"))
    }

    /// Upper-case HTTP_PROXY, which curl alone ignores, sends plain-HTTP requests through the
    /// proxy (a loopback recorder); a host NO_PROXY names is reached directly.
    @Test func upperCaseHTTPProxyIsUsedAndNoProxyBypassesIt() async throws {
        try await HTTPRecorder.with { target in
            try await HTTPRecorder.with { proxy in
                let client = HTTPClient(
                    configuration: HTTPClientConfiguration(
                        proxy: ProxySettings(environment: [
                            "HTTP_PROXY": proxy.endpoint.absoluteString, "NO_PROXY": "127.0.0.1",
                        ])))
                let direct = try await client.send(HTTPRequest(url: target.endpoint.appendingPathComponent("direct")))
                let proxied = try await client.send(
                    HTTPRequest(url: URL(string: "http://mnemond-proxy-probe.invalid/upper")!))
                await client.shutdown()
                #expect(direct.status == 200)
                #expect(proxied.status == 200)
                #expect(try await target.requests().map(\.path) == ["/direct"])
                #expect(try await proxy.requests().map(\.path) == ["http://mnemond-proxy-probe.invalid/upper"])
            }
        }
    }
}

/// HTTPS through a proxy: upper-case HTTPS_PROXY makes curl tunnel (CONNECT) to the TLS server
/// through the loopback forward proxy, with the proxy's Basic credentials from the proxy URL.
@Suite struct HTTPSProxyTests {
    @Test func httpsGoesThroughTheProxysTunnelWithItsCredentials() async throws {
        try await HTTPRecorder.with(tls: true) { target in
            let proxy = try await ForwardProxy.start(auth: "mnemond:tunnel-pw-71")
            let port = try #require(proxy.endpoint.port)
            let client = HTTPClient(
                configuration: HTTPClientConfiguration(
                    caBundlePath: target.caFile,
                    proxy: ProxySettings(environment: ["HTTPS_PROXY": "http://mnemond:tunnel-pw-71@127.0.0.1:\(port)"]))
            )
            let response = try await client.send(HTTPRequest(url: target.endpoint.appendingPathComponent("secure")))
            await client.shutdown()
            let seen = try await proxy.requests()
            await proxy.stop()
            #expect(response.status == 200)
            #expect(try await target.requests().map(\.path) == ["/secure"])
            let targetHost = "\(target.endpoint.host!):\(target.endpoint.port!)"
            #expect(seen == [.init(method: "CONNECT", host: targetHost, path: "", authorized: true)])
        }
    }
}
