import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a finished child printed and how it ended.
public struct ChildOutput: Sendable {
    /// The exit status, or the signal's number when `killedBySignal`.
    public var status: Int32
    public var killedBySignal: Bool
    public var stdout: Data
    public var stderr: Data

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    /// Exited on its own with status 0.
    public var succeeded: Bool { status == 0 && !killedBySignal }
}

/// A child that could not be started, or did not finish in time (it was killed).
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case couldNotStart
        case timedOut
    }

    public let kind: Kind
    public let description: String
    /// What the child had written to stderr before it was killed (empty for `couldNotStart`).
    public let stderr: Data
}

/// Runs a program to its end without ever blocking Swift's cooperative thread pool.
///
/// Foundation's `Process` is not used: on Linux it learns a child's end from a socket the
/// child inherits, so a grandchild that outlives it (`helper &`) delays `terminationHandler`
/// and `waitUntilExit()` for the grandchild's whole life, and it passes ignored signals on
/// (a daemon ignoring SIGTERM would start children that ignore it too). Here the child is
/// spawned with posix_spawn, default signal dispositions, an empty signal mask and only fds
/// 0-2 open; one thread waits for it (waitid, then reaps), two threads drain stdout and stderr
/// (a child blocked on a full pipe would never exit), and a deadline kills it with SIGKILL.
/// Cancelling the awaiting task kills it too.
public enum ChildProcess {
    /// How long output is still awaited after the child exited: a grandchild that inherited
    /// the pipes may hold them open for as long as it lives.
    static let drainGrace: DispatchTimeInterval = .seconds(2)

    /// Runs `executable` (a path, not searched in PATH) with `arguments` and `environment`
    /// (nil: this process's), stdin from `input` (nil: /dev/null). Each stream keeps at most
    /// `outputLimit` bytes (the last ones). Throws `ChildProcessError` when it cannot be started
    /// or is still running after `timeout`, `CancellationError` when the task is cancelled first.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil,
        timeout: Duration, outputLimit: Int = 16 << 20
    ) async throws -> ChildOutput {
        let command = ([executable.lastPathComponent] + arguments.prefix(1)).joined(separator: " ")
        let run = Run(limit: outputLimit)
        let spawned: Spawned
        do {
            spawned = try Spawned(
                path: executable.path, arguments: arguments,
                environment: environment ?? ProcessInfo.processInfo.environment, withInput: input != nil)
        } catch {
            throw ChildProcessError(
                kind: .couldNotStart, description: "\(command): could not be started: \(error)", stderr: Data())
        }
        run.watch(spawned.pid)
        run.drain(spawned.stdout, isStderr: false)
        run.drain(spawned.stderr, isStderr: true)
        if let stdin = spawned.stdin, let input {
            Thread {
                // A child that exits without reading its input makes this fail (EPIPE): ignored.
                try? stdin.write(contentsOf: input)
                try? stdin.close()
            }.start()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout.dispatchInterval) {
            run.kill(ending: .timedOut)
        }
        let outcome = await withTaskCancellationHandler {
            await run.outcome()
        } onCancel: {
            run.kill(ending: .cancelled)
        }
        switch outcome.ending {
        case .finished:
            return outcome.output
        case .timedOut:
            throw ChildProcessError(
                kind: .timedOut, description: "\(command): still running after \(timeout.secondsText); killed",
                stderr: outcome.output.stderr)
        case .cancelled:
            throw CancellationError()
        }
    }
}

/// A spawned child: its pid and the parent's ends of its pipes.
private struct Spawned {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let pid: pid_t
    let stdout: FileHandle
    let stderr: FileHandle
    let stdin: FileHandle?

    init(path: String, arguments: [String], environment: [String: String], withInput: Bool) throws {
        let output = try Self.pipe()
        let errors = try Self.pipe()
        let input = withInput ? try Self.pipe() : nil
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        // Every other inherited fd closed (the pipes above are close-on-exec already).
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let failed = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        close(output.write)
        close(errors.write)
        if let input { close(input.read) }
        guard failed == 0 else {
            close(output.read)
            close(errors.read)
            if let input { close(input.write) }
            throw Failure(description: String(cString: strerror(failed)))
        }
        self.pid = pid
        stdout = FileHandle(fileDescriptor: output.read, closeOnDealloc: true)
        stderr = FileHandle(fileDescriptor: errors.read, closeOnDealloc: true)
        stdin = input.map { FileHandle(fileDescriptor: $0.write, closeOnDealloc: true) }
    }

