import Foundation

/// When to try a failed delivery again, and when to give up.
public struct DeliveryPolicy: Sendable, Equatable {
    /// Delay after the first failure; doubles after each further one.
    public var initialBackoff: Duration
    /// The doubling stops here.
    public var maxBackoff: Duration
    /// A message still undelivered this long after it was queued is dead-lettered: kept, shown in
    /// `mnemond status`, no longer retried.
    public var deadLetterAfter: Duration
    /// A `Retry-After` longer than this is capped (a broken receiver must not park alerts for days).
    public var maxRetryAfter: Duration
    /// How long a claimed row is reserved for one sender; a sender killed mid-send releases it
    /// when the lease ends. Longer than one HTTP request may take.
    public var lease: Duration

    public init(
        initialBackoff: Duration = .seconds(5), maxBackoff: Duration = .seconds(600),
        deadLetterAfter: Duration = .seconds(24 * 3600), maxRetryAfter: Duration = .seconds(3600),
        lease: Duration = .seconds(90)
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.deadLetterAfter = deadLetterAfter
        self.maxRetryAfter = maxRetryAfter
        self.lease = lease
    }

    /// Exponential backoff with "equal jitter": the capped exponential delay `d` for this attempt,
    /// then a uniformly random point in [d/2, d]. Never zero (retries never spin), never above the
    /// cap, and concurrent senders spread out. `random` is in [0, 1).
    public func backoff(afterAttempt attempt: Int, random: Double) -> Duration {
        let initial = initialBackoff.seconds
        let exponent = Double(max(0, min(attempt - 1, 30)))
        let capped = min(maxBackoff.seconds, initial * pow(2, exponent))
        let jittered = capped / 2 + capped / 2 * min(max(random, 0), 1)
        return .milliseconds(Int64((jittered * 1000).rounded()))
    }

    /// The delay before the next attempt: the receiver's `Retry-After` when it gave one (capped),
    /// else the backoff.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        if let retryAfter { return min(retryAfter, maxRetryAfter) }
        return backoff(afterAttempt: attempt, random: random)
    }
}
