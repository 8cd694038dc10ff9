import Foundation

/// The result of one collection and evaluation cycle.
public struct CycleOutcome: Sendable {
    public var startedAt: Date
    public var finishedAt: Date
    public var findings: [Finding]
    public var apiCalls: [String: Int]

    public init(startedAt: Date, finishedAt: Date, findings: [Finding], apiCalls: [String: Int]) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.findings = findings
        self.apiCalls = apiCalls
    }

    /// The Nagios state of the whole estate: the worst finding, accepted risks counting as OK.
    public var overall: CheckState { CheckState.worst(findings.map(\.effectiveState)) }
}
