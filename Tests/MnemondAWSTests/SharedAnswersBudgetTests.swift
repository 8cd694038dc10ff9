import Foundation
import MnemondHTTP
import Synchronization
import Testing

@testable import MnemondAWS

/// `SharedAnswers` alone: a call in flight is shared by every asker; a finished answer is kept
/// for later askers only within the budget; writes are never shared. `send` here is a closure
/// that counts how often it runs (the component is pure; the end-to-end sharing is
/// `SharedAnswersTests` against the simulator).
@Suite struct SharedAnswersBudgetTests {
    static let plans = AWSOperation(service: .backup, action: "ListBackupPlans", path: "/backup/plans/")
    static let publish = AWSOperation(service: .sns, action: "Publish", method: "POST")

    final class Sends: Sendable {
        let count = Atomic(0)
        func send(_ body: String) -> @Sendable () async throws -> HTTPResponse {
            { [self] in
                count.add(1, ordering: .relaxed)
                return HTTPResponse(status: 200, body: Data(body.utf8))
            }
        }
    }

    @Test func aFinishedAnswerWithinTheBudgetIsNotAskedAgain() async throws {
        let shared = SharedAnswers(budget: 1 << 20)
        let sends = Sends()
        let first = try await shared.answer(Self.plans, region: "eu-west-1", send: sends.send("plans"))
        let second = try await shared.answer(Self.plans, region: "eu-west-1", send: sends.send("other"))
        #expect(sends.count.load(ordering: .relaxed) == 1)
        #expect(second.body == first.body)
        #expect(shared.keptBytes > 0 && shared.keptBytes <= shared.budget)
        // Another region is another question.
        _ = try await shared.answer(Self.plans, region: "eu-west-3", send: sends.send("dr"))
        #expect(sends.count.load(ordering: .relaxed) == 2)
    }

    @Test func pastTheBudgetAFinishedAnswerIsDroppedAndAskedAgain() async throws {
        let shared = SharedAnswers(budget: 0)
        let sends = Sends()
        _ = try await shared.answer(Self.plans, region: "eu-west-1", send: sends.send("plans"))
        _ = try await shared.answer(Self.plans, region: "eu-west-1", send: sends.send("plans"))
        #expect(sends.count.load(ordering: .relaxed) == 2)
        #expect(shared.count == 0 && shared.keptBytes == 0)
    }

    @Test func pastTheMostAnswersKeptAFinishedAnswerIsDroppedAndAskedAgain() async throws {
        let shared = SharedAnswers(maxAnswers: 1)
        let sends = Sends()
        _ = try await shared.answer(Self.plans, region: "eu-west-1", send: sends.send("kept"))
        _ = try await shared.answer(Self.plans, region: "eu-west-3", send: sends.send("dropped"))
        _ = try await shared.answer(Self.plans, region: "eu-west-1", send: sends.send("kept"))
        _ = try await shared.answer(Self.plans, region: "eu-west-3", send: sends.send("dropped"))
        #expect(sends.count.load(ordering: .relaxed) == 3)
        #expect(shared.count == 1)
    }

    @Test func aLargeAnswerIsNotKeptAndLeavesTheBudgetToSmallOnes() async throws {
        let shared = SharedAnswers(budget: 1 << 20, maxAnswerBytes: 1 << 10)
        let sends = Sends()
        let page = String(repeating: "x", count: 4 << 10)
        _ = try await shared.answer(Self.plans, region: "eu-west-3", send: sends.send(page))
        _ = try await shared.answer(Self.plans, region: "eu-west-3", send: sends.send(page))
        #expect(sends.count.load(ordering: .relaxed) == 2)
        #expect(shared.keptBytes == 0)
        _ = try await shared.answer(Self.plans, region: "eu-west-1", send: sends.send("plans"))
        _ = try await shared.answer(Self.plans, region: "eu-west-1", send: sends.send("plans"))
        #expect(sends.count.load(ordering: .relaxed) == 3)
    }

    @Test func askersWhileACallIsInFlightShareItWhateverTheBudget() async throws {
        let shared = SharedAnswers(budget: 0)
        let count = Atomic(0)
        let (gate, open) = AsyncStream<Void>.makeStream()
        let send: @Sendable () async throws -> HTTPResponse = {
            count.add(1, ordering: .relaxed)
            for await _ in gate { break }
            return HTTPResponse(status: 200, body: Data("plans".utf8))
        }
        async let a = shared.answer(Self.plans, region: "eu-west-1", send: send)
        async let b = shared.answer(Self.plans, region: "eu-west-1", send: send)
        // Both askers are registered before the answer comes (a second is ample for the second
        // asker to reach the shared call, even on a loaded machine).
        while shared.count == 0 { await Task.yield() }
        try await Task.sleep(for: .seconds(1))
        open.yield()
        open.finish()
        let answers = try await [a, b]
        #expect(answers.allSatisfy { $0.body == Data("plans".utf8) })
        #expect(count.load(ordering: .relaxed) == 1)
    }

    @Test func onlyReadsAreShareable() {
        #expect(SharedAnswers.isShareable(Self.plans))
        #expect(!SharedAnswers.isShareable(Self.publish))
        #expect(!SharedAnswers.isShareable(AWSOperation(service: .sts, action: "AssumeRole")))
        #expect(SharedAnswers.isShareable(AWSOperation(service: .iam, action: "SimulatePrincipalPolicy")))
    }
}
