import Foundation
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// Repeat interval and grouping, on a manual clock: `Runtime.runCycle()` driven through hours of
/// virtual time against the simulator, delivering to SNS → SQS and the Slack receiver. The
/// simulator's history (backup slots at 00/06/12/18 UTC, PITR, metrics) and the clock start at one
/// fixed instant, so which checks cross a threshold during those hours is the same at any hour.
@Suite(.serialized, .timeLimit(.minutes(15))) struct AlertingClockTests {
    static let start: Date = {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        return utc.date(from: DateComponents(year: 2026, month: 11, day: 24, hour: 15, minute: 40))!
    }()

    @Test func alertsStartingTogetherAreGroupedAndRepeatEveryFourHours() async throws {
        let f = try await AlertingFixture.start(now: Self.start)
        defer { Task { await f.stop() } }
        let config = try Config.load(path: try f.config())
        let clock = ManualClock(Self.start)
        let runtime = try Runtime.build(
            config: config,
            options: RuntimeOptions(dbPath: f.db, environment: f.simulator.environment, now: { clock.now }))
        defer { Task { await runtime.shutdown() } }
        let start = clock.now

        /// One cycle at `minutes` after the start; returns the alerts each channel was told about,
        /// as `check resource kind` (read from the SNS JSON documents, which list every item) and
        /// the Slack requests.
        func cycle(at minutes: Double) async throws -> (sns: [String], keys: [String: String], slack: Int) {
            clock.advance(by: minutes * 60 - clock.now.timeIntervalSince(start))
            try await f.slack.reset()
            _ = try await runtime.runCycle()
            var items: [String] = []
            var keys: [String: String] = [:]
            let messages = try await f.sqsMessages()
            for message in messages {
                let document =
                    try JSONSerialization.jsonObject(with: Data((message["Message"] as! String).utf8)) as! [String: Any]
                for alert in document["alerts"] as! [[String: Any]] {
                    let item = "\(alert["check"]!) \(alert["resource"]!) \(alert["kind"]!)"
                    items.append(item)
                    keys[item] = alert["idempotency_key"] as? String
                }
            }
            let slack = try await f.slack.requests().count
            #expect(slack == messages.count, "one Slack request per SNS message")
            return (items, keys, slack)
        }
        let replica = "s3.lifecycle.noncurrent mne-media-replica"
        let vault = "s3.versioning mne-vault-prod"

        // Two faults at once: both alerts start firing in the same cycle → one message per channel.
        try await f.simulator.apply(fault: "lifecycle-noncurrent-15d")
        try await f.simulator.apply(fault: "versioning-suspended")
        var got = try await cycle(at: 0)
        #expect(!got.sns.contains { $0.hasPrefix(replica) || $0.hasPrefix(vault) })
        got = try await cycle(at: 5)
        #expect(got.sns.contains("\(replica) firing") && got.sns.contains("\(vault) firing"), "\(got.sns)")
        #expect(got.slack == 1, "the alerts that started together went out as \(got.slack) Slack messages")
        let firingKey = try #require(got.keys["\(replica) firing"])

        // Still failing, inside the 4 h repeat interval: nothing more about them.
        for minutes in [15.0, 65, 125, 244] {
            got = try await cycle(at: minutes)
            #expect(!got.sns.contains { $0.hasPrefix(replica) || $0.hasPrefix(vault) }, "t+\(minutes) min: \(got.sns)")
        }

        // 4 h after the firing notification: one repeat each, grouped again, with new keys.
        got = try await cycle(at: 245)
        #expect(got.sns.filter { $0.hasPrefix(replica) } == ["\(replica) repeat"], "\(got.sns)")
        #expect(got.sns.filter { $0.hasPrefix(vault) } == ["\(vault) repeat"])
        #expect(got.slack == 1)
        #expect(got.keys["\(replica) repeat"] != firingKey)

        got = try await cycle(at: 300)
        #expect(!got.sns.contains { $0.hasPrefix(replica) })

        // Identity lives in the store: a second runtime (a restart) continues the same episode.
        let restarted = try Runtime.build(
            config: config,
            options: RuntimeOptions(dbPath: f.db, environment: f.simulator.environment, now: { clock.now }))
        clock.advance(by: 600)
        _ = try await restarted.runCycle()
        let afterRestart = try await f.sqsMessages().map { $0["Message"] as! String }
        #expect(
            !afterRestart.contains { $0.contains("s3.lifecycle.noncurrent on mne-media-replica") }, "\(afterRestart)")
        let record = try await restarted.store.alertRecords().first {
            $0.check == "s3.lifecycle.noncurrent" && $0.resource == "mne-media-replica"
        }
        #expect(record?.episode == 1)
        #expect(record?.repeats == 1)
        await restarted.shutdown()
    }
}
