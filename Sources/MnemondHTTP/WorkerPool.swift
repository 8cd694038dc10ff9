/// Hands out at most `limit` curl workers; callers beyond that wait in FIFO order.
///
/// Idle workers are a stack: the most recently used worker goes out first, so sequential
/// requests land on the same handle and reuse its keep-alive connection.
actor WorkerPool {
    private enum State {
        case running
        /// No new requests; `shutdown()` waits for the ones in flight.
        case shuttingDown
        case shutDown
    }

    private let limit: Int
    private var state = State.running
    private var idle: [CurlWorker] = []
    private var created = 0
    private var busy = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
    private var drained: [CheckedContinuation<Void, Never>] = []

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<CurlWorker, any Error>
        /// Thrown if the pool shuts down first; names the waiting request.
        var shutDownError: HTTPError
    }

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// A worker for one transfer; give it back with `release`. Throws `shutDown` once
    /// shutdown began, `CancellationError` if the task is cancelled while waiting.
    func acquire(shutDown: @autoclosure () -> HTTPError) async throws -> CurlWorker {
        guard case .running = state else { throw shutDown() }
        if let worker = idle.popLast() {
            busy += 1
            return worker
        }
        if created < limit {
            created += 1
            busy += 1
            return CurlWorker(id: created)
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let shutDownError = shutDown()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append(Waiter(id: id, continuation: continuation, shutDownError: shutDownError))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    func release(_ worker: CurlWorker) async {
        if case .running = state, !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: worker)  // stays busy
            return
        }
        busy -= 1
        if case .running = state {
            idle.append(worker)
        } else {
            await worker.close()
        }
        if busy == 0 {
            for continuation in drained { continuation.resume() }
            drained.removeAll()
        }
    }

    /// Refuses new requests, fails the waiting ones, waits for those in flight, then closes
    /// every handle (and so its connections) on its own queue.
    func shutdown() async {
        if case .running = state {
            state = .shuttingDown
            let waiting = waiters
            waiters.removeAll()
            for waiter in waiting { waiter.continuation.resume(throwing: waiter.shutDownError) }
        }
        if busy > 0 {
            await withCheckedContinuation { drained.append($0) }
        }
        state = .shutDown
        let workers = idle
        idle.removeAll()
        for worker in workers { await worker.close() }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
