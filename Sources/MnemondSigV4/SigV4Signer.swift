import Crypto
import Foundation

/// Signs HTTP requests with AWS Signature Version 4 in the `Authorization` header.
///
/// Each step of the algorithm is a public function tested on its own against AWS's published
/// test suite and against vectors produced by botocore's signer (Tests/MnemondSigV4Tests):
///
/// 1. ``addingSigningHeaders(_:credentials:date:)`` — `X-Amz-Date`, `X-Amz-Security-Token`,
///    `X-Amz-Content-SHA256` (when ``Options/addContentSHA256Header``) and `Host`;
/// 2. ``payloadHash(of:)`` and ``signedHeaderNames(of:)``;
/// 3. ``canonicalRequest(_:signedHeaders:payloadHash:)``;
/// 4. ``stringToSign(canonicalRequest:date:)``;
/// 5. ``signingKey(secret:date:region:service:)`` and ``signature(stringToSign:secretAccessKey:date:)``;
/// 6. ``authorization(accessKeyID:date:signedHeaders:signature:)``.
///
/// The date is a parameter: there is no clock in here.
public struct SigV4Signer: Sendable {
    /// The knobs on which services differ. The defaults are what every AWS service except S3
    /// expects; ``s3`` is S3's variant.
    public struct Options: Sendable, Equatable {
        /// URI-encode the (already percent-encoded) wire path once more for the canonical URI.
        /// Every service but S3 expects this (botocore's `SigV4Auth`); S3 signs the wire path as is.
        public var doubleURIEncode: Bool
        /// Remove `.`/`..` segments and collapse `//` before encoding. S3 object keys may contain
        /// those, so S3 signs the path unnormalized.
        public var normalizePath: Bool
        /// Add `X-Amz-Content-SHA256: <hex SHA-256 of the body>` and sign it. S3 requires it; it
        /// is harmless elsewhere.
        public var addContentSHA256Header: Bool

        public init(doubleURIEncode: Bool = true, normalizePath: Bool = true, addContentSHA256Header: Bool = false) {
            self.doubleURIEncode = doubleURIEncode
            self.normalizePath = normalizePath
            self.addContentSHA256Header = addContentSHA256Header
        }

        /// S3's rules (botocore's `S3SigV4Auth`): wire path as is, payload hash header.
        public static let s3 = Options(doubleURIEncode: false, normalizePath: false, addContentSHA256Header: true)
    }

    /// Every intermediate value of one signing, for tests and for diagnosing a
    /// `SignatureDoesNotMatch` (AWS answers with its own canonical request and string to sign).
    /// Holds no secret key, but the session token (in `canonicalRequest` and the headers) and
    /// the signature are replayable for minutes: `description` and reflection mask both.
    public struct Steps: Sendable {
        /// The request with the signing headers added, before `Authorization`.
        public var prepared: SigV4Request
        public var payloadHash: String
        public var signedHeaders: [String]
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var authorization: String
        /// `prepared` plus the `Authorization` header: what goes on the wire.
        public var signedRequest: SigV4Request
    }

    /// The signing name of the service (`monitoring` for CloudWatch, `s3`, `sts`, …).
    public var service: String
    public var region: String
    public var options: Options

    public init(service: String, region: String, options: Options = .init()) {
        self.service = service
        self.region = region
        self.options = options
    }

    /// Returns the request with `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` (when the
    /// credentials carry a session token), `X-Amz-Content-SHA256` (when
    /// ``Options/addContentSHA256Header``) and `Host` (when absent) added. Method, URL and body
    /// are unchanged.
    public func sign(_ request: SigV4Request, credentials: SigV4Credentials, date: Date) -> SigV4Request {
        steps(request, credentials: credentials, date: date).signedRequest
    }

