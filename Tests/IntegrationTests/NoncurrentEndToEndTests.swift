import Foundation
import MnemondConfig
import MnemondDaemon
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

/// The walking skeleton end to end: simulator → S3 collector → check → store → CLI.
@Suite(.serialized, .timeLimit(.minutes(15))) struct NoncurrentEndToEndTests {
    @Test func currentStateReportsTheGuidesLifecycleChanges() async throws {
        let simulator = try await AWSSimulator.shared(.current)
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        let result = try await CLI.run(
            ["check", "--once", "--json", "--config", repoConfig, "--db", db], environment: simulator.environment)
        #expect(result.status == 2, "stderr: \(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let findings = (document["findings"] as! [[String: Any]]).filter {
            $0["check"] as? String == "s3.lifecycle.noncurrent"
        }
        let summary = Dictionary(
            uniqueKeysWithValues: findings.map {
                ($0["resource"] as! String, "\($0["state"]!) found \($0["found"]!) want \($0["expected"]!)")
            })
        #expect(
            summary == [
                "mne-media-prod": "WARNING found 180 d want 35 d",
                "mne-vault-prod": "WARNING found 180 d want 35 d",
                "mne-media-replica": "CRITICAL found 15 d want 180 d",
                "mne-vault-replica": "WARNING found no lifecycle want 180 d",
            ])
        #expect(document["state"] as? String == "CRITICAL")
        #expect(document["exit_code"] as? Int == 2)

        // status reads the same state back from the store, with since-when.
        let status = try await CLI.run(["status", "--db", db])
        #expect(status.status == 2, "stderr: \(status.stderr)")
        #expect(status.stdout.contains("mne-media-replica"))
        #expect(status.stdout.contains("noncurrent versions expire after 15 d; guide requires 180 d (Phase 2)"))
        #expect(status.stdout.contains("[s3]"))
        let json = try await CLI.run(["status", "--json", "--db", db, "--check", "s3.lifecycle.noncurrent"])
        let stored = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let rows = stored["findings"] as! [[String: Any]]
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0["since"] is String && $0["last_evaluated"] is String })
    }

    /// All OK but the guide's own gap (`guideTargetDRTopicPolicyGap`): one critical.
    @Test func targetStateIsAllOKButTheGuidesDRTopicPolicy() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        let result = try await CLI.run(
            ["check", "--once", "--config", repoConfig, "--db", db], environment: simulator.environment)
        #expect(result.status == 2, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stdout.split(separator: "\n").last?.hasPrefix("CRITICAL: 1 critical, ") == true)
        #expect(!result.stdout.contains("WARNING") && !result.stdout.contains("UNKNOWN"), "\(result.stdout)")
        let status = try await CLI.run(["status", "--db", db])
        #expect(status.status == 2)
    }

    @Test func sinceHoldsWhileTheStateHoldsAndRestartsWhenItChanges() async throws {
        let simulator = try await AWSSimulator.start(state: .target)
        defer { Task { await simulator.stop() } }
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("mnemond.sqlite").path
        let config = try Config.load(path: repoConfig)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        let runtime = try Runtime.build(
            config: config,
            options: RuntimeOptions(dbPath: db, environment: simulator.environment, now: { clock.now }))
        _ = try await runtime.runCycle()
        clock.advance(by: 600)
        _ = try await runtime.runCycle()
        var states = try await runtime.store.currentStates()
        var replica = states.first { $0.check == "s3.lifecycle.noncurrent" && $0.resource == "mne-media-replica" }!
        #expect(replica.state == .ok)
        #expect(replica.since == Date(timeIntervalSince1970: 1_790_000_000))
        #expect(replica.lastEvaluated == Date(timeIntervalSince1970: 1_790_000_600))

        try await simulator.apply(fault: "lifecycle-noncurrent-15d")
        clock.advance(by: 600)
        let outcome = try await runtime.runCycle()
        #expect(outcome.overall == .critical)
        states = try await runtime.store.currentStates()
        replica = states.first { $0.check == "s3.lifecycle.noncurrent" && $0.resource == "mne-media-replica" }!
        #expect(replica.state == .critical)
        #expect(replica.since == Date(timeIntervalSince1970: 1_790_001_200))
        #expect(replica.found == "15 d")
        // The sample series records the measured retention over time.
        let samples = try await runtime.store.samples(
            series: .s3LifecycleNoncurrentDays, labels: ["bucket": "mne-media-replica"], since: .distantPast)
        #expect(samples.map(\.value) == [180, 180, 15])
        await runtime.shutdown()
    }

    /// The shipped estate's buckets and nothing else: the walking skeleton's config.
    static func bucketsOnlyConfig(replacing: String = "", with replacement: String = "", timeout: Int = 30) -> String {
        """
        account_id: "828879644785"
        aws:
          request_timeout_seconds: \(timeout)
        buckets:
          - {name: mne-media-prod, region: eu-west-1, role: source, noncurrent_days: 35, guide: Phase 1}
          - {name: mne-vault-prod, region: eu-west-1, role: source, noncurrent_days: 35, guide: Phase 2A}
          - {name: mne-media-replica, region: eu-west-3, role: replica, noncurrent_days: 180, guide: Phase 2}
          - {name: mne-vault-replica, region: eu-north-1, role: replica, noncurrent_days: 180, guide: Phase 2B}
        """.replacingOccurrences(of: replacing.isEmpty ? "\u{0}" : replacing, with: replacement)
    }

    @Test func aMissingBucketIsUnknownWithActionAndCodeWhileOthersAreEvaluated() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory()
        let config = try writeConfig(
            Self.bucketsOnlyConfig(replacing: "name: mne-vault-replica", with: "name: mne-vault-replica-gone"), in: dir)
        let result = try await CLI.run(
            ["check", "--once", "--json", "--config", config, "--db", dir.appendingPathComponent("db.sqlite").path],
            environment: simulator.environment)
        #expect(result.status == 3, "stderr: \(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let findings = document["findings"] as! [[String: Any]]
        // Every check that calls S3 about the bucket (CloudWatch's object count has its own outcome).
        let gone = findings.filter {
            $0["resource"] as? String == "mne-vault-replica-gone" && $0["check"] as? String != "s3.replica.object_count"
        }
        #expect(gone.count >= 4)
        for finding in gone {
            #expect(finding["state"] as? String == "UNKNOWN")
            let message = finding["message"] as! String
            #expect(message.contains("NoSuchBucket"), "\(message)")
            #expect(message.contains("s3:Get"))
            #expect(message.contains("(eu-north-1)"))
        }
        let others = findings.filter {
            $0["resource"] as? String != "mne-vault-replica-gone" && $0["check"] as? String != "s3.replica.object_count"
        }
        #expect(others.count >= 10)
        #expect(others.allSatisfy { $0["state"] as? String == "OK" }, "\(others)")
    }

    @Test func aTimeoutIsUnknownNamingTheAction() async throws {
        let recorder = try await HTTPRecorder.start()
        defer { Task { await recorder.stop() } }
        try await recorder.enqueue(
            responses: Array(repeating: ScriptedResponse(status: 200, text: "<x/>", delay: .seconds(3)), count: 120))
        let dir = temporaryDirectory()
        let config = try writeConfig(Self.bucketsOnlyConfig(timeout: 1), in: dir)
        let result = try await CLI.run(
            ["check", "--once", "--json", "--config", config, "--db", dir.appendingPathComponent("db.sqlite").path],
            environment: [
                "AWS_ENDPOINT_URL": recorder.endpoint.absoluteString, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_EC2_METADATA_DISABLED": "true",
            ])
        #expect(result.status == 3, "stderr: \(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let findings = document["findings"] as! [[String: Any]]
        #expect(findings.count >= 10)
        let notTimedOut = findings.filter { !($0["message"] as! String).contains(": Timeout") }
        #expect(notTimedOut.isEmpty, "\(notTimedOut)")
    }

    @Test func configErrorsExit78NamingFileLineAndKey() async throws {
        let dir = temporaryDirectory()
        var text = try String(contentsOfFile: repoConfig, encoding: .utf8)
        text = text.replacingOccurrences(of: "noncurrent_days: 180       # Step 2B.3", with: "noncurent_days: 180")
        let config = try writeConfig(text, in: dir)
        let line = text.components(separatedBy: "\n").firstIndex { $0.contains("noncurent_days: 180") }! + 1
        let result = try await CLI.run([
            "check", "--once", "--config", config, "--db", dir.appendingPathComponent("x").path,
        ])
        #expect(result.status == 78)
        #expect(
            result.stderr.contains(
                #"mnemond.yaml:\#(line):5: unknown key "noncurent_days" in buckets[3] (did you mean "noncurrent_days"?)"#
            ),
            "\(result.stderr)")
        let validate = try await CLI.run(["config", "validate", "--config", config])
        #expect(validate.status == 78)
        let good = try await CLI.run(["config", "validate", "--config", repoConfig])
        #expect(good.status == 0)
    }
}

/// A clock tests move by hand.
