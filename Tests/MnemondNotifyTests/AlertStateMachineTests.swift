import Foundation
import MnemondModel
import MnemondNotify
import MnemondStore
import Testing

/// One row of the alerting table: a timeline of evaluations of one check on one resource, and
/// what the pipeline (state machine → silence → dedup → outbox) must make of each step.
struct Timeline: Sendable, CustomTestStringConvertible {
    var name: String
    /// `minute:STATE` steps; STATE is O, W, C or U, with `a` for an accepted risk (`Ca`).
    /// Minutes may be written as `4h5m` etc.
    var steps: String
    /// Per step: the phase (I inactive, P pending, F firing), then `!kind` when a notification
    /// is queued (`F!firing`, `I!resolved`, `F!repeat-1`).
    var expect: String
    var rules = AlertRules()
    /// A silence over the check: (from, to) as step times.
    var silence: (from: String, to: String)?
    var testDescription: String { name }
}

let t0 = Date(timeIntervalSince1970: 1_790_000_000)

/// `4h5m` → seconds after t0; a bare number is minutes.
func offset(_ text: String) -> TimeInterval {
    if let minutes = Int(text) { return TimeInterval(minutes * 60) }
    return DurationText.parse(text)!.seconds
}

extension Duration {
    var seconds: TimeInterval { TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18 }
}

func finding(_ code: Substring, check: CheckID = "s3.lifecycle.noncurrent", resource: String = "mne-media-replica")
    -> Finding
{
    let state: CheckState
    switch code.first {
    case "O": state = .ok
    case "W": state = .warning
    case "C": state = .critical
    default: state = .unknown
    }
    let found = state == .ok ? "180 d" : state == .unknown ? nil : "15 d"
    return Finding(
        check: check, resource: resource, state: state,
        message: state == .unknown
            ? "\(resource): cannot evaluate — s3:GetBucketLifecycleConfiguration on \(resource) (eu-west-3): Timeout"
            : "\(resource): noncurrent versions expire after \(found!); guide requires 180 d (Phase 2)",
        expected: "180 d", found: found, guide: "Phase 2",
        runbook: state == .ok ? nil : "aws s3api put-bucket-lifecycle-configuration …",
        acceptedRisk: code.dropFirst().first == "a"
            ? AcceptedRisk(check: check, resource: resource, reason: "Object Lock deferred") : nil)
}

@Suite struct AlertStateMachineTests {
    static let timelines: [Timeline] = [
        Timeline(
            name: "critical fires after 2 consecutive failing evaluations",
            steps: "0:C 5:C 10:C", expect: "P F!firing F"),
        Timeline(
            name: "warning fires after 3 consecutive failing evaluations",
            steps: "0:W 5:W 10:W 15:W", expect: "P P F!firing F"),
        Timeline(
            name: "OK → pending → firing → resolved, one notification each way",
            steps: "0:O 5:C 10:C 15:C 20:O 25:O", expect: "I P F!firing F I!resolved I"),
        Timeline(
            name: "a failure that clears before its for is reached pages no one",
            steps: "0:C 5:O 10:C 15:O 20:W 25:W 30:O", expect: "P I P I P P I"),
        Timeline(
            name: "a mixed warning/critical streak counts as one failing streak",
            steps: "0:W 5:C", expect: "P F!firing"),
        Timeline(
            name: "UNKNOWN fires only after 30 min",
            steps: "0:U 10:U 20:U 29:U 30:U 31:U", expect: "P P P P F!firing F"),
        Timeline(
            name: "an AWS API hiccup (UNKNOWN, then OK) pages no one",
            steps: "0:O 5:U 10:U 15:O 20:U 25:O", expect: "I P P I P I"),
        Timeline(
            name: "UNKNOWN while critical is firing keeps it firing without a new page or a resolve",
            steps: "0:C 5:C 10:U 15:U 20:C", expect: "P F!firing F F F"),
        Timeline(
            name: "UNKNOWN neither counts towards nor resets a critical streak",
            steps: "0:C 5:U 10:C", expect: "P P F!firing"),
        Timeline(
            name: "critical repeats every 4 h while firing",
            steps: "0:C 5:C 4h4m:C 4h5m:C 6h:C 8h5m:C",
            expect: "P F!firing F F!repeat-1 F F!repeat-2"),
        Timeline(
            name: "warning repeats every 24 h while firing",
            steps: "0:W 5:W 10:W 4h10m:W 24h9m:W 24h10m:W",
            expect: "P P F!firing F F F!repeat-1"),
        Timeline(
            name: "warning escalating to critical while firing is said at once",
            steps: "0:W 5:W 10:W 15:C 20:C 25:W", expect: "P P F!firing F!escalated-1 F F"),
        Timeline(
            name: "flapping more than 4 times an hour is held firing and says so, then resolves when calm",
            steps: "0:C 5:C 10:O 15:C 20:C 25:O 30:C 35:C 40:O 45:O 69:O 70:O",
            expect: "P F!firing I!resolved P F!firing I!resolved P F!firing F!flapping-1 F F I!resolved"),
        Timeline(
            name: "accepted risks never page",
            steps: "0:Ca 5:Ca 10:Ca 4h:Ca 30h:Ca", expect: "I I I I I"),
        Timeline(
            name: "a firing alert that becomes an accepted risk resolves",
            steps: "0:C 5:C 10:Ca", expect: "P F!firing I!resolved"),
        Timeline(
            name: "a silenced alert is tracked but not sent; it notifies once the silence ends",
            steps: "0:C 5:C 10:C 61:C 65:C", expect: "P F F F!firing F", silence: ("0", "1h")),
        Timeline(
            name: "a resolve during a silence waits for the silence's end",
            steps: "0:C 5:C 10:O 30:O 61:O", expect: "P F!firing I I I!resolved", silence: ("7", "1h")),
        Timeline(
            name: "a per-check for of 1 fires on the first critical evaluation",
            steps: "0:C 5:C", expect: "F!firing F",
            rules: AlertRules(overrides: [
                "s3.lifecycle.noncurrent": .init(critical: SeverityRule(for: .evaluations(1), repeat: .seconds(3600)))
            ])),
        Timeline(
            name: "a for given as a duration fires once the streak is that old",
            steps: "0:C 5:C 9:C 10:C", expect: "P P P F!firing",
            rules: AlertRules(overrides: [
                "s3.lifecycle.noncurrent": .init(
                    critical: SeverityRule(for: .duration(.seconds(600)), repeat: .seconds(3600)))
            ])),
        Timeline(
            name: "a new episode after a resolve fires again with a new identity",
            steps: "0:C 5:C 10:O 15:C 20:C", expect: "P F!firing I!resolved P F!firing"),
    ]