    /// Signs and returns every intermediate value.
    public func steps(_ request: SigV4Request, credentials: SigV4Credentials, date: Date) -> Steps {
        let prepared = addingSigningHeaders(request, credentials: credentials, date: date)
        let payloadHash = Self.payloadHash(of: prepared)
        let signedHeaders = Self.signedHeaderNames(of: prepared)
        let canonical = canonicalRequest(prepared, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let toSign = stringToSign(canonicalRequest: canonical, date: date)
        let signature = signature(stringToSign: toSign, secretAccessKey: credentials.secretAccessKey, date: date)
        let authorization = authorization(
            accessKeyID: credentials.accessKeyID, date: date, signedHeaders: signedHeaders, signature: signature)
        var signed = prepared
        signed.headers.append((name: "Authorization", value: authorization))
        return Steps(
            prepared: prepared, payloadHash: payloadHash, signedHeaders: signedHeaders, canonicalRequest: canonical,
            stringToSign: toSign, signature: signature, authorization: authorization, signedRequest: signed)
    }

    // MARK: - Step 1: headers

    /// Removes any `Authorization` (a retry re-signs) and sets the headers the signature covers.
    /// Existing `X-Amz-Date`, `X-Amz-Security-Token` and `X-Amz-Content-SHA256` are replaced, as
    /// botocore does; a caller's `Host` header is kept.
    public func addingSigningHeaders(_ request: SigV4Request, credentials: SigV4Credentials, date: Date)
        -> SigV4Request
    {
        var prepared = request
        prepared.removeHeaders("Authorization")
        prepared.setHeader("X-Amz-Date", SigV4.amzDate(date))
        if let token = credentials.sessionToken, !token.isEmpty {
            prepared.setHeader("X-Amz-Security-Token", token)
        }
        if options.addContentSHA256Header {
            prepared.setHeader("X-Amz-Content-SHA256", SigV4.sha256Hex(request.body))
        }
        if prepared.headerValue("Host") == nil {
            prepared.headers.append((name: "Host", value: Self.hostHeaderValue(for: request.url)))
        }
        return prepared
    }

    /// The `Host` header for `url`: lowercase host, IPv6 in brackets, port only when not the
    /// scheme's default (botocore's `_host_from_url`), e.g. `127.0.0.1:4566`.
    public static func hostHeaderValue(for url: URL) -> String {
        var host = (url.host(percentEncoded: true) ?? "").lowercased()
        if host.contains(":") { host = "[\(host)]" }
        if let port = url.port {
            let scheme = url.scheme?.lowercased()
            let isDefault = (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
            if !isDefault { host += ":\(port)" }
        }
        return host
    }

    // MARK: - Step 2: payload hash and signed header names

    /// The hex SHA-256 of the body. When the request carries `X-Amz-Content-SHA256`, the server
    /// builds its canonical request with that value, so it is what gets signed (botocore does the
    /// same); ``addingSigningHeaders(_:credentials:date:)`` sets it to the body's hash.
    public static func payloadHash(of request: SigV4Request) -> String {
        request.headerValue("X-Amz-Content-SHA256") ?? SigV4.sha256Hex(request.body)
    }

    /// Headers never signed: hop-by-hop headers a proxy may rewrite, `User-Agent` and
    /// `X-Amzn-Trace-Id` (botocore's `SIGNED_HEADERS_BLACKLIST`), and `Authorization` itself.
    public static let unsignedHeaderNames: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// The lowercase, sorted, de-duplicated names of the headers to sign; always includes `host`.
    public static func signedHeaderNames(of request: SigV4Request) -> [String] {
        var names = Set(request.headers.map { $0.name.lowercased() })
        names.subtract(unsignedHeaderNames)
        names.insert("host")
        return names.sorted(by: SigV4.utf8Precedes)
    }

    // MARK: - Step 3: canonical request

    /// `METHOD \n canonical URI \n canonical query \n canonical headers \n\n signed headers \n payload hash`.
    public func canonicalRequest(_ request: SigV4Request, signedHeaders: [String], payloadHash: String) -> String {
        let names = Set(signedHeaders.map { $0.lowercased() }).sorted(by: SigV4.utf8Precedes)
        return [
            request.method.uppercased(),
            canonicalURI(request.url),
            Self.canonicalQueryString(request.url.query(percentEncoded: true)),
            Self.canonicalHeaders(request, signedHeaders: names) + "\n",
            names.joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
    }

    /// The canonical URI of the wire path. Non-S3: normalized, then URI-encoded again (so `%3A`
    /// signs as `%253A`). S3: the wire path as is. An empty path is `/`.
    public func canonicalURI(_ url: URL) -> String {
        var path = url.path(percentEncoded: true)
        if options.normalizePath { path = Self.normalizedPath(path) }
        if path.isEmpty { path = "/" }
        return options.doubleURIEncode ? SigV4.uriEncode(path, encodeSlash: false) : path
    }

    /// Removes `.` and `..` segments (RFC 3986 §5.2.4) and empty segments (AWS collapses `//`),
    /// keeping the leading `/` and a trailing `/` when anything is left, as botocore does:
    /// `//example//` → `/example/`, `/example/..` → `/`.
    public static func normalizedPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                if !segments.isEmpty { segments.removeLast() }
            } else {
                segments.append(segment)
            }
        }
        let leading = path.hasPrefix("/") ? "/" : ""
        let trailing = path.hasSuffix("/") && !segments.isEmpty ? "/" : ""
        return leading + segments.joined(separator: "/") + trailing
    }

