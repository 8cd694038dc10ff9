import Foundation
import Synchronization
import Testing

@testable import MnemondAWS

/// The rules of `SettledAnswers` alone: which kept answer is young enough to use, and which
/// bucket location is one to keep. End to end (the store, the cycles, the refresh of a moved
/// bucket) is `SettledAnswersTests` against the simulator.
@Suite struct SettledAnswerRulesTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func aKeptAnswerIsUsedOnlyWhileYoungerThanADay() async {
        let body = Data("<LocationConstraint>eu-west-3</LocationConstraint>".utf8)
        for (askedAgo, used) in [(0.0, true), (86_399.0, true), (86_400.0, false), (-60.0, false)] {
            let settled = SettledAnswers(now: { Self.t0 }) { _ in ["k": (body, Self.t0.addingTimeInterval(-askedAgo))] }
            let kept = await settled.kept("k")
            #expect((kept != nil) == used, "asked \(askedAgo) s ago")
            #expect(await settled.kept("other") == nil)
        }
    }

    @Test func theKeptStoreIsReadOnceARun() async {
        let reads = Mutex(0)
        let settled = SettledAnswers(now: { Self.t0 }) { _ in
            reads.withLock { $0 += 1 }
            return [:]
        }
        async let a = settled.kept("a")
        async let b = settled.kept("b")
        _ = await (a, b)
        _ = await settled.kept("c")
        #expect(reads.withLock { $0 } == 1)
    }

    @Test func onlyARegionShapedLocationIsKept() {
        for name in ["eu-west-3", "us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-4"] {
            #expect(S3.isRegionName(name), "\(name)")
        }
        for name in ["", "EU", "eu-west", "eu-west-x", "eu--1", "Eu-west-1", "eu-west-1 ", "eu-west-١", "<a>-b-1"] {
            #expect(!S3.isRegionName(name), "\(name)")
        }
    }
}
