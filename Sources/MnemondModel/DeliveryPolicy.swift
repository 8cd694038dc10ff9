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
    /// The longest one delivery attempt may take; the dispatcher cancels an attempt still running
    /// then, and it counts as failed (retried with backoff). Derived from the HTTP timeouts with
    /// `attemptTimeout(requestTimeout:connectTimeout:)`: 35 s for the defaults (30 s + 5 s).
    public var attemptTimeout: Duration

    /// Time allowed, after an attempt ends, to commit its outcome to the store (a write that may
    /// wait for the collector's transaction).
    public static let commitMargin: Duration = .seconds(5)

    public init(
        initialBackoff: Duration = .seconds(5), maxBackoff: Duration = .seconds(600),
        deadLetterAfter: Duration = .seconds(24 * 3600), maxRetryAfter: Duration = .seconds(3600),
        attemptTimeout: Duration = Self.attemptTimeout(requestTimeout: .seconds(30), connectTimeout: .seconds(5))
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.deadLetterAfter = deadLetterAfter
        self.maxRetryAfter = maxRetryAfter
        self.attemptTimeout = attemptTimeout
    }

    /// How long a claimed row is reserved for one sender: the longest attempt plus the commit of
    /// its outcome (40 s for the defaults). The dispatcher claims one row per attempt, so the lease
    /// never has to cover a batch. It is also the at-least-once window: a sender killed after the
    /// receiver's 2xx but before the commit leaves the row leased, and it is sent again, with the
    /// same idempotency key, when the lease ends.
    public var lease: Duration { attemptTimeout + Self.commitMargin }

    /// One attempt is one request: curl's request timeout bounds the whole transfer (connect
    /// included), and the connect timeout is added once more for what happens before the transfer
    /// starts (waiting for a free connection of the shared HTTP client, fetching credentials for
    /// SNS). An SNS publish gets the AWS client's own retries only within this bound.
    public static func attemptTimeout(requestTimeout: Duration, connectTimeout: Duration) -> Duration {
        requestTimeout + connectTimeout
    }

    /// The policy with an attempt bound of at least `attempt`: for a channel whose transfer has
    /// its own, longer timeout (the weekly report's SMTP transfer, 60 s).
    public func covering(attempt: Duration) -> DeliveryPolicy {
        var policy = self
        policy.attemptTimeout = max(attemptTimeout, attempt)
        return policy
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
