import Dispatch
import Foundation

/// A profile's `credential_process`: a command that prints credentials as JSON on stdout
/// (`{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …,
/// "Expiration": "2026-11-25T12:00:00Z"}`; token and expiration optional — without an
/// expiration the keys are cached for the life of the process).
///
/// Errors name the profile, the file and the first line of the command's stderr; they never
/// show what it printed on stdout, which may be a half-written secret.
enum CredentialProcess {
    struct Output: Sendable {
        var status: Int32
        var killedBySignal: Bool
        var stdout: Data
        var stderr: Data
    }

    static func credentials(command: String, profile: String, file: String, environment: CredentialEnvironment)
        async throws -> AWSCredentials
    {
        let output: Output
        do {
            output = try await run(command, environment: environment.variables)
        } catch {
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

    /// Runs `/bin/sh -c command` (as the Go and Java SDKs do) with the given environment and
    /// stdin from /dev/null. The blocking waits run on a Dispatch thread, off the cooperative pool.
    static func run(_ command: String, environment: [String: String]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(command, environment: environment) })
            }
        }
    }

    private static func runBlocking(_ command: String, environment: [String: String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain stderr on another thread while this one drains stdout: a process blocked on a
        // full pipe that nobody reads would never exit.
        let stderrReader = stderr.fileHandleForReading
        let stderrData = DataBox()
        let drained = DispatchGroup()
        DispatchQueue.global().async(group: drained) {
            stderrData.data = stderrReader.readDataToEndOfFile()
        }
        let stdoutData = stdout.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, killedBySignal: process.terminationReason == .uncaughtSignal,
            stdout: stdoutData, stderr: stderrData.data)
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

    /// Written by one Dispatch block, read after `DispatchGroup.wait()` — the group orders the two.
    private final class DataBox: @unchecked Sendable {
        var data = Data()
    }
}