    @Test(arguments: timelines)
    func timeline(_ row: Timeline) throws {
        let pipeline = AlertPipeline(rules: row.rules, channels: ["slack"])
        let silences =
            row.silence.map {
                [
                    Silence(
                        id: 7, check: "s3.lifecycle.noncurrent", resource: nil, startsAt: t0 + offset($0.from),
                        endsAt: t0 + offset($0.to), reason: "maintenance", createdBy: "test", createdAt: t0)
                ]
            } ?? []
        var records: [AlertRecord] = []
        var got: [String] = []
        var keys: [String: String] = [:]
        for step in row.steps.split(separator: " ") {
            let parts = step.split(separator: ":")
            let now = t0 + offset(String(parts[0]))
            let plan = pipeline.plan(findings: [finding(parts[1])], previous: records, silences: silences, now: now)
            records = plan.commit.records
            let phase = ["inactive": "I", "pending": "P", "firing": "F"][records[0].phase.rawValue]!
            var cell = phase
            if let message = plan.message {
                #expect(message.items.count == 1)
                let item = message.items[0]
                let label = item.repeatNumber.map { "\(item.kind.rawValue)-\($0)" } ?? item.kind.rawValue
                cell += "!\(label)"
                // Identity: one key per (check, resource, episode, kind); never reused for another notification.
                #expect(keys[item.idempotencyKey] == nil, "key \(item.idempotencyKey) reused")
                keys[item.idempotencyKey] = label
                #expect(plan.commit.outbox.count == 1)
                if item.kind == .resolved { #expect(item.resolves == records[0].firingKey) }
            } else {
                #expect(plan.commit.outbox.isEmpty)
            }
            got.append(cell)
        }
        #expect(got.joined(separator: " ") == row.expect)
    }

    @Test func theReasonSaysWhyAnAlertIsHeldFiring() {
        var records: [AlertRecord] = []
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["sns"])
        var last: AlertPipeline.Plan?
        for step in "0:C 5:C 10:O 15:C 20:C 25:O 30:C 35:C 40:O".split(separator: " ") {
            let parts = step.split(separator: ":")
            last = pipeline.plan(
                findings: [finding(parts[1])], previous: records, silences: [], now: t0 + offset(String(parts[0])))
            records = last!.commit.records
        }
        #expect(
            last?.reasons == [
                "s3.lifecycle.noncurrent/mne-media-replica: held firing: flapped 5 times in the last 1 h (limit 4); notify flapping-1: held firing by flap damping"
            ])
        #expect(
            last?.message?.items.first?.flapping
                == "flapped 5 times in the last 1 h (limit 4) — held firing until it is stable")
    }

    @Test func silencedNotificationsAreLoggedOnceWithTheSilence() {
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["slack"])
        let silence = Silence(
            id: 3, check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", startsAt: t0, endsAt: t0 + 7200,
            reason: "lifecycle migration", createdBy: "ops", createdAt: t0)
        var records: [AlertRecord] = []
        var log: [AlertLogEntry] = []
        for minute in [0, 5, 10, 15] {
            let plan = pipeline.plan(
                findings: [finding("C")], previous: records, silences: [silence], now: t0 + TimeInterval(minute * 60))
            records = plan.commit.records
            log += plan.commit.log
            #expect(plan.commit.outbox.isEmpty)
        }
        #expect(log.count == 1)
        #expect(log.first?.kind == "firing")
        #expect(log.first?.silencedBy == 3)
        #expect(log.first?.reason.hasSuffix(": lifecycle migration") == true)
        #expect(records[0].silencedBy == 3)
        // A silence for another resource does not match.
        let other = Silence(
            id: 4, check: "s3.lifecycle.noncurrent", resource: "mne-vault-replica", startsAt: t0, endsAt: t0 + 7200,
            reason: "x", createdBy: "ops", createdAt: t0)
        let plan = pipeline.plan(findings: [finding("C")], previous: records, silences: [other], now: t0 + 1200)
        #expect(plan.message?.items.map(\.kind) == [.firing])
    }

    @Test func withoutChannelsStatesAreKeptAndNothingIsQueued() {
        let pipeline = AlertPipeline(rules: AlertRules(), channels: [])
        var records: [AlertRecord] = []
        for minute in [0, 5] {
            let plan = pipeline.plan(
                findings: [finding("C")], previous: records, silences: [], now: t0 + TimeInterval(minute * 60))
            records = plan.commit.records
            #expect(plan.message == nil)
            #expect(plan.commit.outbox.isEmpty)
        }
        #expect(records[0].phase == .firing)
        #expect(records[0].notifiedEpisode == nil)
        // Once a channel is configured, the alert that is still firing is sent.
        let plan = AlertPipeline(rules: AlertRules(), channels: ["sns"]).plan(
            findings: [finding("C")], previous: records, silences: [], now: t0 + 600)
        #expect(plan.message?.items.map(\.kind) == [.firing])
    }
}

