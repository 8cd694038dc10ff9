import Foundation

/// The proxies of the environment, read the way the AWS CLI (Python's urllib) reads them:
/// `http_proxy`/`HTTP_PROXY` for http:// URLs, `https_proxy`/`HTTPS_PROXY` for https:// URLs
/// (the lower-case name wins when both are set), `all_proxy`/`ALL_PROXY` for either when its own
/// is unset, `no_proxy`/`NO_PROXY` for hosts to reach
/// directly. libcurl alone ignores upper-case `HTTP_PROXY` (a CGI precaution), so the transport
/// sets the proxy on every request itself instead of leaving it to curl's environment lookup.
///
/// A proxy URL may carry `user:password@`: `description` never shows it.
public struct ProxySettings: Sendable, Equatable, CustomStringConvertible {
    public var http: String?
    public var https: String?
    /// curl's `CURLOPT_NOPROXY` syntax, the same as the variable's: comma-separated host names,
    /// domain suffixes, IP addresses (CIDR ranges too), or `*` for every host.
    public var noProxy: String?

    public init(http: String? = nil, https: String? = nil, noProxy: String? = nil) {
        self.http = http
        self.https = https
        self.noProxy = noProxy
    }

    public init(environment: [String: String]) {
        func value(_ name: String) -> String? {
            for key in [name.lowercased(), name.uppercased()] {
                if let value = environment[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
            }
            return nil
        }
        let all = value("all_proxy")
        self.init(http: value("http_proxy") ?? all, https: value("https_proxy") ?? all, noProxy: value("no_proxy"))
    }

    /// The proxy for a request to `url`, or nil to connect directly (`NO_PROXY` is applied by
    /// curl against the host).
    public func proxy(for url: URL) -> String? {
        url.scheme?.lowercased() == "https" ? https : http
    }

    /// Parts of a proxy URL that must not reach a message or a log: its password and user.
    public var secrets: [String] {
        [http, https].compactMap { $0 }.flatMap { text -> [String] in
            guard let components = URLComponents(string: text.contains("://") ? text : "http://" + text) else {
                return []
            }
            return [components.password, components.percentEncodedPassword, components.user].compactMap { $0 }
                .filter { !$0.isEmpty }
        }
    }

    public var description: String {
        func redacted(_ text: String?) -> String {
            guard let text else { return "none" }
            guard var components = URLComponents(string: text.contains("://") ? text : "http://" + text) else {
                return "(unparsable)"
            }
            if components.user != nil || components.password != nil {
                components.user = "***"
                components.password = nil
            }
            return components.string ?? "(unparsable)"
        }
        return "http \(redacted(http)), https \(redacted(https)), no_proxy \(noProxy ?? "none")"
    }
}