    /// Splits the raw query on `&` and the first `=`, percent-decodes each name and value,
    /// re-encodes them with the unreserved set and sorts by encoded name, then value. A name
    /// without `=` (S3's `?lifecycle`) signs as `lifecycle=`. Empty components (`a=1&&b=2`) are
    /// dropped.
    public static func canonicalQueryString(_ rawQuery: String?) -> String {
        guard let rawQuery, !rawQuery.isEmpty else { return "" }
        let pairs = rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { component in
            let name: Substring
            let value: Substring
            if let equals = component.firstIndex(of: "=") {
                name = component[..<equals]
                value = component[component.index(after: equals)...]
            } else {
                name = component
                value = ""
            }
            return (
                name: SigV4.uriEncode(bytes: SigV4.percentDecode(name), encodeSlash: true),
                value: SigV4.uriEncode(bytes: SigV4.percentDecode(value), encodeSlash: true)
            )
        }
        return pairs.sorted { a, b in
            a.name == b.name ? SigV4.utf8Precedes(a.value, b.value) : SigV4.utf8Precedes(a.name, b.name)
        }
        .map { "\($0.name)=\($0.value)" }
        .joined(separator: "&")
    }

    /// One `name:value` line per signed header, in the order of `signedHeaders` (which must be
    /// lowercase and sorted). Values are trimmed and inner whitespace runs (including folded
    /// lines) become one space; repeated headers join with `,` in wire order. A missing `host`
    /// is derived from the URL.
    public static func canonicalHeaders(_ request: SigV4Request, signedHeaders: [String]) -> String {
        var values: [String: [String]] = [:]
        for header in request.headers {
            values[header.name.lowercased(), default: []].append(trimAll(header.value))
        }
        if values["host"] == nil { values["host"] = [hostHeaderValue(for: request.url)] }
        return signedHeaders.map { name in
            "\(name):" + (values[name] ?? []).joined(separator: ",")
        }.joined(separator: "\n")
    }

    /// Splits on Unicode whitespace and joins with one space: botocore's `' '.join(value.split())`.
    /// A value of printable ASCII without white space (dates, hosts, hashes: nearly every header
    /// of every request) is already that and is returned as is, without the character view.
    static func trimAll(_ value: String) -> String {
        if value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return value }
        return value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    // MARK: - Step 4: string to sign

