import Foundation

/// An HTTP request exactly as it will go on the wire: the URL carries the percent-encoded path
/// and query the transport will send, the headers are those the transport will send (`Host` is
/// derived from the URL by the signer when absent).
public struct SigV4Request: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// Every value of the header `name` (case-insensitive), in order.
    public func headerValues(_ name: String) -> [String] {
        let lowered = name.lowercased()
        return headers.filter { $0.name.lowercased() == lowered }.map(\.value)
    }

    /// The first value of the header `name` (case-insensitive).
    public func headerValue(_ name: String) -> String? {
        headerValues(name).first
    }

    /// Removes every header called `name` (case-insensitive).
    public mutating func removeHeaders(_ name: String) {
        let lowered = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lowered }
    }

    /// Replaces every header called `name` (case-insensitive) with one `name: value`, appended last.
    public mutating func setHeader(_ name: String, _ value: String) {
        removeHeaders(name)
        headers.append((name: name, value: value))
    }
}

extension SigV4Request: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Method, URL, headers and body size. The session token and the signature are masked: a
    /// signed request is replayable for minutes and its token is a credential.
    public var description: String {
        let shown = redactedHeaders.map { "\($0.name): \($0.value)" }.joined(separator: ", ")
        return "SigV4Request(\(method) \(url.absoluteString), headers: [\(shown)], body: \(body.count) bytes)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "method": method,
                "url": url.absoluteString,
                "headers": redactedHeaders.map { "\($0.name): \($0.value)" },
                "body": "\(body.count) bytes",
            ],
            displayStyle: .struct)
    }

    private var redactedHeaders: [(name: String, value: String)] {
        headers.map { header in
            switch header.name.lowercased() {
            case "x-amz-security-token":
                return (header.name, "***")
            case "authorization":
                guard let range = header.value.range(of: "Signature=") else { return (header.name, "***") }
                return (header.name, header.value[..<range.upperBound] + "***")
            default:
                return header
            }
        }
    }
}
