import Foundation
import MnemondAWS
import MnemondConfig
import MnemondDaemon
import MnemondTestSupport
import Testing

/// The IAM actions a policy document allows: `Allow` statements' `Action` patterns (a string or
/// a list, `*` and `?` wildcards, case-insensitive as IAM compares them), minus `Deny` ones.
struct IAMPolicy {
    var allowed: [String] = []
    var denied: [String] = []

    init(json: Data) throws {
        let document = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let statements: [[String: Any]]
        if let list = document["Statement"] as? [[String: Any]] {
            statements = list
        } else {
            statements = [try #require(document["Statement"] as? [String: Any])]
        }
        for statement in statements {
            let actions = (statement["Action"] as? [String]) ?? [(statement["Action"] as? String)].compactMap { $0 }
            if statement["Effect"] as? String == "Allow" { allowed += actions } else { denied += actions }
        }
    }

    func allows(_ action: String) -> Bool {
        allowed.contains { Self.matches($0, action) } && !denied.contains { Self.matches($0, action) }
    }

    /// IAM action matching: `*` any run of characters, `?` one character, case-insensitive.
    static func matches(_ pattern: String, _ action: String) -> Bool {
        let p = Array(pattern.lowercased())
        let a = Array(action.lowercased())
        func match(_ i: Int, _ j: Int) -> Bool {
            if i == p.count { return j == a.count }
            if p[i] == "*" { return (j...a.count).contains { match(i + 1, $0) } }
            return j < a.count && (p[i] == "?" || p[i] == a[j]) && match(i + 1, j + 1)
        }
        return match(0, 0)
    }
}

/// deploy/iam-policy.json against what the code really calls: a full cycle of every family
/// against the simulator, then every IAM action the AWS client used must be allowed.
@Suite(.timeLimit(.minutes(15))) struct DaemonIAMPolicyTests {
    @Test func everyActionAFullCheckCallsIsAllowedByTheShippedPolicy() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let dir = temporaryDirectory()
        let runtime = try Runtime.build(
            config: try Config.load(path: repoConfig),
            options: RuntimeOptions(
                dbPath: dir.appendingPathComponent("m.sqlite").path, environment: simulator.environment))
        _ = try await runtime.runCycle()
        let used = await runtime.aws.calls.iamActions()
        await runtime.shutdown()
        #expect(used.count >= 10, "a full cycle calls every service: \(used.sorted())")

        let path = PeerProcess.repoRoot().appendingPathComponent("deploy/iam-policy.json")
        let policy = try IAMPolicy(json: try Data(contentsOf: path))
        let missing = used.filter { !policy.allows($0) }.sorted()
        #expect(missing.isEmpty, "deploy/iam-policy.json must allow \(missing)")
        // Least privilege: nothing but read-only calls, and sns:Publish for the alerts. Read-only
        // actions not named Get/List/Describe: iam:SimulatePrincipalPolicy (access level Read in
        // IAM's service authorization reference) only evaluates policies.
        let readsByAnotherName: Set<String> = ["sts:GetCallerIdentity", "iam:SimulatePrincipalPolicy"]
        let writes = used.filter { action in
            let verb = action.split(separator: ":").last.map(String.init) ?? ""
            return !["Get", "List", "Describe"].contains { verb.hasPrefix($0) } && !readsByAnotherName.contains(action)
        }
        #expect(writes.isEmpty, "a check cycle must only read: \(writes.sorted())")
    }

    struct MatchCase: Sendable, CustomTestStringConvertible {
        var pattern: String
        var action: String
        var matches: Bool
        var testDescription: String { "\(pattern) ~ \(action)" }
    }

    @Test(arguments: [
        MatchCase(pattern: "s3:GetLifecycleConfiguration", action: "s3:GetLifecycleConfiguration", matches: true),
        MatchCase(pattern: "s3:getlifecycleconfiguration", action: "s3:GetLifecycleConfiguration", matches: true),
        MatchCase(pattern: "s3:Get*", action: "s3:GetBucketVersioning", matches: true),
        MatchCase(pattern: "backup:List*Jobs", action: "backup:ListCopyJobs", matches: true),
        MatchCase(pattern: "s3:Get*", action: "s3:PutBucketVersioning", matches: false),
        MatchCase(pattern: "rds:Describe?BInstances", action: "rds:DescribeDBInstances", matches: true),
        MatchCase(pattern: "s3:GetBucket", action: "s3:GetBucketVersioning", matches: false),
    ])
    func iamActionPatterns(_ c: MatchCase) {
        #expect(IAMPolicy.matches(c.pattern, c.action) == c.matches)
    }

    @Test func aDenyStatementWinsOverAnAllow() throws {
        let policy = try IAMPolicy(
            json: Data(
                #"{"Statement": [{"Effect": "Allow", "Action": "s3:*"}, {"Effect": "Deny", "Action": ["s3:Put*"]}]}"#
                    .utf8))
        #expect(policy.allows("s3:GetBucketVersioning"))
        #expect(!policy.allows("s3:PutBucketVersioning"))
    }
}
