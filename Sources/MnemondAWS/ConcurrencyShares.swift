/// How many AWS calls each service and region may have in flight, so that one service's bulk
/// (a thousand S3 calls) never holds every HTTP worker while another's single call (CloudWatch,
/// RDS, STS) waits behind it, and so that a throttled service sends less.
///
/// - Fair share: the client's calls hold at most `total` slots (the HTTP pool's size). One
///   service and region (a key, as each SDK client is one service in one region) may hold at
///   most `ceiling` = `total - 1` of them, so a slot is left for every other key. When a slot
///   frees, the keys with waiting calls take turns (round robin), never first come first served:
///   a key's call waits for at most one slot to free per other waiting key, not for the whole
///   queue of another service.
/// - AIMD: a throttling answer (`ThrottlingException`, `SlowDown`, HTTP 429, …) halves the key's
///   limit (never below 1); every `limit` answers of any other kind raise it by one (never above
///   `ceiling`). Only a call sent under the current limit can lower it: the throttles of calls
///   already in flight when the limit was halved are the same congestion, and halve it once.
///   Transport failures (timeouts, refused connections) change nothing.
///
/// A value type: every step is a pure function of its inputs. `ServiceLimiter` holds the
/// waiting calls.
public struct ConcurrencyShares: Sendable, Equatable {
    /// What became of a call that held a slot.
    public enum Outcome: Sendable, Equatable {
        /// Any answer but throttling, errors included: the service kept up.
        case answered
        case throttled
        /// No answer (transport failure, cancellation): says nothing about the service's rate.
        case failed
    }

    /// One key's share as it stands.
    public struct Share: Sendable, Equatable {
        public var limit: Int
        public var inFlight: Int
        public var waiting: Int

        public init(limit: Int, inFlight: Int, waiting: Int) {
            self.limit = limit
            self.inFlight = inFlight
            self.waiting = waiting
        }
    }

    /// Slots for all keys together.
    public let total: Int
    /// The most one key may hold, and where its limit starts.
    public let ceiling: Int
    private var limits: [String: Int] = [:]
    private var inFlight: [String: Int] = [:]
    private var waiting: [String: Int] = [:]
    /// Keys with waiting calls, in the order they get the next free slot.
    private var turns: [String] = []
    private var busy = 0
    /// Answers since the key's limit last grew.
    private var credit: [String: Int] = [:]
    /// Raised at each decrease; a call carries the epoch it was sent in.
    private var epochs: [String: Int] = [:]

    public init(total: Int) {
        self.total = max(1, total)
        ceiling = max(1, self.total - 1)
    }

    /// The calls of `key` allowed in flight at once.
    public func limit(_ key: String) -> Int { limits[key] ?? ceiling }
    public func inFlight(_ key: String) -> Int { inFlight[key] ?? 0 }
    public func waiting(_ key: String) -> Int { waiting[key] ?? 0 }
    public func share(_ key: String) -> Share {
        Share(limit: limit(key), inFlight: inFlight(key), waiting: waiting(key))
    }
    /// Slots held by all keys.
    public var held: Int { busy }
    /// The epoch a call that takes a slot now is sent in (give it back to `leave`).
    public func epoch(_ key: String) -> Int { epochs[key] ?? 0 }

    /// A call of `key` wants a slot: true when it has one (taken now), false when it waits; a
    /// waiting call gets its slot from a later `leave`, or gives up with `abandon`.
    public mutating func arrive(_ key: String) -> Bool {
        if busy < total, inFlight(key) < limit(key) {
            take(key)
            return true
        }
        waiting[key, default: 0] += 1
        if !turns.contains(key) { turns.append(key) }
        return false
    }

    /// A waiting call of `key` gave up before it got a slot.
    public mutating func abandon(_ key: String) {
        guard waiting(key) > 0 else { return }
        waiting[key]! -= 1
        if waiting[key] == 0 { turns.removeAll { $0 == key } }
    }

    /// A call of `key`, sent in `epoch`, gave its slot back. Returns the keys whose oldest waiting
    /// call now has a slot (taken for it), in the order they got them.
    public mutating func leave(_ key: String, epoch: Int, outcome: Outcome) -> [String] {
        if inFlight(key) > 0 {
            inFlight[key]! -= 1
            busy -= 1
        }
        switch outcome {
        case .throttled where epoch == self.epoch(key):
            limits[key] = max(1, limit(key) / 2)
            epochs[key] = epoch + 1
            credit[key] = 0
        case .throttled, .failed:
            break
        case .answered:
            credit[key, default: 0] += 1
            if credit[key]! >= limit(key) {
                limits[key] = min(ceiling, limit(key) + 1)
                credit[key] = 0
            }
        }
        return dispatch()
    }

    /// Free slots to waiting keys, in turn, while any key with waiting calls is under its limit.
    private mutating func dispatch() -> [String] {
        var granted: [String] = []
        while busy < total, let index = turns.firstIndex(where: { inFlight($0) < limit($0) }) {
            let key = turns.remove(at: index)
            waiting[key]! -= 1
            take(key)
            granted.append(key)
            if waiting[key]! > 0 { turns.append(key) }
        }
        return granted
    }

    private mutating func take(_ key: String) {
        inFlight[key, default: 0] += 1
        busy += 1
    }
}

/// The calls waiting for a slot of `ConcurrencyShares`: each key's in arrival order.
actor ServiceLimiter {
    private var shares: ConcurrencyShares
    private var waiters: [String: [(id: UInt64, continuation: CheckedContinuation<Int, any Error>)]] = [:]
    private var nextID: UInt64 = 0

    init(total: Int) {
        shares = ConcurrencyShares(total: total)
    }

    /// Waits for a slot of `key`; returns the epoch to give back to `release`. Throws
    /// `CancellationError` when the task is cancelled while waiting.
    func acquire(_ key: String) async throws -> Int {
        if shares.arrive(key) { return shares.epoch(key) }
        let id = nextID
        nextID += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    shares.abandon(key)
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters[key, default: []].append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancel(key, id: id) }
        }
    }

    /// Gives a slot back; returns the key's limit after the outcome.
    @discardableResult
    func release(_ key: String, epoch: Int, outcome: ConcurrencyShares.Outcome) -> Int {
        for granted in shares.leave(key, epoch: epoch, outcome: outcome) {
            let waiter = waiters[granted]!.removeFirst()
            waiter.continuation.resume(returning: shares.epoch(granted))
        }
        return shares.limit(key)
    }

    func limit(_ key: String) -> Int { shares.limit(key) }
    func share(_ key: String) -> ConcurrencyShares.Share { shares.share(key) }

    private func cancel(_ key: String, id: UInt64) {
        guard let index = waiters[key]?.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters[key]!.remove(at: index)
        shares.abandon(key)
        waiter.continuation.resume(throwing: CancellationError())
    }
}
