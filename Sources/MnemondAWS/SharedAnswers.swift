import Foundation
import MnemondHTTP
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
public final class SharedAnswers: Sendable {
    struct Key: Hashable, Sendable {
        var service: String
        var region: String
        var method: String
        var bucket: String?
        var path: String
        var query: [String]
        var headers: [String]
        var body: Data

        init(_ operation: AWSOperation, region: String) {
            service = operation.service.iamPrefix
            self.region = region
            method = operation.method
            bucket = operation.bucket
            path = operation.path
            query = operation.query.map { item in item.value.map { "\(item.name)=\($0)" } ?? item.name }
            headers = operation.headers.map { "\($0.name): \($0.value)" }
            body = operation.body
        }
    }

    private let answers = Mutex<[Key: Task<HTTPResponse, any Error>]>([:])

    public init() {}

    /// How many distinct questions were asked (sent once each).
    public var count: Int { answers.withLock { $0.count } }

    /// Whether an operation may be answered from another asker's call: reads only.
    static func isShareable(_ operation: AWSOperation) -> Bool {
        ["Get", "List", "Describe", "Simulate"].contains { operation.action.hasPrefix($0) }
    }

    /// The answer to `operation` in `region`: the first asker's `send` runs once; later askers
    /// await its result. Cancelling an asker cancels the shared call (a run is cancelled as a
    /// whole, at shutdown).
    func answer(
        _ operation: AWSOperation, region: String, send: @escaping @Sendable () async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let key = Key(operation, region: region)
        let task = answers.withLock { answers in
            if let running = answers[key] { return running }
            let task = Task { try await send() }
            answers[key] = task
            return task
        }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