    /// A pipe whose both ends are close-on-exec from the start (pipe2; another thread's spawn
    /// between pipe() and fcntl() would inherit them and hold this child's output open).
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let made = fds.withUnsafeMutableBufferPointer { buffer in
            if let pipe2 = Self.pipe2 { return pipe2(buffer.baseAddress!, O_CLOEXEC) }
            guard Glibc.pipe(buffer.baseAddress!) == 0 else { return -1 }
            _ = fcntl(buffer[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(buffer[1], F_SETFD, FD_CLOEXEC)
            return 0
        }
        guard made == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        return (fds[0], fds[1])
    }

    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private static let pipe2: Pipe2? = GlibcSymbol.lookup("pipe2")

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+).
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = GlibcSymbol.lookup("posix_spawn_file_actions_addclosefrom_np")
}

/// The shared state of one child: written by the reader threads, the termination handler,
/// the deadline and the cancellation handler; read once by the awaiting task.
private final class Run: @unchecked Sendable {
    // @unchecked: every field is touched only under `lock`.
    enum Ending { case finished, timedOut, cancelled }

    private let lock = NSLock()
    private let limit: Int
    private var output = ChildOutput(status: 0, killedBySignal: false, stdout: Data(), stderr: Data())
    private var openStreams = 2
    private var pid: pid_t = 0
    /// Set before the child is reaped: while false its pid is still its own, safe to signal.
    private var exited = false
    /// Set once the exit status is known.
    private var reaped = false
    private var graceOver = false
    private var ending = Ending.finished
    private var waiter: CheckedContinuation<(ending: Ending, output: ChildOutput), Never>?
    private var delivered = false

    init(limit: Int) { self.limit = limit }

    func drain(_ handle: FileHandle, isStderr: Bool) {
        Thread { [self] in
            let stream = isStderr ? \ChildOutput.stderr : \ChildOutput.stdout
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock {
                    output[keyPath: stream].append(chunk)
                    if output[keyPath: stream].count > 2 * limit {
                        output[keyPath: stream] = Data(output[keyPath: stream].suffix(limit))
                    }
                }
            }
            lock.withLock { openStreams -= 1 }
            deliverIfComplete()
        }.start()
    }

    /// One thread waits for the end (waitid without reaping), marks it, then reaps.
    func watch(_ child: pid_t) {
        lock.withLock { pid = child }
        Thread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
            lock.withLock { exited = true }
            var status: Int32 = 0
            while waitpid(child, &status, 0) == -1 && errno == EINTR {}
            let signal = status & 0x7f
            lock.withLock {
                output.killedBySignal = signal != 0
                output.status = signal != 0 ? signal : (status >> 8) & 0xff
                reaped = true
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + ChildProcess.drainGrace) { [self] in
                lock.withLock { graceOver = true }
                deliverIfComplete()
            }
            deliverIfComplete()
        }.start()
    }

    /// SIGKILL to a child that still runs, remembering why; nothing once it ended.
    func kill(ending reason: Ending) {
        lock.withLock {
            guard !exited, ending == .finished else { return }
            ending = reason
            _ = Glibc.kill(pid, SIGKILL)
        }
    }

    func outcome() async -> (ending: Ending, output: ChildOutput) {
        await withCheckedContinuation { continuation in
            lock.withLock { waiter = continuation }
            deliverIfComplete()
        }
    }

    private func deliverIfComplete() {
        let ready: (CheckedContinuation<(ending: Ending, output: ChildOutput), Never>, Ending, ChildOutput)? =
            lock.withLock {
                guard !delivered, reaped, openStreams == 0 || graceOver, let waiter else { return nil }
                delivered = true
                var final = output
                for stream in [\ChildOutput.stdout, \ChildOutput.stderr] where final[keyPath: stream].count > limit {
                    final[keyPath: stream] = Data(final[keyPath: stream].suffix(limit))
                }
                return (waiter, ending, final)
            }
        if let (waiter, ending, output) = ready { waiter.resume(returning: (ending, output)) }
    }
}

extension Duration {
    fileprivate var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow, nanoseconds.partialValue < Int64(Int.max) else { return .never }
        return .nanoseconds(Int(nanoseconds.partialValue + attoseconds / 1_000_000_000))
    }

    fileprivate var secondsText: String {
        let (seconds, attoseconds) = components
        return attoseconds == 0
            ? "\(seconds) s" : String(format: "%.1f s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}
