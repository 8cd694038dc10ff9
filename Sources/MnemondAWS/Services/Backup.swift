import Foundation
import MnemondHTTP

/// The AWS Backup operations mnemond calls (rest-json), each in the region it is asked for: plans
/// and their selections, backup/copy/restore job history and the recovery points of a vault.
/// Answers are returned as JSON records, paginated to the end; the collector translates the
/// fields the guide's promises need. Names and encodings follow botocore's `backup` model:
/// filters are query parameters (`resourceArn`, `createdAfter` as ISO 8601), timestamps in
/// answers are epoch seconds.
public struct Backup: Sendable {
    let client: AWSClient
    /// Items asked for per page; AWS accepts 1–1000 (botocore's MaxResults range).
    let pageSize: Int

    /// `pageSize` below the maximum only makes tests walk several pages.
    public init(client: AWSClient, pageSize: Int = 1000) {
        self.client = client
        self.pageSize = min(max(pageSize, 1), 1000)
    }

    /// BackupPlansList members (`BackupPlanId`, `BackupPlanName`, ...).
    public func listBackupPlans(region: String) async throws -> [Record] {
        try await list(
            "ListBackupPlans", path: "/backup/plans/", query: [], items: "BackupPlansList", region: region,
            resource: nil)
    }

    /// The whole GetBackupPlan answer (`BackupPlanId`, `VersionId`, `BackupPlan.Rules`, ...).
    /// With `versionID` (ListBackupPlans' `VersionId`) that version is asked for, and its answer
    /// is a settled one (`SettledAnswers`): a plan version is never edited, updating a plan makes
    /// a new version, which the listing then names. Without it, the plan's latest version, asked.
    public func getBackupPlan(id: String, versionID: String?, region: String) async throws -> Record {
        let op = AWSOperation(
            service: .backup, action: "GetBackupPlan", method: "GET", path: "/backup/plans/\(Self.label(id))/",
            query: versionID.map { [(name: "versionId", value: $0)] } ?? [], resource: id)
        guard let versionID else { return try await object(op, region: region) }
        // Kept only when it is the version asked for and holds a plan document.
        return try await client.sendSettled(
            op, region: region,
            keeps: { answer in answer.string("VersionId") == versionID && answer.record("BackupPlan") != nil }
        ) { body in Record(try AWSDecoding.json(body, operation: op, region: region)) }
    }

    /// BackupSelectionsList members of a plan (`SelectionId`, `SelectionName`).
    public func listBackupSelections(planID: String, region: String) async throws -> [Record] {
        try await list(
            "ListBackupSelections", path: "/backup/plans/\(Self.label(planID))/selections/", query: [],
            items: "BackupSelectionsList", region: region, resource: planID)
    }

    /// The whole GetBackupSelection answer (`BackupSelection.Resources`, ...). A settled answer
    /// (`SettledAnswers`): AWS Backup has no call that edits a selection; a change is a new one.
    public func getBackupSelection(planID: String, selectionID: String, region: String) async throws -> Record {
        let op = AWSOperation(
            service: .backup, action: "GetBackupSelection",
            path: "/backup/plans/\(Self.label(planID))/selections/\(Self.label(selectionID))", resource: planID)
        // Kept only when it holds what the collectors read: a selection object whose resources
        // are a list of strings (the role is read when present).
        return try await client.sendSettled(
            op, region: region,
            keeps: { answer in
                guard let selection = answer.record("BackupSelection") else { return false }
                let resources = selection.fields["Resources"]
                return resources == nil || resources is NSNull || resources is [String]
            }
        ) { body in Record(try AWSDecoding.json(body, operation: op, region: region)) }
    }

    /// BackupJobs for one resource created after `createdAfter` (AWS lists newest first).
    public func listBackupJobs(resourceARN: String, createdAfter: Date, region: String) async throws -> [Record] {
        try await list(
            "ListBackupJobs", path: "/backup-jobs/",
            query: [("resourceArn", resourceARN), ("createdAfter", Self.timestamp(createdAfter))], items: "BackupJobs",
            region: region, resource: resourceARN)
    }

    /// CopyJobs of one resource created after `createdAfter`. AWS lists a copy job in the region of
    /// its source vault.
    public func listCopyJobs(resourceARN: String, createdAfter: Date, region: String) async throws -> [Record] {
        try await list(
            "ListCopyJobs", path: "/copy-jobs/",
            query: [("resourceArn", resourceARN), ("createdAfter", Self.timestamp(createdAfter))], items: "CopyJobs",
            region: region, resource: resourceARN)
    }

