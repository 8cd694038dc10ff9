import Foundation

/// The SDKs' retry modes (`retry_mode`, `AWS_RETRY_MODE`).
public enum RetryMode: String, Sendable, Equatable, CaseIterable {
    /// botocore's own: 5 attempts by default, exponential backoff with jitter, no retry quota.
    case legacy
    /// The standard rules of every SDK: 3 attempts, backoff with full jitter capped at 20 s,
    /// and a retry quota that stops retries when most of them fail.
    case standard
    /// Standard, plus a client-side rate limiter that slows sending after throttling answers.
    case adaptive
}

/// How AWS calls are retried, as the SDKs' retry reference describes the modes: which errors
/// are retried, how long to wait, and how many attempts a call gets.
public struct RetryPolicy: Sendable {
    public var mode: RetryMode
    public var maxAttempts: Int
    public var maxBackoff: Duration

    public init(mode: RetryMode = .standard, maxAttempts: Int = 3, maxBackoff: Duration = .seconds(20)) {
        self.mode = mode
        self.maxAttempts = maxAttempts
        self.maxBackoff = maxBackoff
    }

    /// Throttling codes of the standard mode.
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError",
        "ServiceUnavailable",
    ]
    /// Errors that mean the signing clock is off: retried once with the server's clock.
    public static let clockSkewCodes: Set<String> = [
        "RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException", "SignatureDoesNotMatch",
        "AuthFailure", "RequestInTheFuture",
    ]
    static let transientStatuses: Set<Int> = [500, 502, 503, 504]

    /// Why an error is worth another attempt, or nil when it is not.
    public func retryReason(_ error: AWSError) -> String? {
        switch error.kind {
        case .transport:
            return "transient network error \(error.code)"
        case .credentials, .decoding:
            return nil
        case .service:
            if Self.throttlingCodes.contains(error.code) { return "throttled (\(error.code))" }
            if Self.transientCodes.contains(error.code) { return "transient (\(error.code))" }
            if let status = error.status, Self.transientStatuses.contains(status) { return "HTTP \(status)" }
            return nil
        }
    }

    /// A throttling answer: what the adaptive mode's rate limiter reacts to.
    public static func isThrottling(_ error: AWSError) -> Bool {
        error.kind == .service && (throttlingCodes.contains(error.code) || error.status == 429)
    }

    /// Backoff before attempt `attempt + 1` (attempt counts from 1): `random × 2^(attempt-1)` seconds,
    /// at most `maxBackoff`. `random` is in [0, 1), injected so tests are exact.
    public func backoff(afterAttempt attempt: Int, random: Double) -> Duration {
        let base = min(Double(1 << min(attempt - 1, 20)), Double(maxBackoff.components.seconds))
        return .milliseconds(Int((random * base * 1000).rounded(.down)))
    }
}

/// The standard mode's retry quota: a client-wide bucket of 500 tokens. A retry takes 5 (10
/// after a timeout or connection failure); a retried call that then succeeds gives its cost
/// back, a call that succeeds at once gives 1. With the bucket empty a failure is returned
/// without retrying, so an outage is not made worse by every call retrying into it.
public struct RetryQuota: Sendable, Equatable {
    public static let capacity = 500
    public static let retryCost = 5
    public static let timeoutRetryCost = 10
    public static let noRetryIncrement = 1

    public private(set) var available = RetryQuota.capacity

    public init() {}

    /// Takes the cost of one retry after `error`; nil (nothing taken) when the bucket cannot pay.
    public mutating func acquire(after error: AWSError) -> Int? {
        let cost = error.kind == .transport ? Self.timeoutRetryCost : Self.retryCost
        guard available >= cost else { return nil }
        available -= cost
        return cost
    }

    /// A call succeeded; `retryCost` is what its last retry took (nil when it was not retried).
    public mutating func release(retryCost: Int?) {
        available = min(Self.capacity, available + (retryCost ?? Self.noRetryIncrement))
    }
}

/// The adaptive mode's client-side rate limiter, as the SDKs build it: a token bucket that is
/// off until the first throttling answer; then each throttle cuts the allowed send rate to 70 %
/// of the rate measured, and each success lets it grow back along a cubic curve (CUBIC, as in
/// TCP) towards and past the rate at which throttling started. Time is a parameter (seconds
/// on any monotonic scale), so every step is a pure function of its inputs.
public struct AdaptiveRateLimiter: Sendable, Equatable {
    static let beta = 0.7
    static let scaleConstant = 0.4
    static let smoothing = 0.8
    static let minFillRate = 0.5
    static let minCapacity = 1.0

