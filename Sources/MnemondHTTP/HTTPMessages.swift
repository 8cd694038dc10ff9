import Foundation

/// One HTTP request as bytes on the wire. Header names and values are sent as given; the
/// transport adds nothing but `User-Agent` (when absent) and suppresses curl's own defaults
/// that would change what a signer signed (`Expect: 100-continue`, a form `Content-Type`).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// Total time allowed for this request; `nil` uses `HTTPClientConfiguration.requestTimeout`.
    public var timeout: Duration?

    public init(
        method: String = "GET",
        url: URL,
        headers: [(name: String, value: String)] = [],
        body: Data = Data(),
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The final response of a request. Every status (404, 500, a 302 that is not followed) is a
/// response, not an error: callers decide what a status means.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// All header lines of the final response, in order, repeated names kept.
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
