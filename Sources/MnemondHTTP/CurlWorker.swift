import CCurlShim
import Dispatch
import Foundation

/// Runs an actor's jobs on one serial DispatchQueue.
///
/// curl_easy_perform blocks its thread for the whole transfer. An actor using this executor
/// runs its methods on the queue's thread, so an `await worker.perform…` suspends the caller
/// and the blocking happens on a Dispatch thread, never on Swift's cooperative pool (whose
/// few threads every task shares). Serial queues target Dispatch's overcommitting root queue,
/// which adds threads when one blocks.
final class SerialQueueExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: DispatchQueue is thread-safe; the property is immutable.
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}

/// Set from any thread when the awaiting task is cancelled; read by curl's progress callback
/// on the worker's queue, which then aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
final class CancellationFlag: @unchecked Sendable {
    // @unchecked: `cancelled` is only touched under `lock`.
    private let lock = NSLock()
    private var cancelled = false

    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// One curl easy handle and the serial queue that alone touches it.
///
/// The handle lives as long as the worker, so connections it opened stay in its cache and the
/// next request to the same host reuses them (curl_easy_reset clears options, not connections).
actor CurlWorker {
    let id: Int
    private let executor: SerialQueueExecutor
    private var handle: HandleBox?

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    init(id: Int) {
        self.id = id
        executor = SerialQueueExecutor(label: "mnemond.http.curl.\(id)")
    }

    deinit {
        // Normally `close()` ran on the queue. If not, clean up there anyway: closing an SMTP
        // connection sends QUIT and waits for the answer.
        if let handle {
            executor.queue.async { curl_easy_cleanup(handle.handle) }
        }
    }

    func close() {
        if let handle {
            curl_easy_cleanup(handle.handle)
            self.handle = nil
        }
    }

    func perform(_ request: HTTPRequest, configuration: HTTPClientConfiguration, cancellation: CancellationFlag)
        throws -> HTTPResponse
    {
        let easy = try openHandle(method: request.method, url: request.url)
        return try CurlTransfer.http(easy, request, configuration, cancellation)
    }

    func perform(
        _ message: MailMessage, via smtp: SMTPConfiguration, configuration: HTTPClientConfiguration,
        cancellation: CancellationFlag
    ) throws {
        let easy = try openHandle(method: "SMTP", url: smtp.url)
        try CurlTransfer.mail(easy, message, smtp, configuration, cancellation)
    }

    private func openHandle(method: String, url: URL) throws -> UnsafeMutableRawPointer {
        if let handle { return handle.handle }
        guard let created = curl_easy_init() else {
            throw HTTPError.invalidRequest(method, url, "curl_easy_init failed")
        }
        handle = HandleBox(handle: created)
        return created
    }
}

private struct HandleBox: @unchecked Sendable {
    // @unchecked: the handle is only used on its worker's queue (isolated methods, or the
    // cleanup that deinit schedules there once no method can run any more).
    let handle: UnsafeMutableRawPointer
}
