import Foundation
import MnemondConfig
import MnemondTestSupport
import Testing

/// deploy/iam-policy.json is enough for every call mnemond makes, and a call it does not allow
/// turns exactly the checks that need it UNKNOWN with AccessDenied — the simulator enforces IAM
/// policies when signature verification is on.
@Suite(.serialized, .timeLimit(.minutes(15))) struct LeastPrivilegeTests {
    /// Creates an IAM user with `policy` in the simulator and returns its access key pair.
    func user(_ name: String, policy: String, on simulator: AWSSimulator) async throws -> (String, String) {
        let script = """
            import boto3, json, sys
            from botocore.config import Config
            iam = boto3.client("iam", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
                aws_secret_access_key=sys.argv[3], region_name="us-east-1",
                config=Config(retries={"max_attempts": 1}))
            iam.create_user(UserName=sys.argv[4])
            iam.put_user_policy(UserName=sys.argv[4], PolicyName="mnemond", PolicyDocument=sys.stdin.read())
            key = iam.create_access_key(UserName=sys.argv[4])["AccessKey"]
            print(json.dumps([key["AccessKeyId"], key["SecretAccessKey"]]))
            """
        let created = try await runProgram(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                PeerProcess.defaultPython, "-c", script, simulator.endpoint.absoluteString, simulator.accessKeyID,
                simulator.secretAccessKey, name,
            ], input: Data(policy.utf8))
        #expect(created.status == 0, "\(created.stderr)")
        let data = Data(created.stdout.utf8)
        let pair = try JSONSerialization.jsonObject(with: data) as! [String]
        return (pair[0], pair[1])
    }

    @Test func theShippedPolicyAllowsEveryCallAndAMissingActionIsUnknown() async throws {
        let simulator = try await AWSSimulator.start(state: .target, auth: true)
        defer { Task { await simulator.stop() } }
        let policyPath = PeerProcess.repoRoot().appendingPathComponent("deploy/iam-policy.json").path
        let policy = try String(contentsOfFile: policyPath, encoding: .utf8)

        let (key, secret) = try await user("mnemond-least-privilege", policy: policy, on: simulator)
        var env = simulator.environment
        env["AWS_ACCESS_KEY_ID"] = key
        env["AWS_SECRET_ACCESS_KEY"] = secret
        let dir = temporaryDirectory()
        let ok = try await CLI.run(
            ["check", "--once", "--config", repoConfig, "--db", dir.appendingPathComponent("a.sqlite").path],
            environment: env)
        // Every call allowed: nothing UNKNOWN; the one critical is the guide's DR topic policy.
        #expect(ok.status == 2, "stdout: \(ok.stdout) stderr: \(ok.stderr)")
        #expect(ok.stdout.split(separator: "\n").last?.hasPrefix("CRITICAL: 1 critical, ") == true, "\(ok.stdout)")
        #expect(!ok.stdout.contains("UNKNOWN"), "\(ok.stdout)")

        let narrowed = policy.replacingOccurrences(of: "\"s3:GetLifecycleConfiguration\",", with: "")
        let (key2, secret2) = try await user("mnemond-narrow", policy: narrowed, on: simulator)
        env["AWS_ACCESS_KEY_ID"] = key2
        env["AWS_SECRET_ACCESS_KEY"] = secret2
        let denied = try await CLI.run(
            ["check", "--once", "--json", "--config", repoConfig, "--db", dir.appendingPathComponent("b.sqlite").path],
            environment: env)
        // UNKNOWN lifecycle checks, and the guide's own DR topic policy gap (critical).
        #expect(denied.status == 2, "stdout: \(denied.stdout) stderr: \(denied.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(denied.stdout.utf8)) as! [String: Any]
        let findings = document["findings"] as! [[String: Any]]
        for finding in findings where finding["accepted_risk"] == nil {
            let message = finding["message"] as! String
            if (finding["check"] as! String).hasPrefix("s3.lifecycle.") {
                #expect(finding["state"] as? String == "UNKNOWN")
                #expect(message.contains("s3:GetBucketLifecycleConfiguration"), "\(message)")
                #expect(message.contains("AccessDenied"), "\(message)")
            } else if "\(finding["check"]!) \(finding["resource"]!)" != guideTargetDRTopicPolicyGap {
                #expect(finding["state"] as? String == "OK", "\(message)")
            }
        }
    }
}