@Suite struct GroupingTests {
    @Test func alertsThatStartInOneCycleGoOutAsOneMessagePerChannel() throws {
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["sns", "slack"])
        let findings = [
            finding("C", resource: "mne-media-replica"), finding("C", resource: "mne-vault-replica"),
            finding("W", resource: "mne-media-prod"), finding("O", resource: "mne-vault-prod"),
        ]
        var plan = pipeline.plan(findings: findings, previous: [], silences: [], now: t0)
        plan = pipeline.plan(findings: findings, previous: plan.commit.records, silences: [], now: t0 + 300)
        let message = try #require(plan.message)
        #expect(message.items.map(\.resource) == ["mne-media-replica", "mne-vault-replica"])
        #expect(plan.commit.outbox.map(\.channel) == ["sns", "slack"])
        #expect(Set(plan.commit.outbox.map(\.idempotencyKey)) == [message.idempotencyKey])
        #expect(message.idempotencyKey == IdempotencyKey.group(message.items.map(\.idempotencyKey)))
        // The warning joins later, in its own message.
        plan = pipeline.plan(findings: findings, previous: plan.commit.records, silences: [], now: t0 + 600)
        #expect(plan.message?.items.map(\.resource) == ["mne-media-prod"])
        // Both criticals and the warning clear in one cycle: one resolve message with three items.
        let cleared = findings.map { f in finding("O", resource: f.resource) }
        plan = pipeline.plan(findings: cleared, previous: plan.commit.records, silences: [], now: t0 + 900)
        #expect(plan.message?.items.map(\.kind) == [.resolved, .resolved, .resolved])
        #expect(plan.commit.log.count == 3)
        #expect(plan.commit.log.allSatisfy { $0.groupKey == plan.message?.idempotencyKey })
    }

    @Test func idempotencyKeysAreStablePerCheckResourceEpisodeAndKind() {
        let a = IdempotencyKey.alert(
            check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", episode: 3, kind: "firing")
        #expect(
            a
                == IdempotencyKey.alert(
                    check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", episode: 3, kind: "firing"))
        #expect(
            a
                != IdempotencyKey.alert(
                    check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", episode: 4, kind: "firing"))
        #expect(
            a
                != IdempotencyKey.alert(
                    check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", episode: 3, kind: "resolved"))
        #expect(
            a
                != IdempotencyKey.alert(
                    check: "s3.lifecycle.noncurrent", resource: "mne-vault-replica", episode: 3, kind: "firing"))
        #expect(a.hasPrefix("mn-") && a.count == 19)
        // FNV-1a 64 of the empty input is the offset basis: the algorithm is the published one.
        #expect(IdempotencyKey.of([]) == "mn-cbf29ce484222325")
        #expect(IdempotencyKey.group(["b", "a"]) == IdempotencyKey.group(["a", "b"]))
    }
}
