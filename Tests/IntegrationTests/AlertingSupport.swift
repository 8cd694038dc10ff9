import Foundation
import MnemondConfig
import MnemondProcess
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The peers of an alerting acceptance test: a private simulator in the target state (the test
/// applies faults), the guide's SNS topic with an SQS queue subscribed to it, a Slack receiver
/// (HTTP recorder) whose webhook URL sits in a file, and a config that pages both.
final class AlertingFixture: Sendable {
    let simulator: AWSSimulator
    let slack: HTTPRecorder
    let directory: URL
    let queueURL: String
    /// The secret part of the webhook URL: it must never show up in logs or the store.
    let webhookToken = "XyZwebhookSECRET\(UInt32.random(in: 1000...9999))"
    static let topicArn = "arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts"

    var db: String { directory.appendingPathComponent("mnemond.sqlite").path }
    var webhookFile: String { directory.appendingPathComponent("slack-webhook").path }
    var webhookURL: String { slack.endpoint.absoluteString + "/services/T0MNEMOND/B0ALERTS/\(webhookToken)" }

    private init(simulator: AWSSimulator, slack: HTTPRecorder, directory: URL, queueURL: String) {
        self.simulator = simulator
        self.slack = slack
        self.directory = directory
        self.queueURL = queueURL
    }

    /// `now` pins the simulator's seeded history (see `AWSSimulator.start`); a test that drives its
    /// checks' clock through hours must pass the instant its clock starts at.
    static func start(now: Date? = nil) async throws -> AlertingFixture {
        let simulator = try await AWSSimulator.start(state: .target, now: now)
        let slack = try await HTTPRecorder.start()
        let created = try await boto(
            """
            sns = client("sns", "eu-west-1"); sqs = client("sqs", "eu-west-1")
            queue = sqs.create_queue(QueueName="mnemond-alert-inbox")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=sys.argv[4], Protocol="sqs", Endpoint=arn)
            print(queue)
            """, simulator: simulator, arguments: [topicArn])
        // The alerting tests start from an estate without findings: give the DR topic the policy
        // guide Step 8.2 sets only on the eu-west-1 topic (see `guideTargetDRTopicPolicyGap`).
        _ = try await boto(
            """
            sns = client("sns", "eu-west-3"); arn = sys.argv[4].replace("eu-west-1", "eu-west-3") + "-dr"
            policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
            policy["Statement"].append({"Sid": "AllowEventBridgePublish", "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": arn})
            sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
            """, simulator: simulator, arguments: [topicArn])
        let fixture = AlertingFixture(
            simulator: simulator, slack: slack, directory: temporaryDirectory(),
            queueURL: created.trimmingCharacters(in: .whitespacesAndNewlines))
        try (fixture.webhookURL + "\n").write(toFile: fixture.webhookFile, atomically: true, encoding: .utf8)
        return fixture
    }

    func stop() async {
        await slack.stop()
        await simulator.stop()
    }

    /// The shipped config with an `alerting:` section appended.
    func config(channels: String? = nil, extra: String = "") throws -> String {
        let text = try String(contentsOfFile: repoConfig, encoding: .utf8)
        let channelText =
            channels ?? """
                    sns:
                      topic_arn: \(Self.topicArn)
                    slack:
                      webhook_url_file: \(webhookFile)
                """
        return try writeConfig(
            text + "\nalerting:\n  channels:\n\(channelText)\n\(extra)", in: directory)
    }

    /// `mnemond check --once` against the simulator.
    func check(_ config: String, extra: [String] = []) async throws -> CLIResult {
        try await CLI.run(
            ["check", "--once", "--config", config, "--db", db] + extra, environment: simulator.environment)
    }

    /// SNS notifications that reached the queue since the last call (the SNS JSON envelopes).
    func sqsMessages() async throws -> [[String: Any]] {
        let text = try await AlertingFixture.boto(
            """
            sqs = client("sqs", "eu-west-1"); out = []
            while True:
                got = sqs.receive_message(QueueUrl=sys.argv[4], MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
                if not got:
                    break
                for m in got:
                    out.append(json.loads(m["Body"]))
                    sqs.delete_message(QueueUrl=sys.argv[4], ReceiptHandle=m["ReceiptHandle"])
            print(json.dumps(out))
            """, simulator: simulator, arguments: [queueURL])
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [[String: Any]]
    }

    /// Puts the guide's 180-day lifecycle back on mne-media-replica (undoes lifecycle-noncurrent-15d).
    func repairReplicaLifecycle() async throws {
        _ = try await AlertingFixture.boto(
            """
            sys.path.insert(0, sys.argv[4]); import estate
            s3 = client("s3", "eu-west-3")
            s3.put_bucket_lifecycle_configuration(Bucket="mne-media-replica",
                LifecycleConfiguration=estate.lifecycle("mne-media-replica", target=True))
            """, simulator: simulator,
            arguments: [PeerProcess.repoRoot().appendingPathComponent("Tests/Simulator").path])
    }

    /// Runs a boto3 snippet against the simulator; `client(service, region)` is predefined and
    /// `sys.argv[4...]` are `arguments`. Returns stdout.
    static func boto(_ body: String, simulator: AWSSimulator, arguments: [String] = []) async throws -> String {
        let script = """
            import boto3, json, sys
            from botocore.config import Config
            def client(service, region):
                return boto3.client(service, endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
                    aws_secret_access_key=sys.argv[3], region_name=region,
                    config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))

            """ + body
        let result = try await runProgram(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                PeerProcess.defaultPython, "-c", script, simulator.endpoint.absoluteString, simulator.accessKeyID,
                simulator.secretAccessKey,
            ] + arguments)
        guard result.status == 0 else { throw PeerError("boto3 snippet failed: \(result.stderr.suffix(800))") }
        return result.stdout
    }
}

/// A `mnemond` process the test does not wait for (to kill it mid-delivery).
final class RunningCLI: @unchecked Sendable {
    // @unchecked: `process` is configured in init and only signalled afterwards.
    let process = Process()
    let stderrFile: URL
    private let exit: ProcessExit

    init(_ arguments: [String], environment: [String: String], directory: URL) throws {
        process.executableURL = CLI.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("AWS_") { env[key] = nil }
        env.merge(environment) { $1 }
        process.environment = env
        stderrFile = directory.appendingPathComponent("stderr-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        exit = ProcessExit(process)
        try process.run()
    }

    /// SIGKILL, then waits until the process is gone.
    func killHard() async {
        kill(process.processIdentifier, SIGKILL)
        _ = await exit.wait(timeout: .seconds(300))
    }

    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }
}

/// Polls `condition` every 50 ms for up to `timeout` (the event is in another process).
func eventually(_ timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
}

/// The Slack Block Kit body of a recorded request, parsed.
func slackDocument(_ request: RecordedRequest) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
}

/// Every idempotency key (`mn-` + 16 hex) in a text.
func idempotencyKeys(in text: String) -> [String] {
    var keys: [String] = []
    var rest = Substring(text)
    while let range = rest.range(of: "mn-") {
        let candidate = rest[range.upperBound...].prefix(16)
        if candidate.count == 16, candidate.allSatisfy(\.isHexDigit) { keys.append("mn-" + candidate) }
        rest = rest[range.upperBound...]
    }
    return keys
}
