import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A peer started by a test could not be started or misbehaved. The message carries the
/// peer's stderr tail, which is usually the real reason (a Python traceback).
public struct PeerError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A helper process a test talks to over loopback (HTTP recorder, SMTP sink, AWS simulator).
///
/// Contract with the peer (see Tests/Peers/peerlib.py): it binds 127.0.0.1 on ports the
/// kernel chooses, prints one JSON object on its first stdout line once it is ready, and
/// exits on SIGTERM or when its stdin reaches EOF. Its stdin is a pipe held open by this
/// object, so if the test process dies the kernel closes it and the peer exits too.
public actor PeerProcess {
    /// The script's file name, for messages.
    public nonisolated let name: String
    public nonisolated let pid: Int32
    /// The first stdout line, verbatim.
    public nonisolated let readyLine: String
    /// The ready line's top-level fields; non-string values are given as their JSON text.
    public nonisolated let ready: [String: String]

    private let process: Process
    private let stdin: FileHandle
    private let output: PeerOutput
    private var stopped = false

    private init(
        name: String, process: Process, stdin: FileHandle, output: PeerOutput, readyLine: String,
        ready: [String: String]
    ) {
        self.name = name
        self.pid = process.processIdentifier
        self.process = process
        self.stdin = stdin
        self.output = output
        self.readyLine = readyLine
        self.ready = ready
    }

    deinit {
        // A test that forgot stop() (or threw before it) must not leave the peer running.
        if !stopped { kill(pid, SIGTERM) }
    }

    /// The package root (the directory holding Package.swift), found upwards from this file.
    public static func repoRoot(filePath: String = #filePath) -> URL {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(filePath)")
    }

    /// A loopback TCP port nothing listens on (bound, read, closed), for "connection refused".
    public static func unusedLoopbackPort() throws -> Int {
        #if os(Linux)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw PeerError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw PeerError("bind() to 127.0.0.1:0 failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A script in `Tests/Peers/`.
    public static func peerScript(_ name: String) -> URL {
        repoRoot().appendingPathComponent("Tests/Peers").appendingPathComponent(name)
    }

    /// The interpreter of the simulator and the peers: `$MNEMOND_TEST_PYTHON`, else the repo's
    /// `.venv` (what scripts/setup.sh creates where the system Python is externally managed),
    /// else `python3` from PATH.
    public static var defaultPython: String {
        if let chosen = ProcessInfo.processInfo.environment["MNEMOND_TEST_PYTHON"], !chosen.isEmpty { return chosen }
        let venv = repoRoot().appendingPathComponent(".venv/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }

    /// Starts `python script arguments…` and waits for its ready line.
    ///
    /// - Parameters:
    ///   - python: the interpreter; default `defaultPython`.
    ///   - environment: added to (and overriding) this process's environment.
    ///   - readyTimeout: how long the peer may take to print its ready line; after that it is
    ///     killed and the error shows its stderr tail.
    public static func start(
        script: URL,
        arguments: [String] = [],
        environment: [String: String] = [:],
        python: String? = nil,
        readyTimeout: Duration = .seconds(30)
    ) async throws -> PeerProcess {
        let name = script.lastPathComponent
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw PeerError("peer script \(script.path) does not exist")
        }
        let interpreter = python ?? defaultPython
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter, script.path] + arguments
        var env = ProcessInfo.processInfo.environment
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"  // no __pycache__ in Tests/Peers
        env.merge(environment) { _, new in new }
        process.environment = env
        process.currentDirectoryURL = script.deletingLastPathComponent()
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe

        let output = PeerOutput(name: name)
        process.terminationHandler = { finished in
            output.exited(status: finished.terminationStatus)
        }
        do {
            try process.run()
        } catch {
            throw PeerError("cannot start peer \(name) with \(interpreter): \(error)")
        }
        // The child has its own copies; keeping ours would hide EOF from the readers.
        try? stdoutPipe.fileHandleForWriting.close()
        try? stderrPipe.fileHandleForWriting.close()
        try? stdinPipe.fileHandleForReading.close()
        output.startReading(stdout: stdoutPipe.fileHandleForReading, stderr: stderrPipe.fileHandleForReading)

        let line: String
        do {
            line = try await output.readyLine(timeout: readyTimeout)
        } catch {
            kill(process.processIdentifier, SIGKILL)
            try? stdinPipe.fileHandleForWriting.close()
            throw error
        }
        guard let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            kill(process.processIdentifier, SIGKILL)
            throw PeerError("peer \(name): ready line is not a JSON object: \(line)")
        }
        var ready: [String: String] = [:]
        for (key, value) in object {
            if let string = value as? String {
                ready[key] = string
            } else if let json = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) {
                ready[key] = String(decoding: json, as: UTF8.self)
            }
        }
        return PeerProcess(
            name: name, process: process, stdin: stdinPipe.fileHandleForWriting, output: output, readyLine: line,
            ready: ready)
    }

    /// Starts a script of `Tests/Peers/` by file name.
    public static func start(peer name: String, arguments: [String] = []) async throws -> PeerProcess {
        try await start(script: peerScript(name), arguments: arguments)
    }

    /// A ready-line field that must be there.
    public nonisolated func readyField(_ key: String) throws -> String {
        guard let value = ready[key] else {
            throw PeerError("peer \(name): ready line has no \"\(key)\": \(readyLine)")
        }
        return value
    }

    /// The ready line decoded as `T` (for peers whose ready line has nested values).
    public nonisolated func decodeReady<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(readyLine.utf8))
    }

    /// The last few KB the peer wrote to stderr.
    public nonisolated func stderrTail() -> String { output.stderrTail() }

    /// SIGTERM, close stdin, and wait for the exit (SIGKILL after `grace`). Idempotent.
    public func stop(grace: Duration = .seconds(10)) async {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        try? stdin.close()
        if await !output.waitForExit(timeout: grace) {
            kill(pid, SIGKILL)
            _ = await output.waitForExit(timeout: grace)
        }
    }

    /// The exit status once the peer has exited, else nil.
    public nonisolated var exitStatus: Int32? { output.exitStatus }
}

