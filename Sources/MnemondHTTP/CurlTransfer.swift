import CCurlShim
import Foundation

/// What one transfer collects from curl's callbacks. Lives on the worker's queue only;
/// callbacks reach it through an unretained `Unmanaged` pointer for the duration of
/// curl_easy_perform.
private final class TransferState {
    var body = Data()
    /// Bytes beyond this fail the transfer (the write callback refuses them).
    var maxBodyBytes = Int.max
    var bodyTooLarge = false
    var headers: [(name: String, value: String)] = []
    let upload: UnsafeMutableRawBufferPointer
    let uploadLength: Int
    var uploadOffset = 0
    let cancellation: CancellationFlag
    let errorBuffer: UnsafeMutablePointer<CChar>

    init(upload data: Data, cancellation: CancellationFlag) {
        // A private copy: its address must stay valid and non-null (even when empty) while curl
        // reads it, which CURLOPT_POSTFIELDS does not copy.
        upload = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
        upload.initializeMemory(as: UInt8.self, repeating: 0)
        data.copyBytes(to: upload.bindMemory(to: UInt8.self), count: data.count)
        uploadLength = data.count
        self.cancellation = cancellation
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        upload.deallocate()
        errorBuffer.deallocate()
    }

    var errorText: String { String(cString: errorBuffer) }

    /// One header line from curl (status lines and the blank end-of-block line included).
    /// A status line starts a new response: after a 100 Continue, a proxy CONNECT or a
    /// redirect only the final response's headers remain.
    func addHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        // Read as bytes: every header of every answer comes through here, and a String's
        // character view (grapheme breaking) cost 3 % of a 1,000-bucket cycle.
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0D || bytes[end - 1] == 0x0A { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: bytes[..<end])
        if line.starts(with: "HTTP/".utf8) {
            headers.removeAll()
        } else if let first = line.first, first == 0x20 || first == 0x09, let last = headers.indices.last {
            headers[last].value += " " + owsTrimmed(line)  // obsolete folding
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            headers.append(
                (
                    name: owsTrimmed(UnsafeRawBufferPointer(rebasing: line[..<colon])),
                    value: owsTrimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
                ))
        }
    }
}

/// Without the optional white space HTTP allows around a field name and value (RFC 9110
/// §5.6.3: spaces and horizontal tabs).
func trimmingOWS(_ text: Substring) -> String {
    var text = text
    return text.withUTF8 { owsTrimmed(UnsafeRawBufferPointer($0)) }
}

/// The bytes without the spaces and tabs around them, as a String.
func owsTrimmed(_ bytes: UnsafeRawBufferPointer) -> String {
    func isOWS(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    guard let first = bytes.firstIndex(where: { !isOWS($0) }) else { return "" }
    let last = bytes.lastIndex(where: { !isOWS($0) })!
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[first...last]), as: UTF8.self)
}

/// The options and the perform call of one HTTP request or one mail, on a handle owned by a
/// `CurlWorker`. Every transfer starts and ends with curl_easy_reset so no option (or pointer
/// into freed memory) survives into the next one, while the handle's connections do.
enum CurlTransfer {
    /// Failure of a curl call, before it is turned into an `HTTPError` with method and host.
    struct Failure: Error {
        var code: CURLcode
        var what: String
    }

