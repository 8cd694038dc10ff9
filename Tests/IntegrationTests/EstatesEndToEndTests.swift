import Foundation
import MnemondHTTP
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several estates in one config, each its own AWS account: three simulators (one account each),
/// reached as the SDKs reach accounts — a base identity per profile and an AssumeRole into the
/// estate's role with an external ID. `alpha` is healthy, `bravo` gets a fault, `charlie` expects
/// another account than its credentials resolve to. One Alertmanager receives every estate's alerts.
@Suite(.serialized, .timeLimit(.minutes(15))) struct EstatesEndToEndTests {
    static let role = "arn:aws:iam::828879644785:role/mnemond-reader"

    @Test func eachEstateKeepsItsFindingsAndPagesOnlyForItsOwnFault() async throws {
        let dir = temporaryDirectory("mnemond-estates")
        async let startedA = AWSSimulator.start(state: .target)
        async let startedB = AWSSimulator.start(state: .target)
        async let startedC = AWSSimulator.start(state: .target)
        let simulators = try await [startedA, startedB, startedC]
        let am = try AlertmanagerPeer(directory: dir)
        defer {
            Task {
                await am.shutdown()
                for simulator in simulators { await simulator.stop() }
                try? FileManager.default.removeItem(at: dir)
            }
        }
        try await am.start()
        let names = ["alpha", "bravo", "charlie"]
        for simulator in simulators {
            // The alerting tests' healthy start: the DR topic gets the policy guide Step 8.2 sets.
            _ = try await AlertingFixture.boto(
                """
                sns = client("sns", "eu-west-3"); arn = sys.argv[4]
                policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
                policy["Statement"].append({"Sid": "AllowEventBridgePublish", "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": arn})
                sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
                """, simulator: simulator, arguments: ["arn:aws:sns:eu-west-3:828879644785:mnemonica-backup-alerts-dr"])
        }
        let home = try Self.home(
            in: dir, profiles: zip(names, simulators).map { ("\($0)-base", $1.endpoint, $1) })
        let port = try PeerProcess.unusedLoopbackPort()
        // Shared: the guide's policy, the store (one file per estate), the Alertmanager channel, the
        // rules (UNKNOWN pages at once here, so an UNKNOWN the wrong account causes would page too
        // if it were not inhibited) and the metrics listener. Per estate: credentials and account.
        let config = try Self.config(
            in: dir, drainSeconds: 30,
            extra: """
                metrics:
                  listen: 127.0.0.1:\(port)
                alerting:
                  channels:
                    alertmanager:
                      url: \(am.url)
                      resend_interval: 10m
                  rules:
                    unknown: {for: 1, repeat: 24h}
                estates:
                  - name: alpha
                    role_arn: \(Self.role)
                    external_id: alpha-7f3e
                    aws: {profile: alpha-base}
                  - name: bravo
                    role_arn: \(Self.role)
                    external_id: bravo-19c2
                    aws: {profile: bravo-base}
                  - name: charlie
                    # The account this estate should be; the role it assumes is in another.
                    account_id: "111111111111"
                    backup: null
                    recovery_path: null
                    role_arn: \(Self.role)
                    aws: {profile: charlie-base}
                """)
        let environment = [
            "HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "eu-west-1",
        ]
        func check() async throws -> CLIResult {
            try await CLI.run(["check", "--once", "--config", config, "--log-level", "info"], environment: environment)
        }
        func statuses() async throws -> [String: [String: Any]] {
            let run = try await CLI.run(["status", "--json", "--config", config], environment: environment)
            let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let estates = try #require(document?["estates"] as? [[String: Any]], "\(run.stdout)\n\(run.stderr)")
            return Dictionary(
                uniqueKeysWithValues: estates.map {
                    ($0["estate"] as? String ?? "?", $0["output"] as? [String: Any] ?? [:])
                })
        }
        func state(_ status: [String: Any]?, _ check: String, _ resource: String) -> String? {
            let findings = status?["findings"] as? [[String: Any]] ?? []
            return findings.first { $0["check"] as? String == check && $0["resource"] as? String == resource }?["state"]
                as? String
        }

        let validate = try await CLI.run(["config", "validate", "--config", config], environment: environment)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(
            validate.stdout.contains("3 estates: alpha (account 828879644785, 4 buckets), bravo"), "\(validate.stdout)")

        var run = try await check()
        #expect(run.status == 2, "charlie's account is critical\n\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("── estate alpha (account 828879644785) ──"), "\(run.stdout)")
        // Each estate called AWS as its own role, the session named after it.
        #expect(run.stdout.contains("assumed-role/mnemond-reader/mnemond-charlie"), "\(run.stdout)")
        try await simulators[1].apply(fault: "lifecycle-noncurrent-15d")
        run = try await check()
        run = try await check()
        #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")

        let status = try await statuses()
        #expect(Set(status.keys) == Set(names))
        #expect(state(status["alpha"], "s3.lifecycle.noncurrent", "mne-media-replica") == "OK")
        #expect(state(status["bravo"], "s3.lifecycle.noncurrent", "mne-media-replica") == "CRITICAL")
        #expect(state(status["charlie"], "s3.lifecycle.noncurrent", "mne-media-replica") == "UNKNOWN")
        #expect(state(status["charlie"], "account.identity", "account") == "CRITICAL")
        let alphaFindings = status["alpha"]?["findings"] as? [[String: Any]] ?? []
        #expect(!alphaFindings.isEmpty)
        let alphaFailing = alphaFindings.filter { $0["effective_state"] as? String != "OK" }
        #expect(alphaFailing.isEmpty, "\(alphaFailing)")

        // Commands for one estate name it; without the name they say which there are.
        let report = try await CLI.run(
            ["report", "--estate", "bravo", "--config", config], environment: environment)
        #expect(
            report.stdout.contains("mnemond weekly recovery report — estate bravo, "),
            "\(report.stdout.prefix(300))\n\(report.stderr)")
        let unnamed = try await CLI.run(
            ["history", "rds_pitr_lag_seconds", "--config", config], environment: environment)
        #expect(unnamed.status == 78)
        #expect(
            unnamed.stderr.contains("the file lists 3 estates (alpha, bravo, charlie): name one with --estate"),
            "\(unnamed.stderr)")

        // Alertmanager: bravo's fault and charlie's account, each once, with its estate label.
        let alerts = try await am.activeAlerts()
        let seen = Set(
            alerts.map { "\($0.labels["estate"] ?? "")/\($0.labels["check"] ?? "")/\($0.labels["resource"] ?? "")" })
        #expect(
            seen == ["bravo/s3.lifecycle.noncurrent/mne-media-replica", "charlie/account.identity/account"], "\(alerts)"
        )
        #expect(alerts.count == 2)
        // charlie paged once: one message for the account, none for the 40-odd UNKNOWNs it causes.
        let charlieRows = try await Store.openReadOnly(path: dir.appendingPathComponent("mnemond-charlie.sqlite").path)
            .outboxRows()
        #expect(charlieRows.count == 1, "\(charlieRows.map(\.payload))")
        #expect(charlieRows.first?.payload.contains("\"estate\":\"charlie\"") == true)
        let alphaRows = try await Store.openReadOnly(path: dir.appendingPathComponent("mnemond-alpha.sqlite").path)
            .outboxRows()
        #expect(alphaRows.isEmpty)

        // The daemon runs the three at once; its one listener serves every estate's series.
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--log-level", "info"], environment: environment)
        do {
            try await Self.scrape(port: port, names: names, daemon: daemon)
        } catch {
            await daemon.kill()
            throw error
        }
        await daemon.kill()
        let rowsAfter = try await Store.openReadOnly(path: dir.appendingPathComponent("mnemond-charlie.sqlite").path)
            .outboxRows()
        #expect(rowsAfter.count == 1, "charlie paged again")
        #expect(try await am.activeAlerts().count == 2)
    }

    /// A HOME whose shared AWS config has one profile per entry: the simulator's keys and an
    /// `endpoint_url` (each estate's AWS is where its profile says).
    static func home(in dir: URL, profiles: [(name: String, endpoint: URL, keys: AWSSimulator)]) throws -> URL {
        let home = dir.appendingPathComponent("home")
        try FileManager.default.createDirectory(
            at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        let text = profiles.map {
            """
            [profile \($0.name)]
            aws_access_key_id = \($0.keys.accessKeyID)
            aws_secret_access_key = \($0.keys.secretAccessKey)
            region = eu-west-1
            endpoint_url = \($0.endpoint.absoluteString)

            """
        }
        try text.joined().write(to: home.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        return home
    }

    /// The test daemon's config (`daemonConfig`) with `extra`, its stores in `dir`.
    static func config(in dir: URL, drainSeconds: Int, extra: String) throws -> String {
        let text = try daemonConfig(drainSeconds: drainSeconds, extra: extra).replacingOccurrences(
            of: "path: /var/lib/mnemond/mnemond.sqlite",
            with: "path: \(dir.appendingPathComponent("mnemond.sqlite").path)")
        return try writeConfig(text, in: dir)
    }

    /// The daemon's one listener serves every estate's series, each with its `estate` label.
    static func scrape(port: Int, names: [String], daemon: DaemonProcess) async throws {
        let body = try await exposition(port: port, timeout: .seconds(240)) { body in
            names.allSatisfy { body.contains("mnemond_last_cycle_timestamp_seconds{estate=\"\($0)\"}") }
        }
        for name in names {
            #expect(
                body.contains("mnemond_last_cycle_timestamp_seconds{estate=\"\(name)\"}"),
                "\(name) missing\n\(body.prefix(2000))\n\(daemon.stderr.suffix(3000))")
        }
        #expect(
            body.contains(
                "mnemond_check_state{check=\"s3.lifecycle.noncurrent\",estate=\"bravo\",resource=\"mne-media-replica\"} 2"
            ))
        #expect(
            body.contains(
                "mnemond_check_state{check=\"s3.lifecycle.noncurrent\",estate=\"alpha\",resource=\"mne-media-replica\"} 0"
            ))
        // One HELP and TYPE per family, however many estates: the exposition format allows no second.
        #expect(body.components(separatedBy: "# TYPE mnemond_check_state gauge").count == 2)
        #expect(daemon.stderr.contains("estate=charlie"))
    }

    /// `/metrics` once `done` holds for it, or the last one seen when `timeout` passes first.
    static func exposition(port: Int, timeout: Duration, until done: (String) -> Bool) async throws -> String {
        let client = HTTPClient()
        defer { Task { await client.shutdown() } }
        var body = ""
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let response = try? await client.send(
                HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/metrics")!)),
                response.status == 200
            {
                body = String(decoding: response.body, as: UTF8.self)
                if done(body) { break }
            }
            try await Task.sleep(for: .seconds(1))
        }
        return body
    }

    /// Per-estate isolation: one estate whose every AWS answer is AccessDenied and one whose AWS
    /// never answers (held 10 min) run beside a healthy one. The healthy estate's cycles and the
    /// denied estate's UNKNOWNs come as if the others were not there; the stalled estate shows
    /// nothing yet, and the daemon still stops within its drain deadline.
    @Test func aDeniedAndAStalledEstateDelayNoOther() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory("mnemond-estates-isolation")
        let denied = try await FaultProxy.start(upstream: simulator.endpoint)
        let stalled = try await FaultProxy.start(upstream: simulator.endpoint)
        defer {
            Task {
                await denied.peer.stop()
                await stalled.peer.stop()
                try? FileManager.default.removeItem(at: dir)
            }
        }
        try await denied.set(.init("access-denied"))
        try await stalled.set(.init("delay", seconds: 600))
        let home = try Self.home(
            in: dir,
            profiles: [
                ("alpha", simulator.endpoint, simulator), ("denied", denied.endpoint, simulator),
                ("stalled", stalled.endpoint, simulator),
            ])
        let port = try PeerProcess.unusedLoopbackPort()
        let config = try Self.config(
            in: dir, drainSeconds: 20,
            extra: """
                metrics:
                  listen: 127.0.0.1:\(port)
                estates:
                  - name: alpha
                    aws: {profile: alpha}
                  - name: denied
                    role_arn: \(Self.role)
                    external_id: denied-5b1d
                    aws: {profile: denied}
                  - name: stalled
                    aws: {profile: stalled, request_timeout_seconds: 600}
                """)
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--log-level", "info"],
            environment: ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "eu-west-1"])
        let body: String
        do {
            // alpha's pitr family runs every 2 s: several of its cycles, while stalled waits on its first.
            body = try await Self.exposition(port: port, timeout: .seconds(240)) { body in
                body.contains("mnemond_last_cycle_timestamp_seconds{estate=\"alpha\"}")
                    && body.contains("mnemond_last_cycle_timestamp_seconds{estate=\"denied\"}")
            }
        } catch {
            await daemon.kill()
            throw error
        }
        #expect(
            body.contains(
                "mnemond_check_state{check=\"rds.pitr_lag\",estate=\"alpha\",resource=\"eks-mnemonica-prod\"} 0"),
            "\(body.prefix(3000))\n\(daemon.stderr.suffix(3000))")
        #expect(
            body.contains("mnemond_check_state{check=\"account.identity\",estate=\"denied\",resource=\"account\"} 3"),
            "\(body.prefix(3000))")
        #expect(!body.contains("estate=\"stalled\""), "the stalled estate finished a cycle")
        #expect(daemon.stderr.contains("AccessDenied"), "\(daemon.stderr.suffix(3000))")
        let held = try await stalled.stats()
        #expect(held.faulted >= 1 && held.forwarded == 0, "the stalled estate was asked and never answered")

        // The stop drains within its deadline although the stalled estate's run never ends.
        let clock = ContinuousClock()
        let stopping = clock.now
        daemon.signal(SIGTERM)
        let status = await daemon.waitForExit(timeout: .seconds(90))
        let took = clock.now - stopping
        if status == nil { await daemon.kill() }
        #expect(status == 0, "\(daemon.stderr.suffix(3000))")
        #expect(took < .seconds(80), "stop took \(took)")
        #expect(daemon.stderr.contains("drain deadline passed"), "\(daemon.stderr.suffix(2000))")
        #expect(daemon.stderr.contains("stalled/"), "the abandoned runs name their estate")
    }
}
