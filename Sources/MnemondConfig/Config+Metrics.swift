import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// `metrics:`: the Prometheus exposition over HTTP, for where no node_exporter runs beside
/// mnemond (Kubernetes). Off unless set.
extension Config {
    public struct Metrics: Sendable, Equatable {
        /// Where `mnemond run` serves `GET /metrics`.
        public var listen: ListenAddress
    }

    /// An IP address literal and a port: `127.0.0.1:9464`, `[::1]:9464`, `0.0.0.0:9464`. No host
    /// names: the address is bound at start, before any name service is worth trusting.
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        /// The address without brackets (`127.0.0.1`, `::1`).
        public var host: String
        public var port: Int
        public var isIPv6: Bool { host.contains(":") }
        public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// Reads `host:port`, or says why it is not one.
        public static func parse(_ text: String) -> Result<ListenAddress, ListenAddressError> {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ListenAddressError(reason: "no port"))
            }
            var host = String(text[..<colon])
            let portText = text[text.index(after: colon)...]
            if host.hasPrefix("[") && host.hasSuffix("]") {
                host = String(host.dropFirst().dropLast())
                guard host.contains(":") else { return .failure(ListenAddressError(reason: "not an IPv6 address")) }
            } else if host.contains(":") {
                return .failure(ListenAddressError(reason: "an IPv6 address goes in brackets, [::1]:9464"))
            }
            var buffer = in6_addr()
            let family = host.contains(":") ? AF_INET6 : AF_INET
            guard !host.isEmpty, inet_pton(family, host, &buffer) == 1 else {
                return .failure(ListenAddressError(reason: "\(shown(host)) is not an IP address"))
            }
            guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
                let port = Int(portText), (1...65535).contains(port)
            else {
                return .failure(ListenAddressError(reason: "port must be a number from 1 to 65535"))
            }
            return .success(ListenAddress(host: host, port: port))
        }
    }

    public struct ListenAddressError: Error, Sendable, Equatable {
        public var reason: String
    }

    static func parseMetrics(_ node: Node?, reader: YAMLReader) throws(ConfigError) -> Metrics? {
        guard let node else { return nil }
        let m = try reader.mapping(node, at: "metrics", allowed: ["listen"])
        let listenNode = try m.required("listen")
        let text = try reader.string(listenNode, at: "metrics.listen")
        switch ListenAddress.parse(text) {
        case .success(let address):
            return Metrics(listen: address)
        case .failure(let error):
            throw reader.error(
                listenNode,
                "metrics.listen must be an IP address and port such as 127.0.0.1:9464 or [::1]:9464 (\(error.reason)), found \(shown(text))"
            )
        }
    }
}
