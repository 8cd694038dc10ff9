import Foundation
import MnemondProcess

/// A profile's `credential_process`: a command that prints credentials as JSON on stdout
/// (`{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …,
/// "Expiration": "2026-11-25T12:00:00Z"}`; token and expiration optional — without an
/// expiration the keys are cached for the life of the process).
///
/// Errors name the profile, the file and the first line of the command's stderr; they never
/// show what it printed on stdout, which may be a half-written secret.
enum CredentialProcess {
    static func credentials(
        command: String, profile: String, file: String, environment: CredentialEnvironment,
        timeout: Duration = timeout
    ) async throws -> AWSCredentials {
        let output: ChildOutput
        do {
            output = try await run(command, environment: environment.variables, timeout: timeout)
        } catch let error as ChildProcessError where error.kind == .timedOut {
            let reason = firstLine(of: error.stderr).map { " (stderr: \($0))" } ?? ""
            throw CredentialsError.failed(
                "profile \"\(profile)\" in \(file): credential_process did not finish within \(timeout.components.seconds) s and was killed"
                    + reason)
        } catch let error as ChildProcessError {
            throw CredentialsError.failed(
                "profile \"\(profile)\" in \(file): credential_process could not be started: \(error)")
        }
        guard output.status == 0, !output.killedBySignal else {
            let how =
                output.killedBySignal ? "was killed by signal \(output.status)" : "exited with status \(output.status)"
            let reason = firstLine(of: output.stderr).map { ": \($0)" } ?? " (nothing on stderr)"
            throw CredentialsError.failed("profile \"\(profile)\" in \(file): credential_process \(how)\(reason)")
        }
        return try parse(output.stdout, stderr: output.stderr, profile: profile, file: file)
    }

    /// Version 1 output → credentials. A complaint on stderr is quoted (first line) as the
    /// likely reason; stdout never is.
    static func parse(_ stdout: Data, stderr: Data, profile: String, file: String) throws(CredentialsError)
        -> AWSCredentials
    {
        let prefix = "profile \"\(profile)\" in \(file): credential_process output"
        let stderrNote = firstLine(of: stderr).map { " (stderr: \($0))" } ?? ""
        guard let document = CredentialDocument.decode(stdout) else {
            throw .failed(
                "\(prefix) is not a JSON object (expected {\"Version\": 1, \"AccessKeyId\": …})\(stderrNote)")
        }
        guard document.version == 1 else {
            let found = document.version.map { "Version \($0)" } ?? "no Version"
            throw .failed("\(prefix) has \(found); only Version 1 is supported\(stderrNote)")
        }
        switch document.credentials(source: "profile \(profile) (credential_process)", temporary: false) {
        case .success(let credentials): return credentials
        case .failure(let problem): throw .failed("\(prefix) \(problem.phrase)\(stderrNote)")
        }
    }

    /// How long the command may run: the SDKs wait forever, a daemon cannot (its cycle would
    /// stall with every check unanswered). A helper that waits for a person never suits it.
    static let timeout = Duration.seconds(60)

    /// Runs `/bin/sh -c command` (as the Go and Java SDKs do) with the given environment and
    /// stdin from /dev/null, off the cooperative pool; killed when it outlives `timeout`.
    static func run(_ command: String, environment: [String: String], timeout: Duration = timeout) async throws
        -> ChildOutput
    {
        try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: environment, timeout: timeout,
            outputLimit: 1 << 20)
    }

    /// The first non-empty line, cut to 200 characters.
    static func firstLine(of data: Data) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        guard
            let line = text.split(whereSeparator: \.isNewline).lazy
                .map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { !$0.isEmpty })
        else { return nil }
        return line.count > 200 ? line.prefix(200) + "…" : line
    }
}