    /// `date/region/service/aws4_request`.
    public func credentialScope(date: Date) -> String {
        "\(SigV4.dateStamp(date))/\(region)/\(service)/aws4_request"
    }

    /// `AWS4-HMAC-SHA256 \n X-Amz-Date \n credential scope \n hex SHA-256 of the canonical request`.
    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        [SigV4.algorithm, SigV4.amzDate(date), credentialScope(date: date), SigV4.sha256Hex(canonicalRequest)]
            .joined(separator: "\n")
    }

    // MARK: - Step 5: signing key and signature

    /// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, YYYYMMDD), region), service), "aws4_request")`.
    public static func signingKey(secret: String, date: Date, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secret)".utf8))
        for part in [SigV4.dateStamp(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key))
        }
        return key
    }

    /// Lowercase hex HMAC-SHA256 of the string to sign under `signingKey`.
    public static func signature(stringToSign: String, signingKey: SymmetricKey) -> String {
        SigV4.hex(Array(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey)))
    }

    /// The signature for this signer's region and service. The signing key depends only on
    /// the secret, the day, the region and the service: it is derived once per day and kept
    /// (in memory only) instead of four HMACs for every request.
    public func signature(stringToSign: String, secretAccessKey: String, date: Date) -> String {
        let key = SigningKeyCache.shared.key(secret: secretAccessKey, date: date, region: region, service: service)
        return Self.signature(stringToSign: stringToSign, signingKey: key)
    }

    // MARK: - Step 6: Authorization header

    /// `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex`.
    public func authorization(accessKeyID: String, date: Date, signedHeaders: [String], signature: String) -> String {
        let names = Set(signedHeaders.map { $0.lowercased() }).sorted(by: SigV4.utf8Precedes)
        return "\(SigV4.algorithm) Credential=\(accessKeyID)/\(credentialScope(date: date)), "
            + "SignedHeaders=\(names.joined(separator: ";")), Signature=\(signature)"
    }
}

extension SigV4Signer.Steps: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The canonical request with the `x-amz-security-token` value masked, and the string to
    /// sign: what to compare with AWS's answer to a `SignatureDoesNotMatch`.
    public var description: String {
        "SigV4Signer.Steps(canonicalRequest: \(String(reflecting: maskedCanonicalRequest)), "
            + "stringToSign: \(String(reflecting: stringToSign)), signedHeaders: \(signedHeaders.joined(separator: ";")), "
            + "payloadHash: \(payloadHash), signature: ***)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "canonicalRequest": maskedCanonicalRequest,
                "stringToSign": stringToSign,
                "signedHeaders": signedHeaders,
                "payloadHash": payloadHash,
                "signature": "***",
                "signedRequest": signedRequest,
            ],
            displayStyle: .struct)
    }

    private var maskedCanonicalRequest: String {
        canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("x-amz-security-token:") ? "x-amz-security-token:***" : String(line)
        }.joined(separator: "\n")
    }
}

/// Signing keys by secret, day, region and service. Bounded: a daemon signs for a handful of
/// regions and services with one or a few secrets; when it holds more than `limit` keys (new
/// days, rotated credentials) it starts over.
final class SigningKeyCache: @unchecked Sendable {
    // @unchecked: `keys` is only touched under `lock`.
    static let shared = SigningKeyCache()
    static let limit = 256

    private struct Scope: Hashable {
        var secret: String
        var day: String
        var region: String
        var service: String
    }

    private let lock = NSLock()
    private var keys: [Scope: SymmetricKey] = [:]

    func key(secret: String, date: Date, region: String, service: String) -> SymmetricKey {
        let scope = Scope(secret: secret, day: SigV4.dateStamp(date), region: region, service: service)
        if let key = lock.withLock({ keys[scope] }) { return key }
        let key = SigV4Signer.signingKey(secret: secret, date: date, region: region, service: service)
        lock.withLock {
            if keys.count >= Self.limit { keys.removeAll() }
            keys[scope] = key
        }
        return key
    }
}
