import Foundation
import GRDB
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// Answers AWS documents as fixed (a bucket's region, a managed policy version, a backup
/// selection, a backup plan version, a parameter group's family) are kept in the store: the next cycle of any process on that store does not ask
/// them again until they are a day old, with the same findings. Each cycle is a new runtime on
/// one store file, every AWS call through a proxy that names it.
@Suite(.timeLimit(.minutes(10))) struct SettledAnswersTests {
    /// The settled questions among the proxy's requests, by kind.
    static func settled(_ proxy: FaultProxy) async throws -> [String: [String]] {
        let requests = try await proxy.stats().requests
        return [
            "location": requests.filter { $0.contains("?location") },
            "policy version": requests.filter { $0.contains("Action=GetPolicyVersion") },
            "selection": requests.filter {
                $0.range(of: #"GET /backup/plans/[^/ ]+/selections/[^/ ?]+ "#, options: .regularExpression) != nil
            },
            "plan": requests.filter {
                $0.range(of: #"GET /backup/plans/[^/ ]+/(\?[^ ]*)? "#, options: .regularExpression) != nil
            },
            // The source instance's group (eu-west-1); the DR landing zone's (eu-west-3) is asked
            // every run: it must still exist.
            "source family": requests.filter { $0.contains("Action=DescribeDBParameterGroups eu-west-1/") },
            "landing zone family": requests.filter { $0.contains("Action=DescribeDBParameterGroups eu-west-3/") },
        ]
    }

    static func counts(_ settled: [String: [String]]) -> [String: Int] { settled.mapValues(\.count) }

    static func judged(_ outcome: CycleOutcome) -> Set<String> {
        Set(outcome.findings.map { "\($0.check) \($0.resource) \($0.state)" })
    }

    static func locationFindings(_ outcome: CycleOutcome) -> [String] {
        outcome.findings.filter { $0.check == "s3.region" }.map { "\($0.resource) \($0.state) \($0.message)" }
            .sorted()
    }

    @Test func aNewProcessReusesSettledAnswersUntilTheyAreADayOld() async throws {
        let now = SharedAnswersTests.now
        try await SharedAnswersTests.proxiedEstate(store: "settled.sqlite") { simulator, proxy, db in
            let first = try await SharedAnswersTests.cycle(simulator, proxy, now: now, dbPath: db)
            // The guide's four buckets, one managed policy of the recovery operator, one selection.
            #expect(
                Self.counts(try await Self.settled(proxy)) == [
                    "location": 4, "policy version": 1, "selection": 1, "plan": 1, "source family": 1,
                    "landing zone family": 1,
                ])

            try await proxy.reset()
            let later = now.addingTimeInterval(60)
            let second = try await SharedAnswersTests.cycle(simulator, proxy, now: later, dbPath: db)
            #expect(
                Self.counts(try await Self.settled(proxy)) == [
                    "location": 0, "policy version": 0, "selection": 0, "plan": 0, "source family": 0,
                    "landing zone family": 1,
                ])
            #expect(!Self.judged(first).isEmpty)
            #expect(Self.judged(first) == Self.judged(second))
            #expect(Self.locationFindings(first).count == 4)
            #expect(Self.locationFindings(first) == Self.locationFindings(second))

            try await proxy.reset()
            _ = try await SharedAnswersTests.cycle(simulator, proxy, now: now.addingTimeInterval(86_400), dbPath: db)
            #expect(
                Self.counts(try await Self.settled(proxy)) == [
                    "location": 4, "policy version": 1, "selection": 1, "plan": 1, "source family": 1,
                    "landing zone family": 1,
                ],
                "a day-old answer is asked again")
        }
    }

    /// A bucket whose settings changed since its region was kept (as when it is deleted and
    /// created again, elsewhere) has its region asked again; the others keep theirs.
    @Test func aBucketWhoseSettingsChangedHasItsRegionAskedAgain() async throws {
        let now = SharedAnswersTests.now
        try await SharedAnswersTests.proxiedEstate(store: "changed.sqlite") { simulator, proxy, db in
            _ = try await SharedAnswersTests.cycle(simulator, proxy, now: now, dbPath: db)

            try await simulator.apply(fault: "replication-metrics-off")
            try await simulator.apply(fault: "versioning-suspended")
            try await proxy.reset()
            let outcome = try await SharedAnswersTests.cycle(
                simulator, proxy, now: now.addingTimeInterval(60), dbPath: db)
            let asked = try await Self.settled(proxy)["location"] ?? []
            #expect(asked.count == 1)
            #expect(asked.allSatisfy { $0.contains("mne-vault-prod") }, "\(asked)")
            #expect(Self.locationFindings(outcome).count == 4)
            let versioning = outcome.findings.filter { $0.check == "s3.versioning" && $0.resource == "mne-vault-prod" }
            #expect(versioning.map(\.state) == [.critical], "\(versioning.map(\.message))")

            // Unchanged from then on: kept again.
            try await proxy.reset()
            _ = try await SharedAnswersTests.cycle(simulator, proxy, now: now.addingTimeInterval(120), dbPath: db)
            #expect(
                Self.counts(try await Self.settled(proxy)) == [
                    "location": 0, "policy version": 0, "selection": 0, "plan": 0, "source family": 0,
                    "landing zone family": 1,
                ])
        }
    }

    /// An updated plan is a new version, named by the listing: that version is asked in the
    /// next cycle and judged, then kept in turn.
    @Test func anUpdatedPlanIsAskedAgainAsItsNewVersion() async throws {
        let now = SharedAnswersTests.now
        try await SharedAnswersTests.proxiedEstate(store: "plan.sqlite") { simulator, proxy, db in
            func plan(_ outcome: CycleOutcome) -> [CheckState] {
                outcome.findings.filter {
                    $0.check == "backup.plan" && $0.resource == "eks-mnemonica-6h-snapshots-180d"
                }
                .map(\.state)
            }
            let first = try await SharedAnswersTests.cycle(simulator, proxy, now: now, dbPath: db)
            let firstVersion = try await Self.settled(proxy)["plan"] ?? []
            #expect(firstVersion.count == 1)
            #expect(firstVersion.allSatisfy { $0.contains("versionId=") }, "\(firstVersion)")
            #expect(plan(first) == [.ok])

            try await simulator.apply(fault: "copy-action-missing")
            try await proxy.reset()
            let updated = try await SharedAnswersTests.cycle(
                simulator, proxy, now: now.addingTimeInterval(60), dbPath: db)
            let secondVersion = try await Self.settled(proxy)["plan"] ?? []
            #expect(secondVersion.count == 1)
            #expect(secondVersion != firstVersion, "the new version is asked for by its own id")
            #expect(plan(updated) == [.critical])

            try await proxy.reset()
            let kept = try await SharedAnswersTests.cycle(
                simulator, proxy, now: now.addingTimeInterval(120), dbPath: db)
            #expect(Self.counts(try await Self.settled(proxy))["plan"] == 0)
            #expect(plan(kept) == [.critical])
        }
    }

    /// A bucket whose other calls answer "not here" (S3's PermanentRedirect) has its kept region
    /// asked again in the same cycle; the others keep theirs.
    @Test func aBucketAnsweringFromElsewhereHasItsRegionAskedAgain() async throws {
        let now = SharedAnswersTests.now
        try await SharedAnswersTests.proxiedEstate(store: "moved.sqlite") { simulator, proxy, db in
            _ = try await SharedAnswersTests.cycle(simulator, proxy, now: now, dbPath: db)

            try await proxy.reset()
            try await proxy.set(.init("permanent-redirect", match: "/mne-media-prod/?versioning", times: 1))
            let outcome = try await SharedAnswersTests.cycle(
                simulator, proxy, now: now.addingTimeInterval(60), dbPath: db)
            let asked = try await Self.settled(proxy)["location"] ?? []
            #expect(asked.count == 1)
            #expect(asked.allSatisfy { $0.contains("mne-media-prod") }, "\(asked)")
            let versioning = outcome.findings.filter { $0.check == "s3.versioning" && $0.resource == "mne-media-prod" }
            #expect(versioning.map(\.state) == [.unknown])
            #expect(versioning.allSatisfy { $0.message.contains("PermanentRedirect") }, "\(versioning.map(\.message))")
        }
    }

    /// A kept answer that no longer parses is asked again, and the new answer replaces it.
    @Test func aKeptAnswerThatDoesNotParseIsAskedAgain() async throws {
        let now = SharedAnswersTests.now
        try await SharedAnswersTests.proxiedEstate(store: "garbled.sqlite") { simulator, proxy, db in
            let first = try await SharedAnswersTests.cycle(simulator, proxy, now: now, dbPath: db)

            let writer = try DatabaseQueue(path: db)
            try await writer.write { db in
                try db.execute(sql: "UPDATE settled_answers SET body = CAST('<Location' AS BLOB)")
            }
            try await proxy.reset()
            let second = try await SharedAnswersTests.cycle(
                simulator, proxy, now: now.addingTimeInterval(60), dbPath: db)
            #expect(
                Self.counts(try await Self.settled(proxy)) == [
                    "location": 4, "policy version": 1, "selection": 1, "plan": 1, "source family": 1,
                    "landing zone family": 1,
                ])
            #expect(Self.locationFindings(first) == Self.locationFindings(second))

            try await proxy.reset()
            _ = try await SharedAnswersTests.cycle(simulator, proxy, now: now.addingTimeInterval(120), dbPath: db)
            #expect(
                Self.counts(try await Self.settled(proxy)) == [
                    "location": 0, "policy version": 0, "selection": 0, "plan": 0, "source family": 0,
                    "landing zone family": 1,
                ])
        }
    }
}
