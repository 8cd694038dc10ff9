import Foundation

/// The SDKs' "standard" retry mode: up to 3 attempts, exponential backoff with full jitter
/// capped at 20 s, retrying throttling, transient and 5xx errors — never other 4xx answers.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var maxBackoff: Duration

    public init(maxAttempts: Int = 3, maxBackoff: Duration = .seconds(20)) {
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

    /// Backoff before attempt `attempt + 1` (attempt counts from 1): `random × 2^(attempt-1)` seconds,
    /// at most `maxBackoff`. `random` is in [0, 1), injected so tests are exact.
    public func backoff(afterAttempt attempt: Int, random: Double) -> Duration {
        let base = min(Double(1 << min(attempt - 1, 20)), Double(maxBackoff.components.seconds))
        return .milliseconds(Int((random * base * 1000).rounded(.down)))
    }
}
