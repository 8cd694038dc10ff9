import Testing

@testable import MnemondAWS

/// The fair share and AIMD of `ConcurrencyShares`, step by step: no clock, no network.
@Suite struct ConcurrencySharesTests {
    let s3 = "s3 eu-west-1"
    let cloudwatch = "cloudwatch eu-west-3"
    let rds = "rds eu-west-1"

    /// The shares by reference, so each step can be written inside `#expect`.
    final class Shares {
        var value: ConcurrencyShares
        init(total: Int) { value = ConcurrencyShares(total: total) }
        var ceiling: Int { value.ceiling }
        var held: Int { value.held }
        func limit(_ key: String) -> Int { value.limit(key) }
        func inFlight(_ key: String) -> Int { value.inFlight(key) }
        func waiting(_ key: String) -> Int { value.waiting(key) }
        func epoch(_ key: String) -> Int { value.epoch(key) }
        func arrive(_ key: String) -> Bool { value.arrive(key) }
        func abandon(_ key: String) { value.abandon(key) }
        func leave(_ key: String, epoch: Int, outcome: ConcurrencyShares.Outcome) -> [String] {
            value.leave(key, epoch: epoch, outcome: outcome)
        }
        /// Starts `count` calls of `key`; how many got a slot at once.
        func arrive(_ key: String, _ count: Int) -> Int { (0..<count).filter { _ in arrive(key) }.count }
    }

    @Test func oneServiceNeverHoldsEverySlot() {
        let shares = Shares(total: 8)
        #expect(shares.ceiling == 7)
        // A thousand S3 calls: 7 go, the rest wait.
        #expect(shares.arrive(s3, 1_000) == 7)
        #expect(shares.waiting(s3) == 993)
        // A CloudWatch call arriving behind them goes at once, in the slot left free.
        #expect(shares.arrive(cloudwatch))
        #expect(shares.held == 8)
        // With every slot held, the next service waits too.
        #expect(!shares.arrive(rds))
    }

    @Test func waitingServicesTakeTurnsForFreedSlots() {
        let shares = Shares(total: 4)
        #expect(shares.arrive(s3, 10) == 3)
        #expect(shares.arrive(rds, 3) == 1)  // the 4th slot
        #expect(shares.arrive(cloudwatch, 2) == 0)  // all held
        // S3 began waiting first; after its turn it goes to the back, so RDS and CloudWatch are
        // each served within one freed slot per key ahead of them, not after S3's 7 waiting calls.
        #expect(shares.leave(s3, epoch: 0, outcome: .answered) == [s3])
        #expect(shares.leave(s3, epoch: 0, outcome: .answered) == [rds])
        #expect(shares.leave(s3, epoch: 0, outcome: .answered) == [cloudwatch])
        #expect(shares.leave(rds, epoch: 0, outcome: .answered) == [s3])
        #expect(shares.leave(rds, epoch: 0, outcome: .answered) == [rds])
        #expect(shares.leave(cloudwatch, epoch: 0, outcome: .answered) == [cloudwatch])
        #expect(shares.waiting(rds) == 0 && shares.waiting(cloudwatch) == 0)
        // Only S3 waits now: it gets the freed slots, up to its limit.
        #expect(shares.leave(cloudwatch, epoch: 0, outcome: .answered) == [s3])
        #expect(shares.inFlight(s3) == 3 && shares.held == 4)
        #expect(shares.waiting(s3) == 4)
    }

    @Test func aThrottleHalvesTheLimitOncePerRoundAndAnswersRaiseItByOne() {
        let shares = Shares(total: 9)
        #expect(shares.limit(s3) == 8)
        #expect(shares.arrive(s3, 12) == 8)
        // The first throttle of the round halves the limit; the calls sent in the same round
        // (epoch 0) are the same congestion and leave it.
        #expect(shares.leave(s3, epoch: 0, outcome: .throttled) == [])
        #expect(shares.limit(s3) == 4 && shares.epoch(s3) == 1)
        for _ in 0..<3 { #expect(shares.leave(s3, epoch: 0, outcome: .throttled) == []) }
        #expect(shares.limit(s3) == 4)
        // 4 in flight at limit 4: the waiting calls stay waiting.
        #expect(shares.inFlight(s3) == 4 && shares.waiting(s3) == 4)
        // A call sent at the new limit is throttled too: halved again.
        #expect(shares.leave(s3, epoch: 1, outcome: .throttled) == [])
        #expect(shares.limit(s3) == 2)
        // Answers of the old round: +1 per `limit` answers (2 at limit 2), and a freed slot goes
        // to a waiting call as soon as the limit allows.
        #expect(shares.leave(s3, epoch: 0, outcome: .answered) == [])
        #expect(shares.leave(s3, epoch: 0, outcome: .answered) == [s3, s3])
        #expect(shares.limit(s3) == 3 && shares.inFlight(s3) == 3)
        // Transport failures say nothing about the rate: no change.
        #expect(shares.leave(s3, epoch: 2, outcome: .failed) == [s3])
        #expect(shares.limit(s3) == 3)
        // Growth stops at the ceiling.
        let grown = Shares(total: 3)
        #expect(grown.arrive(s3))
        _ = grown.leave(s3, epoch: 0, outcome: .throttled)
        #expect(grown.limit(s3) == 1)
        for _ in 0..<20 {
            #expect(grown.arrive(s3))
            _ = grown.leave(s3, epoch: 1, outcome: .answered)
        }
        #expect(grown.limit(s3) == 2)
    }

    @Test func theLimitNeverFallsBelowOneAndOneServiceDoesNotLowerAnother() {
        let shares = Shares(total: 8)
        for epoch in 0..<5 {
            #expect(shares.arrive(s3))
            _ = shares.leave(s3, epoch: epoch, outcome: .throttled)
        }
        #expect(shares.limit(s3) == 1)
        #expect(shares.limit(cloudwatch) == 7)
        // At limit 1 one call goes; the next waits until it leaves.
        #expect(shares.arrive(s3))
        #expect(!shares.arrive(s3))
        #expect(shares.leave(s3, epoch: 5, outcome: .answered) == [s3])
        #expect(shares.limit(s3) == 2)
    }

    @Test func aCallThatGivesUpWaitingIsNotServed() {
        let shares = Shares(total: 2)
        #expect(shares.arrive(s3))
        #expect(shares.arrive(rds))
        #expect(!shares.arrive(cloudwatch))
        shares.abandon(cloudwatch)
        #expect(shares.waiting(cloudwatch) == 0)
        #expect(shares.leave(rds, epoch: 0, outcome: .answered) == [])
        #expect(shares.held == 1)
    }

    @Test func aPoolOfOneIsOneCallAtATime() {
        let shares = Shares(total: 1)
        #expect(shares.ceiling == 1)
        #expect(shares.arrive(s3))
        #expect(!shares.arrive(cloudwatch))
        #expect(shares.leave(s3, epoch: 0, outcome: .answered) == [cloudwatch])
    }
}
