import Dispatch
import Foundation
import MnemondTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `mnemond run` started by a test as systemd would start it: its own environment, stderr
/// captured (the journal), signals sent by pid, and its exit awaited with a deadline.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked: `stderrData` and `status` are only touched under `lock`.
    let process = Process()
    private let lock = NSLock()
    private var stderrData = Data()
    private var status: Int32?
    private var exitWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0
    private var logWaiters: [UInt64: (needle: String, continuation: CheckedContinuation<Bool, Never>)] = [:]

    /// `launcher` runs the binary through other programs (`setpriv --reuid=…`), which must exec
    /// it so the pid stays the daemon's.
    init(arguments: [String], environment: [String: String], launcher: [String] = []) throws {
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [CLI.binary.path, "run"] + arguments
        } else {
            process.executableURL = CLI.binary
            process.arguments = ["run"] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("AWS_") || key == "NOTIFY_SOCKET" || key.hasPrefix("WATCHDOG_") {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.terminationHandler = { [self] finished in
            let waiters = lock.withLock {
                status = finished.terminationStatus
                defer { exitWaiters = [:] }
                return Array(exitWaiters.values)
            }
            waiters.forEach { $0.resume() }
        }
        try process.run()
        let reader = errors.fileHandleForReading
        Thread { [self] in
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                let satisfied: [CheckedContinuation<Bool, Never>] = lock.withLock {
                    stderrData.append(chunk)
                    let text = String(decoding: stderrData, as: UTF8.self)
                    let ready = logWaiters.filter { text.contains($0.value.needle) }
                    for id in ready.keys { logWaiters[id] = nil }
                    return ready.values.map(\.continuation)
                }
                satisfied.forEach { $0.resume(returning: true) }
            }
        }.start()
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { lock.withLock { String(decoding: stderrData, as: UTF8.self) } }
    var exitStatus: Int32? { lock.withLock { status } }

    func signal(_ number: Int32) { Glibc.kill(pid, number) }

    /// Waits for the exit up to `timeout`; returns the status, or nil if it is still running.
    func waitForExit(timeout: Duration) async -> Int32? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: UInt64? = lock.withLock {
                if status != nil { return nil }
                nextWaiter += 1
                exitWaiters[nextWaiter] = continuation
                return nextWaiter
            }
            guard let id else { return continuation.resume() }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)))
            {
                self.lock.withLock { self.exitWaiters.removeValue(forKey: id) }?.resume()
            }
        }
        return exitStatus
    }

    /// Waits until stderr contains `needle` (a log event), up to `timeout`.
    func waitForLog(_ needle: String, timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let id: UInt64? = lock.withLock {
                if String(decoding: stderrData, as: UTF8.self).contains(needle) { return nil }
                nextWaiter += 1
                logWaiters[nextWaiter] = (needle, continuation)
                return nextWaiter
            }
            guard let id else { return continuation.resume(returning: true) }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)))
            {
                self.lock.withLock { self.logWaiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
            }
        }
    }

    /// Makes sure the process is gone (a failed test must not leave a daemon behind).
    func kill() async {
        guard exitStatus == nil else { return }
        signal(SIGKILL)
        _ = await waitForExit(timeout: .seconds(10))
    }
}

extension DaemonProcess {
    /// `mnemond run` on `db` with the short test schedule (`daemonConfig`), supervised as systemd
    /// would: a notify socket and a 2 s watchdog. Returns once the first cycle's STATUS= came;
    /// throws with the daemon's log when none came within 90 s. The caller stops both.
    static func supervised(db: String, simulator: AWSSimulator, in directory: URL) async throws
        -> (DaemonProcess, NotifySocket)
    {
        let socket = try NotifySocket()
        let config = try writeConfig(try daemonConfig(drainSeconds: 30), in: directory)
        var environment = simulator.environment
        environment["NOTIFY_SOCKET"] = socket.address
        environment["WATCHDOG_USEC"] = "2000000"
        let daemon = try DaemonProcess(
            arguments: ["--config", config, "--db", db, "--log-level", "info"], environment: environment)
        let cycled = await socket.wait(timeout: .seconds(180)) {
            $0.contains { $0.hasPrefix("STATUS=") && $0.contains("next in") }
        }
        guard cycled else {
            await daemon.kill()
            socket.stop()
            throw PeerError(
                "no cycle within 180 s; notify: \(socket.assignments) stderr: \(daemon.stderr.suffix(3000))")
        }
        return (daemon, socket)
    }
}
