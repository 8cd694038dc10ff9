import Foundation
import GRDB
import MnemondModel

/// A store failure, naming the file and what was being done.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var message: String
    public var description: String { "store \(path): \(operation) failed: \(message)" }
    public init(path: String, operation: String, message: String) {
        self.path = path
        self.operation = operation
        self.message = message
    }
}

/// What one cycle writes.
public struct CycleInput: Sendable {
    public struct ObservationRow: Sendable {
        public var kind: String
        public var resource: String
        /// JSON text of the observation.
        public var payload: String
        public init(kind: String, resource: String, payload: String) {
            self.kind = kind
            self.resource = resource
            self.payload = payload
        }
    }
    public var startedAt: Date
    public var finishedAt: Date
    public var observations: [ObservationRow]
    public var samples: [Sample]
    public var findings: [Finding]
    public var apiCalls: Int

    public init(
        startedAt: Date, finishedAt: Date, observations: [ObservationRow], samples: [Sample], findings: [Finding],
        apiCalls: Int
    ) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.observations = observations
        self.samples = samples
        self.findings = findings
        self.apiCalls = apiCalls
    }
}

/// The current state of one check on one resource, and since when it has held.
public struct StoredState: Sendable, Equatable {
    public var check: CheckID
    public var resource: String
    public var state: CheckState
    public var since: Date
    public var lastEvaluated: Date
    public var message: String
    public var expected: String?
    public var found: String?
    public var guide: String?
    public var runbook: String?
    public var acceptedRisk: AcceptedRisk?

    init(row: Row) {
        check = CheckID(rawValue: row["check_id"])
        resource = row["resource"]
        state = CheckState(rawValue: row["state"]) ?? .unknown
        since = Date(millis: row["since"])
        lastEvaluated = Date(millis: row["last_evaluated"])
        message = row["message"]
        expected = row["expected"]
        found = row["found"]
        guide = row["guide"]
        runbook = row["runbook"]
        acceptedRisk = (row["accepted_risk"] as String?).flatMap {
            try? JSONDecoder().decode(AcceptedRisk.self, from: Data($0.utf8))
        }
    }

    /// Accepted risks count as OK for exit codes and paging.
    public var effectiveState: CheckState { state.waived(byAcceptedRisk: acceptedRisk != nil) }
}

public struct StoredResult: Sendable, Equatable {
    public var time: Date
    public var state: CheckState
    public var message: String
}

public struct CycleSummary: Sendable, Equatable {
    public var startedAt: Date
    public var finishedAt: Date
    public var ok: Int
    public var warning: Int
    public var critical: Int
    public var unknown: Int
    public var apiCalls: Int

    init(row: Row) {
        startedAt = Date(millis: row["started_at"])
        finishedAt = Date(millis: row["finished_at"])
        ok = row["ok"]
        warning = row["warning"]
        critical = row["critical"]
        unknown = row["unknown"]
        apiCalls = row["api_calls"]
    }
}