    /// RecoveryPoints of one resource in a vault, created after `createdAfter`. An unknown vault
    /// answers ResourceNotFoundException.
    public func listRecoveryPointsByBackupVault(
        vault: String, resourceARN: String, createdAfter: Date, region: String
    ) async throws -> [Record] {
        try await list(
            "ListRecoveryPointsByBackupVault", path: "/backup-vaults/\(Self.label(vault))/recovery-points/",
            query: [("resourceArn", resourceARN), ("createdAfter", Self.timestamp(createdAfter))],
            items: "RecoveryPoints", region: region, resource: vault)
    }

    /// RestoreJobs of the region created after `createdAfter`, every status.
    public func listRestoreJobs(createdAfter: Date, region: String) async throws -> [Record] {
        try await list(
            "ListRestoreJobs", path: "/restore-jobs/", query: [("createdAfter", Self.timestamp(createdAfter))],
            items: "RestoreJobs", region: region, resource: nil)
    }

    // MARK: - Wire

    func object(_ op: AWSOperation, region: String) async throws -> Record {
        let response = try await client.send(op, region: region)
        return Record(try AWSDecoding.json(response.body, operation: op, region: region))
    }

    /// Follows `nextToken` to the end; the items live under `items` in every page.
    func list(
        _ action: String, path: String, query: [(String, String)], items: String, region: String, resource: String?
    ) async throws -> [Record] {
        try await paginate { token in
            var parameters = query.map { (name: $0.0, value: Optional($0.1)) }
            parameters.append((name: "maxResults", value: "\(pageSize)"))
            if let token { parameters.append((name: "nextToken", value: token)) }
            let op = AWSOperation(
                service: .backup, action: action, method: "GET", path: path, query: parameters, resource: resource)
            let page = try await object(op, region: region)
            guard page.fields[items] == nil || page.fields[items] is [Any] else {
                throw AWSDecoding.missing("a list \(items)", operation: op, region: region)
            }
            return (page.records(items), page.string("NextToken"))
        }
    }

    /// One path label, percent-encoded for the wire (vault names and IDs are plain in practice).
    static func label(_ text: String) -> String { percentEncode(text) }

    /// Query timestamps are ISO 8601 in UTC (botocore's rest-json serialisation).
    static func timestamp(_ date: Date) -> String {
        ISO8601.format(date)
    }
}

extension Backup {
    /// One JSON object of an AWS Backup answer, with typed accessors. It wraps what
    /// JSONSerialization produced (value types only, never mutated), hence `@unchecked Sendable`.
    public struct Record: @unchecked Sendable, CustomStringConvertible {
        public let fields: [String: Any]
        public init(_ fields: [String: Any]) { self.fields = fields }

        /// Parses one JSON object (a recorded answer, in tests).
        public init(json: Data) throws {
            guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
                throw CocoaError(.propertyListReadCorrupt)
            }
            self.init(object)
        }

        public func string(_ key: String) -> String? { fields[key] as? String }

        public func bool(_ key: String) -> Bool? {
            if let b = fields[key] as? Bool { return b }
            return (fields[key] as? NSNumber)?.boolValue
        }

        /// An integer, or nil when absent or not representable (1e300, 3.5, NaN text): a checked
        /// conversion, so no answer can trap the process.
        public func int(_ key: String) -> Int? {
            if let i = fields[key] as? Int { return i }
            if let d = fields[key] as? Double { return Int(exactly: d) }
            return nil
        }

        /// rest-json timestamps: epoch seconds (possibly fractional); ISO 8601 text is accepted too.
        /// Epoch seconds outside 1970…9999 are not a timestamp any AWS answer carries; they are
        /// refused (nil) rather than passed on to overflow a later conversion.
        public func date(_ key: String) -> Date? {
            func plausible(_ seconds: Double) -> Date? {
                seconds.isFinite && (0...253_402_300_799).contains(seconds) ? Date(timeIntervalSince1970: seconds) : nil
            }
            switch fields[key] {
            case let i as Int: return plausible(TimeInterval(i))
            case let d as Double: return plausible(d)
            case let s as String: return ISO8601.parse(s)
            default: return nil
            }
        }

        public func record(_ key: String) -> Record? { (fields[key] as? [String: Any]).map(Record.init) }

        public func records(_ key: String) -> [Record] {
            ((fields[key] as? [Any]) ?? []).compactMap { $0 as? [String: Any] }.map(Record.init)
        }

        public func strings(_ key: String) -> [String] { ((fields[key] as? [Any]) ?? []).compactMap { $0 as? String } }

        public var description: String {
            guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else {
                return "\(fields)"
            }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
