import Foundation

/// Settings shared by every request of one `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    /// Time allowed for DNS + TCP connect + TLS handshake.
    public var connectTimeout: Duration = .seconds(5)
    /// Total time allowed per request unless the request sets its own.
    public var requestTimeout: Duration = .seconds(30)
    /// Requests in flight at once, and the number of curl handles (each keeps its connections).
    public var maxConcurrentRequests: Int = 8
    /// Verify the peer's certificate and host name. Never off in production.
    public var verifyTLS: Bool = true
    /// A PEM CA bundle to trust instead of the system's (tests use the peers' self-signed CA).
    public var caBundlePath: String?
    public var userAgent: String = "mnemond/0.1"
    /// Proxies for HTTP(S) requests; by default the process environment's, read as the AWS CLI
    /// reads them (`ProxySettings`).
    public var proxy: ProxySettings = ProxySettings(environment: ProcessInfo.processInfo.environment)
    /// The largest response body accepted; a longer one fails the request instead of growing
    /// memory without bound (the service unit caps the daemon at 256 MiB).
    public var maxResponseBytes: Int = 16 << 20

    public init(
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30),
        maxConcurrentRequests: Int = 8,
        verifyTLS: Bool = true,
        caBundlePath: String? = nil,
        userAgent: String = "mnemond/0.1",
        maxResponseBytes: Int = 16 << 20,
        proxy: ProxySettings = ProxySettings(environment: ProcessInfo.processInfo.environment)
    ) {
        self.proxy = proxy
        self.maxResponseBytes = maxResponseBytes
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxConcurrentRequests = maxConcurrentRequests
        self.verifyTLS = verifyTLS
        self.caBundlePath = caBundlePath
        self.userAgent = userAgent
    }
}
