import Foundation
import MnemondHTTP
import MnemondSigV4
import Synchronization

/// Answers AWS documents as fixed for the question asked, kept across collection runs (in the
/// store) so that a cycle does not ask them again: a bucket's region (GetBucketLocation: a bucket
/// never moves; one deleted and created again elsewhere is a new bucket, so the region is kept
/// under a condition, the bucket's other settings, and asked again when they change or fail), a
/// managed policy version's document (GetPolicyVersion: a version is never edited, a change is a
/// new version), a backup selection (GetBackupSelection: AWS Backup has no call that edits one),
/// a plan version (GetBackupPlan with the VersionId its listing names), the family of the
/// parameter group the source DB instance uses (DescribeDBParameterGroups: fixed at creation).
/// Each is asked again once it is `maxAge` old, so a wrong assumption lasts a day at most.
///
/// Only an answer that its caller parsed is kept (`AWSClient.sendSettled`): a garbled one is
/// asked again next run. A kept answer that no longer parses is asked again too.
/// A run installs one with `AWSClient.$settledAnswers.withValue` (`CollectorRunner.run`); the
/// answers it asked are read with `asked` at the end of the run and written by the caller.
public final class SettledAnswers: Sendable {
    public typealias Kept = [String: (body: Data, at: Date)]

    /// How long an answer is kept by default: a day.
    public static let day: TimeInterval = 86_400

    public let maxAge: TimeInterval
    let now: @Sendable () -> Date
    private let load: @Sendable (_ since: Date) async -> Kept
    private let loaded = Mutex<Task<Kept, Never>?>(nil)
    private let fresh = Mutex<Kept>([:])

    /// `load`: the answers kept since a time (`maxAge` ago), read once, on the first settled
    /// question of the run.
    public init(
        maxAge: TimeInterval = SettledAnswers.day, now: @escaping @Sendable () -> Date = Date.init,
        load: @escaping @Sendable (_ since: Date) async -> Kept
    ) {
        self.maxAge = maxAge
        self.now = now
        self.load = load
    }

    /// The answers this run asked and parsed, by key: for the caller to keep.
    public var asked: Kept { fresh.withLock { $0 } }

    /// Answers asked before this are too old to use: the caller may forget them.
    public var oldestUsable: Date { now().addingTimeInterval(-maxAge) }

    /// The kept answer to `key` if it is younger than `maxAge`.
    func kept(_ key: String) async -> Data? {
        let task = loaded.withLock { task in
            if let task { return task }
            let started = Task { await self.load(self.oldestUsable) }
            task = started
            return started
        }
        guard let answer = await task.value[key] else { return nil }
        let age = now().timeIntervalSince(answer.at)
        return age >= 0 && age < maxAge ? answer.body : nil
    }

    func keep(_ key: String, body: Data) {
        let at = now()
        fresh.withLock { $0[key] = (body, at) }
    }

    /// The question's key: the same digest `SharedAnswers` uses (service, region, method, bucket,
    /// path, query, headers, body), and the condition the answer is kept under, if any.
    static func key(_ operation: AWSOperation, region: String, condition: String) -> String {
        let question = SharedAnswers.Key(operation, region: region).digest
        return condition.isEmpty ? question : digest(Data((question + ":" + condition).utf8))
    }

    /// The SHA-256 of `bytes` in hex: what a kept answer's condition is made of (the store holds
    /// digests, never what was digested).
    public static func digest(_ bytes: Data) -> String { SigV4.sha256Hex(bytes) }
}

extension AWSClient {
    /// The settled answers of the collection run this task belongs to, if any.
    @TaskLocal public static var settledAnswers: SettledAnswers?

    /// Sends a question whose answer AWS documents as fixed (`SettledAnswers`) and parses it.
    /// Inside a run with settled answers, a kept answer younger than a day is parsed instead of
    /// sending; a parsed answer is kept. `keptWhile`: the condition the answer holds under (a
    /// digest of what it depends on); an answer kept under another condition is not used. nil:
    /// the caller doubts any kept answer; it sends and keeps nothing. `keeps`: whether a parsed
    /// answer is one to keep (one of an unexpected shape is used this run and asked next run).
    public func sendSettled<T>(
        _ operation: AWSOperation, region: String, keptWhile condition: String? = "",
        keeps: (T) -> Bool = { _ in true }, parse: (Data) throws -> T
    ) async throws -> T {
        guard let settled = Self.settledAnswers, let condition else {
            return try parse(try await send(operation, region: region).body)
        }
        let key = SettledAnswers.key(operation, region: region, condition: condition)
        if let body = await settled.kept(key), let value = try? parse(body), keeps(value) {
            return value
        }
        let body = try await send(operation, region: region).body
        let value = try parse(body)
        if keeps(value) { settled.keep(key, body: body) }
        return value
    }
}
