import Foundation
import Logging
import MnemondHTTP
import MnemondSigV4

/// Sends AWS API calls: resolves the endpoint, encodes, signs with SigV4, retries in the standard
/// mode, corrects clock skew, and turns every failure into an `AWSError`. Knows no policies.
/// Each service and region gets a fair share of the HTTP client's workers, lowered on
/// throttling (`ConcurrencyShares`).
public final class AWSClient: Sendable {
    public let credentials: any CredentialProvider
    public let endpoints: EndpointResolver
    public let retry: RetryPolicy
    let http: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    let random: @Sendable () -> Double
    let skew = ClockSkew()
    /// The retry quota and the adaptive rate limiter of each service and region.
    let retryState: RetryState
    /// The HTTP workers each service and region may hold: a fair share, halved on throttling
    /// (`ConcurrencyShares`).
    let limiter: ServiceLimiter
    /// API calls made, by IAM service prefix: the daemon records them as samples each cycle.
    public let calls = CallCounter()

    public init(
        credentials: any CredentialProvider, http: HTTPClient, endpoints: EndpointResolver = EndpointResolver(),
        retry: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "mnemond.aws"),
        now: @escaping @Sendable () -> Date = Date.init,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.credentials = credentials
        self.http = http
        self.endpoints = endpoints
        self.retry = retry
        self.logger = logger
        self.now = now
        self.sleep = sleep
        self.random = random
        retryState = RetryState(mode: retry.mode)
        limiter = ServiceLimiter(total: http.configuration.maxConcurrentRequests)
    }

    /// The answers of the collection run this task belongs to, if any (`SharedAnswers`).
    @TaskLocal public static var sharedAnswers: SharedAnswers?

    /// Sends one operation and returns the successful (2xx) answer; throws `AWSError` otherwise.
    /// Retries follow the mode: up to `maxAttempts` attempts with jittered backoff while the
    /// retry quota lasts; in the adaptive mode every attempt first waits for the rate limiter.
    /// Inside a collection run a read another collector asked already is answered from its call.
    public func send(_ operation: AWSOperation, region: String) async throws -> HTTPResponse {
        guard let shared = Self.sharedAnswers, SharedAnswers.isShareable(operation) else {
            return try await sendWithRetries(operation, region: region)
        }
        return try await shared.answer(operation, region: region) {
            try await self.sendWithRetries(operation, region: region)
        }
    }

    private func sendWithRetries(_ operation: AWSOperation, region: String) async throws -> HTTPResponse {
        var attempt = 0
        var skewRetried = false
        var lastRetryCost: Int?
        let key = "\(operation.service.iamPrefix) \(region)"
        while true {
            attempt += 1
            let wait = await retryState.beforeSend(key, now: now().timeIntervalSince1970)
            if wait > .zero {
                logger.debug(
                    "rate limited",
                    metadata: ["action": "\(operation.iamAction)", "attempt": "\(attempt)", "delay_ms": "\(wait.ms)"])
                try await sleep(wait)
            }
            do {
                let response = try await limitedAttempt(operation, region: region, key: key)
                await retryState.answered(key, throttled: false, now: now().timeIntervalSince1970)
                await retryState.succeeded(key, retryCost: lastRetryCost)
                return response
            } catch let error as AWSError {
                if let rate = await retryState.answered(
                    key, throttled: RetryPolicy.isThrottling(error), now: now().timeIntervalSince1970)
                {
                    logger.debug(
                        "send rate lowered",
                        metadata: [
                            "action": "\(error.qualifiedAction)", "region": "\(region)",
                            "rate_per_s": "\((rate * 100).rounded() / 100)",
                        ])
                }
                if error.kind == .service, RetryPolicy.clockSkewCodes.contains(error.code), !skewRetried,
                    let serverDate = error.serverDate
                {
                    // Retry once signed with the server's clock, as the SDKs do; keep the offset for later calls.
                    let offset = serverDate.timeIntervalSince(now())
                    if abs(offset) > 60 {
                        skewRetried = true
                        await skew.set(offset)
                        logger.warning(
                            "clock skew corrected",
                            metadata: ["action": "\(error.qualifiedAction)", "offset_s": "\(Int(offset))"])
                        attempt -= 1
                        continue
                    }
                }
                guard attempt < retry.maxAttempts, let reason = retry.retryReason(error) else { throw error }
                guard let cost = await retryState.acquireRetry(key, after: error) else {
                    logger.warning(
                        "retry quota exhausted",
                        metadata: [
                            "action": "\(error.qualifiedAction)", "attempt": "\(attempt)", "reason": "\(reason)",
                        ])
                    throw error
                }
                lastRetryCost = cost
                let delay = retry.backoff(afterAttempt: attempt, random: random())
                logger.debug(
                    "retrying",
                    metadata: [
                        "action": "\(error.qualifiedAction)", "attempt": "\(attempt)", "reason": "\(reason)",
                        "delay_ms": "\(delay.ms)", "mode": "\(retry.mode.rawValue)",
                    ])
                try await sleep(delay)
            }
        }
    }

    /// A service's share of the HTTP workers in a region: its limit (`aws.max_concurrent_requests`
    /// − 1 at first, halved by each throttling answer, raised by one per that many answers) and
    /// its calls in flight and waiting.
    public func concurrencyShare(_ service: AWSService, region: String) async -> ConcurrencyShares.Share {
        await limiter.share("\(service.iamPrefix) \(region)")
    }

    /// One attempt within the service's share of the HTTP workers: waits for a slot, then sends;
    /// the answer (throttled or not) adjusts the share.
    private func limitedAttempt(_ operation: AWSOperation, region: String, key: String) async throws -> HTTPResponse {
        let epoch = try await limiter.acquire(key)
        do {
            let response = try await attemptOnce(operation, region: region)
            await limiter.release(key, epoch: epoch, outcome: .answered)
            return response
        } catch let error as AWSError {
            let throttled = RetryPolicy.isThrottling(error)
            let outcome: ConcurrencyShares.Outcome =
                throttled ? .throttled : error.kind == .service ? .answered : .failed
            let before = await limiter.limit(key)
            let after = await limiter.release(key, epoch: epoch, outcome: outcome)
            if after < before {
                logger.info(
                    "concurrency lowered after throttling",
                    metadata: [
                        "action": "\(error.qualifiedAction)", "code": "\(error.code)", "region": "\(region)",
                        "limit": "\(after)",
                    ])
            }
            throw error
        } catch {
            await limiter.release(key, epoch: epoch, outcome: .failed)
            throw error
        }
    }

    /// What is left of a service's retry quota in a region (500 when full).
    public func retryQuotaAvailable(_ service: AWSService, region: String) async -> Int {
        await retryState.availableQuota("\(service.iamPrefix) \(region)")
    }

    private func attemptOnce(_ operation: AWSOperation, region: String) async throws -> HTTPResponse {
        let endpoint = endpoints.resolve(operation.service, region: region, bucket: operation.bucket)
        let creds: AWSCredentials
        do {
            creds = try await credentials.credentials()
        } catch {
            throw AWSError(
                kind: .credentials, service: operation.service.iamPrefix, action: operation.action, region: region,
                resource: operation.resource, code: "NoCredentials", message: "\(error)")
        }
        let url = Self.url(endpoint.url, path: operation.path, query: operation.query)
        var headers = operation.headers
        headers.append((name: "User-Agent", value: "mnemond/0.1"))
        let unsigned = SigV4Request(method: operation.method, url: url, headers: headers, body: operation.body)
        let isS3 = operation.service == .s3
        // x-amz-content-sha256 is required by S3 and harmless elsewhere; it also sidesteps a
        // simulator bug that hashes the wrong payload for bodiless rest-json GETs.
        let signer = SigV4Signer(
            service: operation.service.signingName, region: endpoint.signingRegion,
            options: .init(doubleURIEncode: !isS3, normalizePath: !isS3, addContentSHA256Header: true))
        let signingDate = now().addingTimeInterval(await skew.offset)
        let signed = signer.sign(unsigned, credentials: creds.signing, date: signingDate)
        let request = HTTPRequest(method: signed.method, url: signed.url, headers: signed.headers, body: signed.body)
        await calls.record(operation)
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as HTTPError {
            throw AWSError.transport(error, operation: operation, region: region)
        }
        guard (200..<300).contains(response.status) else {
            var error = AWSError.parse(response: response, operation: operation, region: region)
            // Only a skew error uses the server's clock; S3's 404s for a missing replication or
            // lifecycle configuration are a thousand errors a cycle at a thousand buckets.
            if error.kind == .service, RetryPolicy.clockSkewCodes.contains(error.code) {
                error.serverDate = response.header("Date").flatMap(Self.parseHTTPDate)
            }
            throw error
        }
        return response
    }

    /// Joins endpoint, wire path and query. Query values are encoded with the RFC 3986 unreserved
    /// set so that the wire form and the signer's canonical form agree.
    static func url(_ base: URL, path: String, query: [(name: String, value: String?)]) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path.hasPrefix("/") ? path : "/" + path
        if !query.isEmpty {
            text +=
                "?"
                + query.map { item in
                    let name = percentEncode(item.name)
                    guard let value = item.value else { return name }
                    return "\(name)=\(percentEncode(value))"
                }.joined(separator: "&")
        }
        return URL(string: text)!
    }

    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved set (`A–Z a–z 0–9 - _ . ~`), as
/// SigV4 requires: the signer's own encoder, so the wire form and the canonical form agree.
/// (A `CharacterSet` built per call was a tenth of a thousand-bucket cycle's CPU.)
public func percentEncode(_ text: String) -> String {
    SigV4.uriEncode(text, encodeSlash: true)
}

extension Duration {
    /// Whole milliseconds, for log metadata.
    var ms: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// The offset between the local clock and AWS's, learned from a skew error.
actor ClockSkew {
    private(set) var offset: TimeInterval = 0
    func set(_ value: TimeInterval) { offset = value }
}

/// Counts API calls per service for the cycle's samples, and remembers every IAM action used
/// since start (deploy/iam-policy.json must allow each of them).
public actor CallCounter {
    private var counts: [String: Int] = [:]
    private var actions: Set<String> = []
    public init() {}
    func record(_ operation: AWSOperation) {
        counts[operation.service.iamPrefix, default: 0] += 1
        actions.insert(operation.iamAction)
    }
    public func snapshot() -> [String: Int] { counts }
    /// The per-service counts since the last reset, then zero them.
    public func reset() -> [String: Int] {
        defer { counts = [:] }
        return counts
    }
    /// Every IAM action called since the client was made.
    public func iamActions() -> Set<String> { actions }
}
