import Foundation
import MnemondHTTP
import MnemondSigV4
import Synchronization

/// The answers of one collection run, shared between the collectors that ask the same question:
/// the backup and recovery-path collectors both list the backup plans, the RDS and recovery-path
/// collectors both describe the instance, the S3 and recovery-path collectors both read a
/// replica's encryption. Within one run the second asker gets the first one's answer (or
/// error), or waits for it while it is in flight, instead of a second call: one state of the
/// estate per run, and no call paid twice.
///
/// Only reads are shared (actions named Get…, List…, Describe…, Simulate…): an AssumeRole or a
/// Publish always goes out. A run installs one with `AWSClient.$sharedAnswers.withValue`
/// (`CollectorRunner.run`); outside it every call goes out, so answers never outlive a run.
///
/// Memory is bounded: a call in flight is always shared, but a finished answer is kept for later
/// askers only if it is at most `maxAnswerBytes` (request, headers and body: the reads two
/// collectors share are small; a 180-day listing page is not, and is never asked twice) and the
/// kept answers stay within `maxAnswers` and `budget` bytes; otherwise it is dropped once its
/// askers have it, and a later asker sends again. On the guide's estate every small answer of a
/// cycle is kept; at 1,000 buckets the 6,000 S3 answers would otherwise stay in memory until the
/// run ends (with every answer kept and a task per call, that cycle's peak RSS was 35 MB higher).
public final class SharedAnswers: Sendable {
    /// What makes a question this question: service, region, method, bucket, path, query,
    /// headers and body, kept as their SHA-256 (a cycle at 1,000 buckets has 6,000 questions
    /// open at once; the request itself is not kept) and the request's size in bytes.
    struct Key: Hashable, Sendable {
        var digest: String
        var size: Int

        init(_ operation: AWSOperation, region: String) {
            var request = Data()
            // Each field is its length and its bytes: no two requests serialize alike.
            func field(_ bytes: some Collection<UInt8>) {
                request.append(contentsOf: String(bytes.count).utf8)
                request.append(0x3A)
                request.append(contentsOf: bytes)
            }
            for text in [operation.service.iamPrefix, region, operation.method, operation.path] {
                field(text.utf8)
            }
            field((operation.bucket.map { "1" + $0 } ?? "0").utf8)
            field(String(operation.query.count).utf8)
            for item in operation.query {
                field(item.name.utf8)
                field((item.value.map { "1" + $0 } ?? "0").utf8)
            }
            field(String(operation.headers.count).utf8)
            for header in operation.headers {
                field(header.name.utf8)
                field(header.value.utf8)
            }
            field(operation.body)
            digest = SigV4.sha256Hex(request)
            size = request.count
        }
    }

    /// One question's answer: the first asker sends and fulfils it; later askers wait for it.
    final class Pending: Sendable {
        private let state = Mutex<(result: Result<HTTPResponse, any Error>?, waiters: [Waiter])>((nil, []))
        typealias Waiter = CheckedContinuation<HTTPResponse, any Error>

        /// The answer, once the first asker has it. Not cancellable by itself: the first asker's
        /// call ends (with its answer, or its error when it is cancelled) and every waiter with it.
        func value() async throws -> HTTPResponse {
            try await withCheckedThrowingContinuation { (waiter: Waiter) in
                let ready = state.withLock { state -> Result<HTTPResponse, any Error>? in
                    if let result = state.result { return result }
                    state.waiters.append(waiter)
                    return nil
                }
                if let ready { waiter.resume(with: ready) }
            }
        }

        func fulfil(_ result: Result<HTTPResponse, any Error>) {
            let waiters = state.withLock { state in
                state.result = result
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(with: result) }
        }
    }

    private struct State {
        var answers: [Key: Pending] = [:]
        /// Bytes of the finished answers kept.
        var kept = 0
        var keptAnswers = 0
    }

    private let state = Mutex(State())
    /// How many bytes of finished answers are kept for later askers.
    public let budget: Int
    /// How many finished answers are kept for later askers.
    public let maxAnswers: Int
    /// The largest answer kept for later askers.
    public let maxAnswerBytes: Int

    public init(budget: Int = 2 << 20, maxAnswers: Int = 512, maxAnswerBytes: Int = 64 << 10) {
        self.budget = budget
        self.maxAnswers = maxAnswers
        self.maxAnswerBytes = maxAnswerBytes
    }

    /// How many answers are kept or in flight.
    public var count: Int { state.withLock { $0.answers.count } }

    /// Bytes of the finished answers kept.
    public var keptBytes: Int { state.withLock { $0.kept } }

    /// Whether an operation may be answered from another asker's call: reads only.
    static func isShareable(_ operation: AWSOperation) -> Bool {
        ["Get", "List", "Describe", "Simulate"].contains { operation.action.hasPrefix($0) }
    }

    /// The answer to `operation` in `region`: the first asker sends it from its own task (no
    /// extra task per call: a cycle at 1,000 buckets has 6,000 questions open at once); later
    /// askers wait for its answer or its error. A cancelled first asker ends the call with its
    /// cancellation error for every asker (a run is cancelled as a whole, at shutdown).
    func answer(
        _ operation: AWSOperation, region: String, send: @Sendable () async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let key = Key(operation, region: region)
        let (pending, first) = state.withLock { state in
            if let asked = state.answers[key] { return (asked, false) }
            let pending = Pending()
            state.answers[key] = pending
            return (pending, true)
        }
        guard first else { return try await pending.value() }
        let result: Result<HTTPResponse, any Error>
        do {
            result = .success(try await send())
        } catch {
            result = .failure(error)
        }
        pending.fulfil(result)
        keep(key, size: key.size + ((try? result.get()).map(Self.size(of:)) ?? 0))
        return try result.get()
    }

    /// Keeps a finished answer while the budget allows; drops it otherwise.
    private func keep(_ key: Key, size: Int) {
        state.withLock { state in
            if size <= maxAnswerBytes, state.kept + size <= budget, state.keptAnswers < maxAnswers {
                state.kept += size
                state.keptAnswers += 1
            } else {
                state.answers[key] = nil
            }
        }
    }

    static func size(of response: HTTPResponse) -> Int {
        response.body.count + response.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
    }
}
