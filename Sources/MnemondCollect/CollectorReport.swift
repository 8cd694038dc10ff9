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