/// Collects a peer's stdout (ready line) and stderr (tail) on two reader threads and wakes
/// whoever waits for the ready line or the exit. Callbacks come from Foundation's threads,
/// hence a lock rather than an actor.
private final class PeerOutput: @unchecked Sendable {
    // @unchecked: every mutable property is only touched under `lock`.
    private let lock = NSLock()
    private let name: String
    private var stdoutBuffer = Data()
    private var line: String?
    private var stdoutEOF = false
    private var stderrEOF = false
    private var stderrData = Data()
    private var status: Int32?
    private var readyWaiter: CheckedContinuation<String, any Error>?
    private var readyFailure: PeerError?
    private var exitWaiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    private var nextExitWaiter: UInt64 = 0
    private static let stderrLimit = 8192

    init(name: String) { self.name = name }

    func startReading(stdout: FileHandle, stderr: FileHandle) {
        // Blocking reads on dedicated threads: never on the cooperative pool.
        Thread { [self] in
            while true {
                let chunk = stdout.availableData
                if chunk.isEmpty { break }
                self.stdoutChunk(chunk)
            }
            self.lock.withLock { self.stdoutEOF = true }
            self.resolveReady()
        }.start()
        Thread { [self] in
            while true {
                let chunk = stderr.availableData
                if chunk.isEmpty { break }
                self.lock.withLock {
                    self.stderrData.append(chunk)
                    if self.stderrData.count > 2 * Self.stderrLimit {
                        self.stderrData = Data(self.stderrData.suffix(Self.stderrLimit))
                    }
                }
            }
            self.lock.withLock { self.stderrEOF = true }
            self.resolveReady()
        }.start()
    }

    private func stdoutChunk(_ chunk: Data) {
        let found: Bool = lock.withLock {
            guard line == nil else { return false }  // later output is drained and dropped
            stdoutBuffer.append(chunk)
            guard let newline = stdoutBuffer.firstIndex(of: UInt8(ascii: "\n")) else { return false }
            line = String(decoding: stdoutBuffer[..<newline], as: UTF8.self)
            stdoutBuffer = Data()
            return true
        }
        if found { resolveReady() }
    }

    func exited(status: Int32) {
        let waiters: [CheckedContinuation<Bool, Never>] = lock.withLock {
            self.status = status
            defer { exitWaiters.removeAll() }
            return Array(exitWaiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
        resolveReady()
    }

    var exitStatus: Int32? { lock.withLock { status } }

    func stderrTail() -> String {
        lock.withLock { String(decoding: stderrData.suffix(Self.stderrLimit), as: UTF8.self) }
    }

    func readyLine(timeout: Duration) async throws -> String {
        let deadline = DispatchTime.now() + .nanoseconds(Int(Self.nanoseconds(timeout)))
        DispatchQueue.global().asyncAfter(deadline: deadline) { [self] in
            self.failReady(
                PeerError(
                    "peer \(self.name) printed no ready line within \(timeout); stderr tail:\n\(self.stderrTail())"))
        }
        return try await withCheckedThrowingContinuation { continuation in
            lock.withLock { readyWaiter = continuation }
            resolveReady()
        }
    }

    /// Resumes the ready waiter once the line arrived, or the peer is gone (stdout and stderr
    /// closed: all of its stderr is then in the tail), or a failure was set.
    private func resolveReady() {
        let outcome: Result<String, PeerError>? = lock.withLock {
            guard readyWaiter != nil else { return nil }
            if let line { return .success(line) }
            if let readyFailure { return .failure(readyFailure) }
            if stdoutEOF && stderrEOF {
                let exit = status.map { "exited with status \($0)" } ?? "closed its output"
                let tail = String(decoding: stderrData.suffix(Self.stderrLimit), as: UTF8.self)
                return .failure(PeerError("peer \(name) \(exit) before its ready line; stderr tail:\n\(tail)"))
            }
            return nil
        }
        guard let outcome else { return }
        let waiter: CheckedContinuation<String, any Error>? = lock.withLock {
            defer { readyWaiter = nil }
            return readyWaiter
        }
        waiter?.resume(with: outcome.mapError { $0 as any Error })
    }

    private func failReady(_ error: PeerError) {
        lock.withLock { if line == nil { readyFailure = error } }
        resolveReady()
    }

    /// True when the peer exited within `timeout`.
    func waitForExit(timeout: Duration) async -> Bool {
        let id: UInt64 = lock.withLock {
            defer { nextExitWaiter += 1 }
            return nextExitWaiter
        }
        let deadline = DispatchTime.now() + .nanoseconds(Int(Self.nanoseconds(timeout)))
        return await withCheckedContinuation { continuation in
            let alreadyExited: Bool = lock.withLock {
                if status != nil { return true }
                exitWaiters[id] = continuation
                return false
            }
            if alreadyExited {
                continuation.resume(returning: true)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: deadline) { [self] in
                let waiter = self.lock.withLock { self.exitWaiters.removeValue(forKey: id) }
                waiter?.resume(returning: false)
            }
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
