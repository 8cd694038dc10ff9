import Dispatch
import Foundation

/// The end of a `Process` the caller starts and feeds itself, learned from its
/// `terminationHandler` (never from `waitUntilExit()`, see `ChildProcess`).
///
/// Create it before `process.run()`: it installs the handler, so an immediate exit is not
/// missed.
public final class ProcessExit: @unchecked Sendable {
    // @unchecked: `status` and `waiters` are only touched under `lock`.
    private let lock = NSLock()
    private var status: Int32?
    private var waiters: [UInt64: CheckedContinuation<Int32?, Never>] = [:]
    private var nextWaiter: UInt64 = 0

    public init(_ process: Process) {
        process.terminationHandler = { [self] finished in
            let code = finished.terminationStatus
            let ready = lock.withLock {
                status = code
                defer { waiters = [:] }
                return Array(waiters.values)
            }
            ready.forEach { $0.resume(returning: code) }
        }
    }

    /// The exit status (or signal number), nil while it runs.
    public var exitStatus: Int32? { lock.withLock { status } }

    /// Waits for the end for at most `timeout`; nil when the process still runs.
    public func wait(timeout: Duration) async -> Int32? {
        let id: UInt64 = lock.withLock {
            nextWaiter += 1
            return nextWaiter
        }
        let deadline = DispatchTime.now() + .milliseconds(Int(min(timeout / .milliseconds(1), 86_400_000)))
        return await withCheckedContinuation { continuation in
            let finished: Int32? = lock.withLock {
                if let status { return status }
                waiters[id] = continuation
                return nil
            }
            if let finished {
                continuation.resume(returning: finished)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: deadline) { [self] in
                let expired = lock.withLock { waiters.removeValue(forKey: id) }
                expired?.resume(returning: nil)
            }
        }
    }
}
