import Foundation

/// A request that got no HTTP response (or a mail that was not accepted), as curl reported it.
///
/// The description names the method, `host:port` and curl's own error text, never the URL's
/// query, a header value or a password: queries may carry presigned credentials and this text
/// ends up in logs and alerts.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        case timeout, connect, resolve, tls, sendRecv, other

        public var description: String {
            switch self {
            case .timeout: "timeout"
            case .connect: "connect"
            case .resolve: "resolve"
            case .tls: "tls"
            case .sendRecv: "send/recv"
            case .other: "other"
            }
        }
    }

    public var kind: Kind
    /// `GET`, `PUT`, …, or `SMTP` for mail.
    public var method: String
    /// `host` or `host:port` as written in the URL.
    public var host: String
    /// The `CURLcode`, 0 when the error was found before curl ran (invalid request, shut down).
    public var curlCode: Int
    /// curl's error text (CURLOPT_ERRORBUFFER, else curl_easy_strerror), secrets redacted.
    public var message: String
    /// Worth retrying: timeouts, refused or reset connections, receive errors, DNS failures,
    /// SMTP 4xx answers. Not: certificate problems, bad URLs, login denied, SMTP 5xx answers.
    public var isTransient: Bool

    public init(kind: Kind, method: String, host: String, curlCode: Int, message: String, isTransient: Bool) {
        self.kind = kind
        self.method = method
        self.host = host
        self.curlCode = curlCode
        self.message = message
        self.isTransient = isTransient
    }

    public var description: String {
        let code = curlCode == 0 ? "" : " (curl \(curlCode))"
        return "\(method) \(host): \(kind): \(message)\(code)"
    }
}

extension HTTPError {
    /// Kind and transience of a failed transfer. `protocolStatus` is the last SMTP reply code
    /// (CURLINFO_RESPONSE_CODE), 0 for HTTP or when none was received.
    ///
    /// Codes are libcurl's CURLcode values (curl/curl.h), listed by number so this table reads
    /// against `man libcurl-errors`.
    static func classify(curlCode: Int, protocolStatus: Int = 0) -> (kind: Kind, isTransient: Bool) {
        switch curlCode {
        case 28: return (.timeout, true)  // OPERATION_TIMEDOUT
        case 7: return (.connect, true)  // COULDNT_CONNECT (refused, unreachable)
        case 5, 6: return (.resolve, true)  // COULDNT_RESOLVE_PROXY / _HOST: DNS blips pass
        case 35: return (.tls, true)  // SSL_CONNECT_ERROR: often a reset during the handshake
        case 58, 59, 60, 64, 66, 77, 80, 83, 90, 91, 98:
            // SSL_CERTPROBLEM, SSL_CIPHER, PEER_FAILED_VERIFICATION, USE_SSL_FAILED,
            // SSL_ENGINE_INITFAILED, SSL_CACERT_BADFILE, SSL_SHUTDOWN_FAILED, SSL_ISSUER_ERROR,
            // SSL_PINNEDPUBKEYNOTMATCH, SSL_INVALIDCERTSTATUS, SSL_CLIENTCERT
            return (.tls, false)
        case 16, 18, 52, 55, 56, 92:
            // HTTP2, PARTIAL_FILE, GOT_NOTHING (stale keep-alive), SEND_ERROR, RECV_ERROR,
            // HTTP2_STREAM. curl also reports SMTP rejections as SEND/RECV errors: the reply
            // code tells a temporary (4xx) from a permanent (5xx) refusal.
            return (.sendRecv, protocolStatus < 500)
        default: return (.other, false)
        }
    }

    /// Replaces every occurrence of a secret with `***`.
    static func redact(_ text: String, secrets: [String]) -> String {
        secrets.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// `host` or `host:port` of a URL, for messages.
    static func hostLabel(_ url: URL) -> String {
        let host = url.host ?? "?"
        guard let port = url.port else { return host }
        return "\(host):\(port)"
    }

    static func invalidRequest(_ method: String, _ url: URL, _ message: String) -> HTTPError {
        HTTPError(kind: .other, method: method, host: hostLabel(url), curlCode: 0, message: message, isTransient: false)
    }

    static func shutDown(_ method: String, _ url: URL) -> HTTPError {
        HTTPError(
            kind: .other, method: method, host: hostLabel(url), curlCode: 0,
            message: "HTTP client is shut down", isTransient: false)
    }
}
