import Foundation
import MnemondConfig
import MnemondProcess
import MnemondTestSupport

/// Runs the built `mnemond` binary as a user would and captures everything it prints.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static var binary: URL {
        // The test bundle sits next to the executable in the build products folder.
        let products = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [
            // On Linux the test runner is an executable in the products folder itself.
            Bundle.main.bundleURL.appendingPathComponent("mnemond"),
            products.appendingPathComponent("mnemond"),
            PeerProcess.repoRoot().appendingPathComponent(".build/debug/mnemond"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// `launcher` runs the binary through another program (`setpriv --reuid=…`).
    static func run(_ arguments: [String], environment: [String: String] = [:], launcher: [String] = []) async throws
        -> CLIResult
    {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("AWS_") { env[key] = nil }
        env.merge(environment) { $1 }
        if let program = launcher.first {
            return try await runProgram(
                URL(fileURLWithPath: program), Array(launcher.dropFirst()) + [binary.path] + arguments, environment: env
            )
        }
        return try await runProgram(binary, arguments, environment: env)
    }
}

/// Runs a program to its end with exactly `environment` (nil: this process's), off the
/// cooperative pool (`ChildProcess`). A program still running after `timeout` is killed and
/// the test fails naming it, instead of hanging the suite.
func runProgram(
    _ program: URL, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil,
    timeout: Duration = .seconds(600)
) async throws -> CLIResult {
    let output = try await ChildProcess.run(
        program, arguments, environment: environment, input: input, timeout: timeout)
    return CLIResult(status: output.status, stdout: output.stdoutText, stderr: output.stderrText)
}

var repoConfig: String { PeerProcess.repoRoot().appendingPathComponent("etc/mnemond.yaml").path }

/// Writes a config file for tests: the shipped estate with tweaks.
func writeConfig(_ text: String, in directory: URL) throws -> String {
    let path = directory.appendingPathComponent("mnemond.yaml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The one finding the guide's own target estate carries. Guide Step 8.2 grants EventBridge
/// permission to publish ("aws sns set-topic-attributes … --attribute-name Policy") on the
/// eu-west-1 topic only; "Repeat for DR region (eu-west-3)" creates the DR rule, topic and target
/// but sets no policy, so SNS refuses the DR rule's deliveries: AWS Backup failures in eu-west-3
/// reach nobody. The simulator seeds the estate as the guide says, and mnemond says so.
let guideTargetDRTopicPolicyGap = "alerting.eventbridge mnemonica-backup-job-failures-dr (eu-west-3)"
