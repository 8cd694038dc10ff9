import Foundation
import MnemondAWS
import MnemondModel

/// What a collector reports about itself each run, beside its observations: whether every call
/// succeeded and how long it took (node_exporter's scrape_collector_success / _duration_seconds).
public struct CollectorReport: Sendable, Equatable {
    public var collector: String
    public var success: Bool
    public var durationSeconds: Double

    public func samples(at time: Date) -> [Sample] {
        [
            Sample(series: .collectorSuccess, labels: ["collector": collector], time: time, value: success ? 1 : 0),
            Sample(
                series: .collectorDurationSeconds, labels: ["collector": collector], time: time,
                value: durationSeconds),
        ]
    }
}

extension Unavailable {
    /// Translates any failure of a call into evidence that the call failed.
    init(_ error: any Error, action: String, resource: String?, region: String?) {
        if let already = error as? Unavailable {
            self = already
        } else if let unreadable = error as? UnreadableField {
            self.init(
                action: action, resource: resource, region: region, code: "InvalidResponse",
                message: unreadable.description)
        } else if let document = error as? IAMCollector.PolicyDocumentError {
            self.init(
                action: action, resource: resource, region: region, code: "InvalidResponse",
                message: document.description)
        } else if let aws = error as? AWSError {
            self.init(
                action: aws.qualifiedAction, resource: aws.resource ?? resource, region: aws.region, code: aws.code,
                message: aws.message + (aws.status.map { " (HTTP \($0))" } ?? ""))
        } else {
            self.init(action: action, resource: resource, region: region, code: "Error", message: "\(error)")
        }
    }
}

/// Runs one call and turns its failure into `.unavailable`, so one bad answer never aborts a cycle.
func observe<T: Sendable>(
    _ action: String, resource: String?, region: String?, _ body: () async throws -> T
) async -> Observed<T> {
    do {
        return .value(try await body())
    } catch {
        return .unavailable(Unavailable(error, action: action, resource: resource, region: region))
    }
}

/// `body` for every item at once, gathered by `key` (of items with one key, the last runs).
func concurrentMap<Item: Sendable, Key: Hashable & Sendable, Value: Sendable>(
    _ items: [Item], by key: (Item) -> Key, _ body: @escaping @Sendable (Item) async -> Value
) async -> [Key: Value] {
    let byKey = Dictionary(items.map { (key($0), $0) }, uniquingKeysWith: { _, last in last })
    return await withTaskGroup(of: (Key, Value).self) { group in
        for (key, item) in byKey { group.addTask { (key, await body(item)) } }
        var out: [Key: Value] = [:]
        for await (key, value) in group { out[key] = value }
        return out
    }
}

/// `body` for every key at once (a key given twice runs once), gathered by key.
func concurrentMap<Key: Hashable & Sendable, Value: Sendable>(
    _ keys: [Key], _ body: @escaping @Sendable (Key) async -> Value
) async -> [Key: Value] {
    await concurrentMap(keys, by: { $0 }, body)
}