    static func http(
        _ easy: UnsafeMutableRawPointer, _ request: HTTPRequest, _ configuration: HTTPClientConfiguration,
        _ cancellation: CancellationFlag
    ) throws -> HTTPResponse {
        let method = request.method
        try validate(request)
        let state = TransferState(upload: request.body, cancellation: cancellation)
        state.maxBodyBytes = configuration.maxResponseBytes
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        begin(easy)
        defer { begin(easy) }

        let code: CURLcode
        do {
            try common(easy, state, url: request.url, protocols: "http,https", configuration)
            // The proxy is set here, never left to curl's own lookup: curl ignores upper-case
            // HTTP_PROXY, which the AWS CLI honours. An empty string means "no proxy".
            try set(easy, CURLOPT_PROXY, configuration.proxy.proxy(for: request.url) ?? "")
            if let noProxy = configuration.proxy.noProxy { try set(easy, CURLOPT_NOPROXY, noProxy) }
            try set(easy, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout ?? configuration.requestTimeout))
            try set(easy, CURLOPT_FOLLOWLOCATION, 0)
            try set(easy, CURLOPT_TCP_KEEPALIVE, 1)
            try set(easy, CURLOPT_USERAGENT, configuration.userAgent)
            try setCallbacks(easy, state, upload: false)

            let sendsBody = method == "POST" || method == "PUT" || method == "PATCH" || !request.body.isEmpty
            switch method {
            case "HEAD": try set(easy, CURLOPT_NOBODY, 1)
            case "GET" where !sendsBody: try set(easy, CURLOPT_HTTPGET, 1)
            default:
                if sendsBody {
                    // POST mode sends the bytes with Content-Length (no chunking) for any
                    // method; CUSTOMREQUEST then puts the real method on the request line.
                    try set(easy, CURLOPT_POST, 1)
                    try check(
                        ccurl_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)),
                        "POSTFIELDSIZE")
                    try check(ccurl_setopt_pointer(easy, CURLOPT_POSTFIELDS, state.upload.baseAddress), "POSTFIELDS")
                }
                if method != "POST" { try set(easy, CURLOPT_CUSTOMREQUEST, method) }
            }

            var lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
            let names = Set(request.headers.map { $0.name.lowercased() })
            // "Expect:" stops curl from waiting for 100 Continue on larger bodies; an empty
            // "Content-Type:" stops it from inventing application/x-www-form-urlencoded.
            if !names.contains("expect") { lines.append("Expect:") }
            if sendsBody && !names.contains("content-type") { lines.append("Content-Type:") }
            for line in lines {
                guard let appended = curl_slist_append(headerList, line) else {
                    throw Failure(code: CURLE_OUT_OF_MEMORY, what: "curl_slist_append")
                }
                headerList = appended
            }
            try check(ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "HTTPHEADER")
            code = curl_easy_perform(easy)
        } catch let failure as Failure {
            throw error(
                failure.code, method: method, url: request.url, text: failure.what,
                secrets: secrets(request.url) + configuration.proxy.secrets)
        }

        guard code == CURLE_OK else {
            if code == CURLE_ABORTED_BY_CALLBACK && cancellation.isCancelled { throw CancellationError() }
            let text =
                state.bodyTooLarge
                ? "response body larger than \(configuration.maxResponseBytes) bytes; refused" : state.errorText
            throw error(
                code, method: method, url: request.url, text: text,
                secrets: secrets(request.url) + configuration.proxy.secrets)
        }
        var status = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: state.headers, body: state.body)
    }

    static func mail(
        _ easy: UnsafeMutableRawPointer, _ message: MailMessage, _ smtp: SMTPConfiguration,
        _ configuration: HTTPClientConfiguration, _ cancellation: CancellationFlag
    ) throws {
        let secrets = secrets(smtp.url) + [smtp.password ?? ""]
        try validate(message, smtp)
        let state = TransferState(upload: message.rfc822, cancellation: cancellation)
        var recipients: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipients) }
        begin(easy)
        defer { begin(easy) }

        let code: CURLcode
        do {
            try common(easy, state, url: smtp.url, protocols: "smtp,smtps", configuration)
            try set(easy, CURLOPT_TIMEOUT_MS, milliseconds(smtp.timeout))
            let useSSL = smtp.requireTLS ? CURLUSESSL_ALL : CURLUSESSL_TRY
            try set(easy, CURLOPT_USE_SSL, Int(useSSL.rawValue))
            if let username = smtp.username { try set(easy, CURLOPT_USERNAME, username) }
            if let password = smtp.password { try set(easy, CURLOPT_PASSWORD, password) }
            try set(easy, CURLOPT_MAIL_FROM, angleAddress(message.from))
            for recipient in message.recipients {
                guard let appended = curl_slist_append(recipients, angleAddress(recipient)) else {
                    throw Failure(code: CURLE_OUT_OF_MEMORY, what: "curl_slist_append")
                }
                recipients = appended
            }
            try check(ccurl_setopt_slist(easy, CURLOPT_MAIL_RCPT, recipients), "MAIL_RCPT")
            try set(easy, CURLOPT_UPLOAD, 1)
            try check(
                ccurl_setopt_off_t(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.rfc822.count)), "INFILESIZE")
            try setCallbacks(easy, state, upload: true)
            code = curl_easy_perform(easy)
        } catch let failure as Failure {
            throw error(failure.code, method: "SMTP", url: smtp.url, text: failure.what, secrets: secrets)
        }
        guard code == CURLE_OK else {
            if code == CURLE_ABORTED_BY_CALLBACK && cancellation.isCancelled { throw CancellationError() }
            var reply = 0
            _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &reply)
            throw error(code, method: "SMTP", url: smtp.url, text: state.errorText, secrets: secrets, reply: reply)
        }
    }

    // MARK: - Options shared by both transfers

    /// Reset the handle to defaults (connections, DNS and TLS session caches stay) and turn
    /// signals off again: timeouts must not use SIGALRM in a multi-threaded process.
    private static func begin(_ easy: UnsafeMutableRawPointer) {
        curl_easy_reset(easy)
        _ = ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
    }

    /// URL, allowed protocols, TLS verification, connect timeout, error buffer, cancellation.
    /// HTTP requests set their proxy from `ProxySettings`; mail is left to curl's environment.
    private static func common(
        _ easy: UnsafeMutableRawPointer, _ state: TransferState, url: URL, protocols: String,
        _ configuration: HTTPClientConfiguration
    ) throws {
        try check(ccurl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, state.errorBuffer), "ERRORBUFFER")
        try set(easy, CURLOPT_URL, url.absoluteString)
        try set(easy, CURLOPT_PROTOCOLS_STR, protocols)
        try set(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout))
        try set(easy, CURLOPT_SSL_VERIFYPEER, configuration.verifyTLS ? 1 : 0)
        try set(easy, CURLOPT_SSL_VERIFYHOST, configuration.verifyTLS ? 2 : 0)
        if let caBundlePath = configuration.caBundlePath { try set(easy, CURLOPT_CAINFO, caBundlePath) }
    }

    private static func setCallbacks(
        _ easy: UnsafeMutableRawPointer, _ state: TransferState, upload: Bool
    ) throws {
        let context = Unmanaged.passUnretained(state).toOpaque()
        try check(
            ccurl_setopt_write_function(easy, CURLOPT_WRITEFUNCTION) { buffer, size, count, context in
                let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                if length > state.maxBodyBytes - state.body.count {
                    state.bodyTooLarge = true
                    return 0  // curl stops with CURLE_WRITE_ERROR
                }
                if let buffer, length > 0 {
                    state.body.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: length)
                }
                return length
            }, "WRITEFUNCTION")
        try check(ccurl_setopt_pointer(easy, CURLOPT_WRITEDATA, context), "WRITEDATA")
        try check(
            ccurl_setopt_write_function(easy, CURLOPT_HEADERFUNCTION) { buffer, size, count, context in
                let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                if let buffer { state.addHeaderLine(UnsafeRawBufferPointer(start: buffer, count: length)) }
                return length
            }, "HEADERFUNCTION")
        try check(ccurl_setopt_pointer(easy, CURLOPT_HEADERDATA, context), "HEADERDATA")
        if upload {
            try check(
                ccurl_setopt_read_function(easy) { buffer, size, count, context in
                    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
                    guard let buffer else { return 0 }
                    let length = min(size * count, state.uploadLength - state.uploadOffset)
                    guard length > 0 else { return 0 }
                    UnsafeMutableRawPointer(buffer).copyMemory(
                        from: state.upload.baseAddress! + state.uploadOffset, byteCount: length)
                    state.uploadOffset += length
                    return length
                }, "READFUNCTION")
            try check(ccurl_setopt_pointer(easy, CURLOPT_READDATA, context), "READDATA")
        }
        try check(
            ccurl_setopt_xferinfo_function(easy) { context, _, _, _, _ in
                let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
                return state.cancellation.isCancelled ? 1 : 0
            }, "XFERINFOFUNCTION")
        try check(ccurl_setopt_pointer(easy, CURLOPT_XFERINFODATA, context), "XFERINFODATA")
        try set(easy, CURLOPT_NOPROGRESS, 0)
    }

    // MARK: - Helpers

    private static func set(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ value: Int) throws {
        try check(ccurl_setopt_long(easy, option, value), "option \(option.rawValue)")
    }

    private static func set(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ value: String) throws {
        // curl copies string options (since 7.17), so the C string need not outlive the call.
        try check(value.withCString { ccurl_setopt_string(easy, option, $0) }, "option \(option.rawValue)")
    }

    private static func check(_ code: CURLcode, _ what: @autoclosure () -> String) throws {
        guard code == CURLE_OK else {
            throw Failure(code: code, what: "setting \(what()): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    /// curl treats 0 as "no timeout": never let a tiny Duration round down to it.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int(max(1, min(total, Int64(Int32.max))))
    }

    private static func angleAddress(_ address: String) -> String {
        address.hasPrefix("<") ? address : "<\(address)>"
    }

    /// Parts of a URL that must not reach a message: the query (presigned URLs carry
    /// credentials there) and a password in the user-info.
    private static func secrets(_ url: URL) -> [String] {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        return [components?.percentEncodedQuery ?? "", components?.query ?? "", url.password ?? ""]
    }

    private static func error(
        _ code: CURLcode, method: String, url: URL, text: String, secrets: [String], reply: Int = 0
    ) -> HTTPError {
        let curlCode = Int(code.rawValue)
        let message = text.isEmpty ? String(cString: curl_easy_strerror(code)) : text
        let (kind, transient) = HTTPError.classify(curlCode: curlCode, protocolStatus: reply)
        var redacted = HTTPError.redact(message, secrets: secrets)
        if reply > 0 && method == "SMTP" && !redacted.contains("\(reply)") { redacted += " (server replied \(reply))" }
        return HTTPError(
            kind: kind, method: method, host: HTTPError.hostLabel(url), curlCode: curlCode, message: redacted,
            isTransient: transient)
    }

    // MARK: - Validation: refuse what curl would send as something else

    /// RFC 9110 token characters, the only ones allowed in a method or header name.
    private static let tokenCharacters = Set(
        "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// By bytes: "\r\n" is one Character in Swift, equal to neither "\r" nor "\n".
    private static func hasLineBreak(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    private static func validate(_ request: HTTPRequest) throws {
        func invalid(_ message: String) -> HTTPError { .invalidRequest(request.method, request.url, message) }
        guard !request.method.isEmpty, request.method.allSatisfy(tokenCharacters.contains) else {
            throw invalid("invalid method")
        }
        guard let scheme = request.url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw invalid("URL scheme must be http or https")
        }
        if request.method == "HEAD" && !request.body.isEmpty { throw invalid("HEAD request with a body") }
        for header in request.headers {
            guard !header.name.isEmpty, header.name.allSatisfy(tokenCharacters.contains) else {
                throw invalid("invalid header name \"\(header.name)\"")
            }
            // The value is not quoted: it may be a credential.
            guard !hasLineBreak(header.value) else {
                throw invalid("header \(header.name) has a line break in its value")
            }
        }
    }

    private static func validate(_ message: MailMessage, _ smtp: SMTPConfiguration) throws {
        func invalid(_ text: String) -> HTTPError { .invalidRequest("SMTP", smtp.url, text) }
        guard let scheme = smtp.url.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps" else {
            throw invalid("URL scheme must be smtp or smtps")
        }
        guard !message.recipients.isEmpty else { throw invalid("no recipients") }
        for address in [message.from] + message.recipients where hasLineBreak(address) {
            throw invalid("address with a line break")
        }
    }
}