    public private(set) var enabled = false
    /// Sends per second the bucket refills with, once enabled.
    public private(set) var fillRate = 0.0
    var maxCapacity = 0.0
    var capacity = 0.0
    var lastRefill: Double?
    /// The send rate when throttling last started, and when.
    var lastMaxRate = 0.0
    var lastThrottle = 0.0
    var timeWindow = 0.0
    /// Sends per second actually measured, smoothed over half-second buckets.
    public private(set) var measuredRate = 0.0
    var rateBucket = 0.0
    var requestsInBucket = 0

    public init(now: Double) {
        lastThrottle = now
        rateBucket = (now * 2).rounded(.down) / 2
    }

    /// Before each attempt: how long to wait until one token is available (zero while the
    /// limiter is off). The token is taken now; the caller sleeps for the returned time.
    public mutating func acquire(now: Double) -> Duration {
        guard enabled else { return .zero }
        refill(now: now)
        capacity -= 1
        guard capacity < 0 else { return .zero }
        let seconds = -capacity / fillRate
        return .milliseconds(Int((seconds * 1000).rounded(.up)))
    }

    /// After each answer: a throttle lowers the rate (and turns the limiter on); anything else
    /// raises it along the cubic curve, never beyond twice the rate measured.
    public mutating func update(throttled: Bool, now: Double) {
        measure(now: now)
        let newRate: Double
        if throttled {
            let rate = enabled ? min(measuredRate, fillRate) : measuredRate
            lastMaxRate = rate
            timeWindow = Self.window(lastMaxRate)
            lastThrottle = now
            newRate = rate * Self.beta
            enabled = true
        } else {
            timeWindow = Self.window(lastMaxRate)
            newRate = Self.scaleConstant * pow(now - lastThrottle - timeWindow, 3) + lastMaxRate
        }
        setRate(min(newRate, 2 * measuredRate), now: now)
    }

    static func window(_ maxRate: Double) -> Double {
        cbrt(maxRate * (1 - beta) / scaleConstant)
    }

    mutating func measure(now: Double) {
        let bucket = (now * 2).rounded(.down) / 2
        requestsInBucket += 1
        if bucket > rateBucket {
            let current = Double(requestsInBucket) / (bucket - rateBucket)
            measuredRate = current * Self.smoothing + measuredRate * (1 - Self.smoothing)
            requestsInBucket = 0
            rateBucket = bucket
        }
    }

    mutating func refill(now: Double) {
        guard let last = lastRefill else {
            lastRefill = now
            return
        }
        capacity = min(maxCapacity, capacity + (now - last) * fillRate)
        lastRefill = now
    }

    mutating func setRate(_ rate: Double, now: Double) {
        refill(now: now)
        fillRate = max(rate, Self.minFillRate)
        maxCapacity = max(rate, Self.minCapacity)
        capacity = min(capacity, maxCapacity)
    }
}

/// The state of retries: the quota (standard and adaptive) and the rate limiter (adaptive),
/// one of each per service and region — each SDK client (one service, one region) keeps its
/// own, so throttling by RDS in eu-west-1 does not slow S3 or another region.
actor RetryState {
    private var quotas: [String: RetryQuota] = [:]
    private var limiters: [String: AdaptiveRateLimiter] = [:]
    let mode: RetryMode

    init(mode: RetryMode) {
        self.mode = mode
    }

    /// How long to wait before sending (adaptive mode only).
    func beforeSend(_ key: String, now: Double) -> Duration {
        guard mode == .adaptive else { return .zero }
        var limiter = limiters[key] ?? AdaptiveRateLimiter(now: now)
        defer { limiters[key] = limiter }
        return limiter.acquire(now: now)
    }

    /// After each answer; in the adaptive mode, the send rate a throttle lowered the limiter to
    /// (nil otherwise).
    @discardableResult
    func answered(_ key: String, throttled: Bool, now: Double) -> Double? {
        guard mode == .adaptive else { return nil }
        var limiter = limiters[key] ?? AdaptiveRateLimiter(now: now)
        limiter.update(throttled: throttled, now: now)
        limiters[key] = limiter
        return throttled ? limiter.fillRate : nil
    }

    /// The cost taken for a retry after `error`; nil when the quota is spent. The legacy mode has
    /// no quota (cost 0).
    func acquireRetry(_ key: String, after error: AWSError) -> Int? {
        guard mode != .legacy else { return 0 }
        var quota = quotas[key] ?? RetryQuota()
        defer { quotas[key] = quota }
        return quota.acquire(after: error)
    }

    func succeeded(_ key: String, retryCost: Int?) {
        guard mode != .legacy else { return }
        var quota = quotas[key] ?? RetryQuota()
        quota.release(retryCost: retryCost)
        quotas[key] = quota
    }

    func availableQuota(_ key: String) -> Int { quotas[key]?.available ?? RetryQuota.capacity }
}
