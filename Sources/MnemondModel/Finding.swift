import Foundation

/// What a check concluded about one resource: the state, and a message that says what was
/// found, what the guide promises and where the guide says so.
public struct Finding: Sendable, Codable, Equatable {
    public var check: CheckID
    /// The resource the finding is about (`mne-media-replica`, `eks-mnemonica-prod`).
    public var resource: String
    public var state: CheckState
    /// One line, resource first: `mne-media-replica: noncurrent versions expire after 15 d; guide requires 180 d (Phase 2)`.
    public var message: String
    /// What the guide promises, short (`180 d`).
    public var expected: String?
    /// What is in force (`15 d`, `none`).
    public var found: String?
    /// Where the guide states the promise (`Phase 2`).
    public var guide: String?
    /// The recovery-runbook step that applies when this finding is not OK.
    public var runbook: String?
    /// Set when config waives this finding: it is shown, never paged.
    public var acceptedRisk: AcceptedRisk?

    public init(
        check: CheckID, resource: String, state: CheckState, message: String, expected: String? = nil,
        found: String? = nil, guide: String? = nil, runbook: String? = nil, acceptedRisk: AcceptedRisk? = nil
    ) {
        self.check = check
        self.resource = resource
        self.state = state
        self.message = message
        self.expected = expected
        self.found = found
        self.guide = guide
        self.runbook = runbook
        self.acceptedRisk = acceptedRisk
    }

    /// The state that counts for paging and exit codes (see `CheckState.waived(byAcceptedRisk:)`).
    public var effectiveState: CheckState { state.waived(byAcceptedRisk: acceptedRisk != nil) }
}

/// A deviation the owners have decided to live with, with the reason and an optional expiry after
/// which the check comes back.
public struct AcceptedRisk: Sendable, Codable, Equatable {
    public var check: CheckID
    /// nil: every resource of the check.
    public var resource: String?
    public var reason: String
    public var until: Date?

    public init(check: CheckID, resource: String? = nil, reason: String, until: Date? = nil) {
        self.check = check
        self.resource = resource
        self.reason = reason
        self.until = until
    }

    public func covers(_ check: CheckID, resource: String, at now: Date) -> Bool {
        guard self.check == check else { return false }
        if let r = self.resource, r != resource { return false }
        if let until, until <= now { return false }
        return true
    }
}
