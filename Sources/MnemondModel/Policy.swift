import Foundation

/// The promises mnemond checks, decoded from the configuration. Pure values: the checks read
/// them, nothing here does I/O.
public struct Policy: Sendable, Equatable {
    /// The AWS account the credentials must resolve to (guide: 828879644785).
    public var accountID: String
    public var buckets: [BucketPolicy]
    public var acceptedRisks: [AcceptedRisk]

    public init(accountID: String, buckets: [BucketPolicy], acceptedRisks: [AcceptedRisk] = []) {
        self.accountID = accountID
        self.buckets = buckets
        self.acceptedRisks = acceptedRisks
    }

    /// The accepted risk covering a finding, if any is in force at `now`.
    public func acceptedRisk(for check: CheckID, resource: String, at now: Date) -> AcceptedRisk? {
        acceptedRisks.first { $0.covers(check, resource: resource, at: now) }
    }
}

public struct BucketPolicy: Sendable, Equatable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        /// Written by the application, replicated elsewhere.
        case source
        /// The cross-region copy that the disaster-recovery scenarios restore from.
        case replica
    }

    public var name: String
    public var region: String
    public var role: Role
    /// Noncurrent versions must expire after exactly this many days.
    public var noncurrentDays: Int
    /// Where the guide configures this bucket (`Phase 2B`).
    public var guide: String

    public init(name: String, region: String, role: Role, noncurrentDays: Int, guide: String) {
        self.name = name
        self.region = region
        self.role = role
        self.noncurrentDays = noncurrentDays
        self.guide = guide
    }
}
