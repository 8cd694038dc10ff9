import Foundation
import MnemondProcess
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ChildProcessTests {
    let shell = URL(fileURLWithPath: "/bin/sh")

    @Test func outputStatusAndInputAreCarried() async throws {
        let output = try await ChildProcess.run(
            shell, ["-c", "cat; echo to-stderr >&2; exit 3"], input: Data("fed on stdin\n".utf8),
            timeout: .seconds(120))
        #expect(output.status == 3)
        #expect(!output.killedBySignal)
        #expect(!output.succeeded)
        #expect(output.stdoutText == "fed on stdin\n")
        #expect(output.stderrText == "to-stderr\n")
    }

    @Test func theEnvironmentIsExactlyTheOneGiven() async throws {
        let output = try await ChildProcess.run(
            shell, ["-c", "echo \"$ONLY_THIS|${HOME:-unset}\""], environment: ["ONLY_THIS": "yes"],
            timeout: .seconds(120))
        #expect(output.succeeded)
        #expect(output.stdoutText == "yes|unset\n")
    }

    @Test func aChildPastItsDeadlineIsKilledAndItsStderrKept() async throws {
        let started = ContinuousClock.now
        let error = try await #require(throws: ChildProcessError.self) {
            try await ChildProcess.run(shell, ["-c", "echo partial >&2; exec sleep 600"], timeout: .seconds(1))
        }
        #expect(error.kind == .timedOut)
        #expect(error.description == "sh -c: still running after 1 s; killed")
        #expect(String(decoding: error.stderr, as: UTF8.self) == "partial\n")
        // Far below the child's 600 s: it was killed, not waited for.
        #expect(ContinuousClock.now - started < .seconds(300))
    }

    @Test func aMissingProgramSaysSo() async throws {
        let error = try await #require(throws: ChildProcessError.self) {
            try await ChildProcess.run(URL(fileURLWithPath: "/nonexistent/program"), [], timeout: .seconds(60))
        }
        #expect(error.kind == .couldNotStart)
        #expect(error.description.hasPrefix("program: could not be started"))
    }

    /// The child gets default signal dispositions whatever this process ignores (a daemon
    /// ignores SIGTERM to handle it on a queue; its children must still die of it). SIGUSR2
    /// stands in: nothing else in the test process uses it.
    @Test func aSignalThisProcessIgnoresStillEndsTheChild() async throws {
        let previous = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previous) }
        let output = try await ChildProcess.run(shell, ["-c", "kill -USR2 $$; sleep 5"], timeout: .seconds(120))
        #expect(output.killedBySignal)
        #expect(output.status == SIGUSR2)
    }

    @Test func onlyStandardStreamsAreInherited() async throws {
        let leaked = open("/dev/null", O_RDONLY)  // not close-on-exec
        defer { close(leaked) }
        let output = try await ChildProcess.run(shell, ["-c", "ls /proc/self/fd"], timeout: .seconds(120))
        // 0-2, and the fd ls opened to read the directory.
        #expect(output.stdoutText.split(separator: "\n").count == 4, "\(output.stdoutText)")
    }

    @Test func cancellingTheTaskKillsTheChild() async throws {
        let task = Task { try await ChildProcess.run(shell, ["-c", "exec sleep 600"], timeout: .seconds(900)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    /// A grandchild holding the pipes open does not keep the caller waiting for its whole life.
    @Test func aGrandchildHoldingThePipesDoesNotHoldTheCaller() async throws {
        let started = ContinuousClock.now
        let output = try await ChildProcess.run(shell, ["-c", "sleep 60 & echo parent-done"], timeout: .seconds(900))
        #expect(output.succeeded)
        #expect(output.stdoutText == "parent-done\n")
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test func largeOutputOnBothStreamsDoesNotDeadlock() async throws {
        // 1 MiB on each stream: far past a pipe's 64 KiB buffer.
        let output = try await ChildProcess.run(
            shell, ["-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"], timeout: .seconds(120))
        #expect(output.stdout.count == 1 << 20)
        #expect(output.stderr.count == 1 << 20)
    }

    @Test func outputPastTheLimitKeepsTheLastBytes() async throws {
        let output = try await ChildProcess.run(
            shell, ["-c", "head -c 100000 /dev/zero; echo tail-end"], timeout: .seconds(120), outputLimit: 1000)
        #expect(output.stdout.count == 1000)
        #expect(output.stdoutText.hasSuffix("tail-end\n"))
    }
}
