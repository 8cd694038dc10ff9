import Foundation
import MnemondModel
import Yams

/// The decoded configuration: the promises (`Policy`) plus how to reach AWS and where to store.
public struct Config: Sendable, Equatable {
    public struct AWS: Sendable, Equatable {
        /// Shared-config profile; `--profile` and `AWS_PROFILE` take precedence in that order.
        public var profile: String?
        /// AWS calls in flight at once (`aws.max_concurrent_requests`); unset, it scales with the
        /// buckets (`defaultMaxConcurrentRequests`). Each service and region may use all but one.
        public var maxConcurrentRequests: Int
        public var requestTimeoutSeconds: Int
        public var connectTimeoutSeconds: Int
        /// PEM file of the CA certificates to trust for AWS endpoints (`aws.ca_bundle`, as the
        /// AWS CLI's `ca_bundle`); nil: the system's. `AWS_CA_BUNDLE` beats it.
        public var caBundle: String? = nil
        /// Attempts per AWS call, the first included (`aws.max_attempts`, as the AWS CLI's
        /// `max_attempts`); `AWS_MAX_ATTEMPTS` beats it; default 3 (5 in the legacy mode).
        public var maxAttempts: Int? = nil
        /// `aws.retry_mode` (`legacy`, `standard`, `adaptive`, as the AWS CLI's `retry_mode`);
        /// `AWS_RETRY_MODE` beats it; default standard.
        public var retryMode: RetryMode? = nil

        /// The SDKs' retry modes.
        public enum RetryMode: String, Sendable, Equatable, CaseIterable {
            case legacy, standard, adaptive
        }

        /// What the selected shared-config profile (`~/.aws/config`) says, as raw text, and where
        /// it says it (`/home/u/.aws/config, profile prod`) for errors.
        public struct SharedProfile: Sendable, Equatable {
            public var source: String
            public var caBundle: String?
            public var maxAttempts: String?
            public var retryMode: String?

            public init(source: String, caBundle: String? = nil, maxAttempts: String? = nil, retryMode: String? = nil) {
                self.source = source
                self.caBundle = caBundle
                self.maxAttempts = maxAttempts
                self.retryMode = retryMode
            }
        }

        /// `aws.max_concurrent_requests` when unset: one call in flight per 8 buckets, at least 8
        /// and at most 32. Most of a cycle's calls are per bucket (about a dozen S3 calls each), so
        /// a large estate needs more in flight to keep its cycle short; 32 took a 1,000-bucket
        /// cycle from 26 s to 17 s at 20 ms per call. Where AWS throttles, the service's share is
        /// halved (`ConcurrencyShares`).
        public static func defaultMaxConcurrentRequests(buckets: Int) -> Int {
            min(32, max(8, (buckets + 7) / 8))
        }

        /// The settings in force.
        public struct Effective: Sendable, Equatable {
            public var caBundle: String?
            public var maxAttempts: Int
            public var retryMode: RetryMode

            public init(caBundle: String?, maxAttempts: Int, retryMode: RetryMode) {
                self.caBundle = caBundle
                self.maxAttempts = maxAttempts
                self.retryMode = retryMode
            }
        }

        /// The CA bundle, attempts and retry mode in force. Each comes from the first that sets
        /// it: the environment (`AWS_CA_BUNDLE`, `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`, which beat
        /// every file, as with the AWS CLI), this config's `aws.*`, the selected shared-config
        /// profile (`ca_bundle`, `max_attempts`, `retry_mode`), the default. A bad value is an
        /// error naming where it was read.
        public func effective(environment: [String: String], profile: SharedProfile? = nil) throws(ConfigError)
            -> Effective
        {
            func set(_ text: String?) -> String? {
                guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
                return text.trimmingCharacters(in: .whitespaces)
            }
            var mode = retryMode ?? .standard
            if let text = set(environment["AWS_RETRY_MODE"]) {
                mode = try Self.retryMode(text, file: "environment", name: "AWS_RETRY_MODE")
            } else if retryMode == nil, let profile, let text = set(profile.retryMode) {
                mode = try Self.retryMode(text, file: profile.source, name: "retry_mode")
            }
            var attempts = maxAttempts ?? (mode == .legacy ? 5 : 3)
            if let text = set(environment["AWS_MAX_ATTEMPTS"]) {
                attempts = try Self.attempts(text, file: "environment", name: "AWS_MAX_ATTEMPTS")
            } else if maxAttempts == nil, let profile, let text = set(profile.maxAttempts) {
                attempts = try Self.attempts(text, file: profile.source, name: "max_attempts")
            }
            let bundle = set(environment["AWS_CA_BUNDLE"]) ?? caBundle ?? set(profile?.caBundle)
            return Effective(caBundle: bundle, maxAttempts: attempts, retryMode: mode)
        }

        static func attempts(_ text: String, file: String, name: String) throws(ConfigError) -> Int {
            guard let value = Int(text), (1...20).contains(value) else {
                throw ConfigError(
                    file: file, message: "\(name) must be a whole number from 1 to 20, found \"\(text.prefix(40))\"")
            }
            return value
        }

        static func retryMode(_ text: String, file: String, name: String) throws(ConfigError) -> RetryMode {
            guard let mode = RetryMode(rawValue: text) else {
                throw ConfigError(
                    file: file,
                    message: "\(name) must be legacy, standard or adaptive, found \"\(text.prefix(40))\"")
            }
            return mode
        }
    }

    public var file: String
    public var policy: Policy
    public var aws: AWS
    public var storePath: String
    public var schedule = Schedule()
    /// node_exporter textfile written after each cycle; nil: off.
    public var prometheusTextfile: String?
    /// `metrics.listen`: the same exposition served at `GET /metrics` by `mnemond run`; nil: off.
    public var metrics: Metrics?
    /// The estate this config describes when its file lists `estates:` (Config+Estates.swift);
    /// nil for a file of one estate.
    public var estate: Estate?
    /// `alerting:`: channels and alert rules (Config+Alerting.swift); nothing is sent without it.
    public var alerting = Alerting()
    /// `report:`: the weekly recovery report by e-mail (Config+Report.swift); nothing is sent without it.
    public var report = Report()

    /// Every check ID the file names (accepted risks, alert rule overrides), with where it does,
    /// for `validated(knownChecks:)`.
    public var checkReferences: [CheckReference] = []

    public static let defaultStorePath = "/var/lib/mnemond/mnemond.sqlite"

    /// Reads and validates a config file; every problem is a `ConfigError` naming file:line:column.
    public static func load(path: String) throws(ConfigError) -> Config {
        try parse(data: try read(path), file: path)
    }

    /// Every estate of a config file (`parseEstates`).
    public static func loadEstates(path: String) throws(ConfigError) -> [Config] {
        try parseEstates(try text(try read(path), file: path), file: path)
    }

    static func read(_ path: String) throws(ConfigError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(file: path, message: "cannot read: \((error as NSError).localizedDescription)")
        }
    }

    /// The bytes of a config file: UTF-8 (an invalid byte is an error naming its offset), then `parse`.
    public static func parse(data: Data, file: String) throws(ConfigError) -> Config {
        try parse(try text(data, file: file), file: file)
    }

    static func text(_ data: Data, file: String) throws(ConfigError) -> String {
        if let offset = invalidUTF8Offset(data) {
            let (line, column) = position(ofByte: offset, in: data)
            throw ConfigError(
                file: file, line: line, column: column,
                message:
                    "invalid UTF-8 at byte offset \(offset) (0x\(String(format: "%02X", data[data.startIndex + offset]))): the file must be UTF-8"
            )
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A file of one estate. A file that lists `estates:` is read with `parseEstates`; here it
    /// is an error naming them, so a command never silently watches only the first.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Config {
        try single(try parseEstates(text, file: file), file: file)
    }

    /// The YAML document of a config file, located errors included.
    static func compose(_ text: String, file: String) throws(ConfigError) -> Node {
        let root: Node
        do {
            // The basic resolver: every plain scalar is a string to Yams, and the reader gives
            // values their types itself. The default one matches each scalar against six
            // NSRegularExpressions (ICU) to hash mapping keys for Yams' duplicate-key check: a
            // third of the time a 1,000-bucket file took to load, and ICU pages kept resident
            // in the daemon. A key written once quoted and once plain ("a" and a) is now a
            // duplicate, as the reader (which compares keys as text) already treated it.
            guard let node = try Yams.compose(yaml: text, .basic) else {
                throw ConfigError(file: file, line: 1, message: "the file is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw Self.located(error, file: file, text: text)
        } catch {
            throw ConfigError(file: file, line: 1, message: "invalid YAML: \(String(describing: error).prefix(200))")
        }
        return root
    }

    /// One estate's document (a whole file, or an estate merged over the shared keys).
    /// `defaultLabel`: the Alertmanager `estate` label when the file sets none.
    static func parse(root: Node, file: String, defaultLabel: String? = nil) throws(ConfigError) -> Config {
        let reader = YAMLReader(file: file)
        let top = try reader.mapping(
            root, at: "",
            allowed: [
                "account_id", "aws", "store", "buckets", "rds", "backup", "monitoring", "app_role", "accepted_risks",
                "schedule", "prometheus_textfile", "metrics", "alerting", "report", "recovery_path",
            ])

        let accountNode = try top.required("account_id")
        let accountID = try reader.string(accountNode, at: "account_id")
        guard accountID.utf8.count == 12, accountID.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw reader.error(accountNode, "account_id must be 12 digits (quote it), found \(shown(accountID))")
        }

        // max_concurrent_requests: 0 until the buckets are read (the default scales with them).
        var aws = AWS(profile: nil, maxConcurrentRequests: 0, requestTimeoutSeconds: 30, connectTimeoutSeconds: 5)
        if let node = top.value("aws") {
            let m = try reader.mapping(
                node, at: "aws",
                allowed: [
                    "profile", "max_concurrent_requests", "request_timeout_seconds", "connect_timeout_seconds",
                    "ca_bundle", "max_attempts", "retry_mode",
                ])
            aws.profile = try m.optionalString("profile")
            aws.maxConcurrentRequests = try m.optionalInt("max_concurrent_requests", range: 1...64) ?? 0
            aws.requestTimeoutSeconds = try m.optionalInt("request_timeout_seconds", range: 1...600) ?? 30
            aws.connectTimeoutSeconds = try m.optionalInt("connect_timeout_seconds", range: 1...120) ?? 5
            aws.caBundle = try m.optionalString("ca_bundle")
            aws.maxAttempts = try m.optionalInt("max_attempts", range: 1...20)
            if let node = m.value("retry_mode") {
                aws.retryMode = AWS.RetryMode(
                    rawValue: try reader.oneOf(node, at: "aws.retry_mode", AWS.RetryMode.allCases.map(\.rawValue)))
            }
        }

        var storePath = defaultStorePath
        if let node = top.value("store") {
            let m = try reader.mapping(node, at: "store", allowed: ["path"])
            storePath = try m.optionalString("path") ?? defaultStorePath
        }

        var buckets: [BucketPolicy] = []
        let bucketNodes = try top.list("buckets")
        if bucketNodes.isEmpty {
            throw reader.error(top.keyNode("buckets") ?? root, "buckets must list at least one bucket")
        }
        for (index, node) in bucketNodes.enumerated() {
            let path = "buckets[\(index)]"
            let m = try reader.mapping(node, at: path, allowed: bucketKeys)
            let name = try m.identifier("name")
            let regionNode = try m.required("region")
            let region = try reader.string(regionNode, at: "\(path).region")
            guard Self.isRegion(region) else {
                throw reader.error(
                    regionNode, "\(path).region \(shown(region)) is not an AWS region name (e.g. eu-west-1)")
            }
            let role = BucketPolicy.Role(
                rawValue: try reader.oneOf(
                    try m.required("role"), at: "\(path).role", BucketPolicy.Role.allCases.map(\.rawValue)))!
            let days = try m.int("noncurrent_days", range: 1...36500)
            let guide = try m.optionalString("guide") ?? "the guide"
            if buckets.contains(where: { $0.name == name }) {
                throw reader.error(node, "\(path): bucket \(shown(name)) is listed twice")
            }
            buckets.append(
                try bucketExtras(
                    m, path: path, reader: reader,
                    base: BucketPolicy(name: name, region: region, role: role, noncurrentDays: days, guide: guide)))
        }
        if aws.maxConcurrentRequests == 0 {
            aws.maxConcurrentRequests = AWS.defaultMaxConcurrentRequests(buckets: buckets.count)
        }
        for (index, bucket) in buckets.enumerated() {
            if let destination = bucket.replication?.destinationBucket,
                !buckets.contains(where: { $0.name == destination })
            {
                throw reader.error(
                    bucketNodes[index],
                    "buckets[\(index)].replication.destination \(shown(destination)) is not a configured bucket")
            }
        }
        let rds = try parseRDS(try top.list("rds"), reader: reader)
        let backup = try top.value("backup").map { node throws(ConfigError) in
            try parseBackup(node, accountID: accountID, reader: reader)
        }
        let monitoring = try top.value("monitoring").map { node throws(ConfigError) in
            try parseMonitoring(node, reader: reader)
        }
        let appRole = try top.value("app_role").map { node throws(ConfigError) in
            try parseAppRole(node, reader: reader, buckets: buckets)
        }

        var checkReferences: [CheckReference] = []
        var risks: [AcceptedRisk] = []
        for (index, node) in try top.list("accepted_risks").enumerated() {
            let path = "accepted_risks[\(index)]"
            let m = try reader.mapping(node, at: path, allowed: ["check", "resource", "reason", "until"])
            let checkNode = try m.required("check")
            let check = CheckID(try reader.string(checkNode, at: "\(path).check"))
            checkReferences.append(CheckReference(check, at: "\(path).check", node: checkNode, reader: reader))
            let reason = try m.string("reason")
            var until: Date?
            if let untilNode = m.value("until") {
                let text = try reader.string(untilNode, at: "\(path).until")
                guard let date = Self.parseDay(text) else {
                    throw reader.error(untilNode, "\(path).until must be a date like 2026-06-30, found \(shown(text))")
                }
                until = date
            }
            risks.append(
                AcceptedRisk(check: check, resource: try m.optionalString("resource"), reason: reason, until: until))
        }

        var config = Config(
            file: file,
            policy: Policy(
                accountID: accountID, buckets: buckets, acceptedRisks: risks, rds: rds, backup: backup,
                monitoring: monitoring, appRole: appRole,
                recoveryPath: try parseRecoveryPath(top, accountID: accountID, backup: backup, reader: reader)),
            aws: aws,
            storePath: storePath,
            schedule: try parseSchedule(top.value("schedule"), reader: reader),
            prometheusTextfile: try parsePrometheusTextfile(top, reader: reader),
            metrics: try parseMetrics(top.value("metrics"), reader: reader),
            alerting: try parseAlerting(
                top.value("alerting"), reader: reader, references: &checkReferences,
                accountID: defaultLabel ?? accountID),
            report: try parseReport(top, reader: reader))
        config.checkReferences = checkReferences
        // Alerts go out through the same HTTP client as the AWS calls: its timeouts bound one
        // delivery attempt, and so the outbox lease (DeliveryPolicy.lease).
        config.alerting.retry.attemptTimeout = DeliveryPolicy.attemptTimeout(
            requestTimeout: .seconds(aws.requestTimeoutSeconds), connectTimeout: .seconds(aws.connectTimeoutSeconds))
        return config
    }

    /// The config after checking that every check it names exists in `knownChecks` (the catalog,
    /// which lives in MnemondChecks: the config reads IDs, the catalog knows which exist).
    public func validated(knownChecks: [CheckID]) throws(ConfigError) -> Config {
        let known = Set(knownChecks)
        for reference in checkReferences where !known.contains(reference.id) {
            var message = "\(reference.path): unknown check \(shown(reference.id.rawValue))"
            if let hint = suggestion(for: reference.id.rawValue, among: knownChecks.map(\.rawValue)) {
                message += " (did you mean \(shown(hint))?)"
            }
            throw ConfigError(file: file, line: reference.line, column: reference.column, message: message)
        }
        return self
    }

    static func isRegion(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isNumber) else { return false }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isLetter && $0.isLowercase } }
    }

    static func parseDay(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }

    static func located(_ error: YamlError, file: String, text: String) -> ConfigError {
        // Yams's own descriptions quote the offending line (the reader, scanner and parser
        // errors) or the whole document (duplicate keys): only the problem and the place are kept.
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigError(
                file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem.prefix(200))")
        case .reader(let problem, let offset, _, _):
            let bytes = Data(text.utf8)
            guard let offset, offset >= 0, offset <= bytes.count else {
                return ConfigError(file: file, line: 1, message: "invalid YAML: \(problem.prefix(200))")
            }
            let (line, column) = position(ofByte: offset, in: bytes)
            return ConfigError(
                file: file, line: line, column: column,
                message: "invalid YAML: \(problem.prefix(200)) at byte offset \(offset)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let lines = keyLines(key, column: context.mark.column, from: context.mark.line, in: text)
            let at = lines.count >= 2 ? " on lines \(lines[0]) and \(lines[1])" : ""
            return ConfigError(
                file: file, line: lines.count >= 2 ? lines[1] : context.mark.line,
                column: context.mark.column, message: "duplicate key \(shown(key))\(at)")
        default:
            return ConfigError(file: file, line: 1, message: "invalid YAML: \(String(describing: error).prefix(200))")
        }
    }

    /// The lines (1-based), from `first` on, where `key` starts a mapping entry at `column`.
    static func keyLines(_ key: String, column: Int, from first: Int, in text: String) -> [Int] {
        var found: [Int] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where index + 1 >= first {
            let scalars = Array(line.unicodeScalars.prefix(column - 1 + key.unicodeScalars.count + 3))
            guard scalars.count >= column - 1 else { continue }
            let rest = String(String.UnicodeScalarView(scalars[(column - 1)...]))
            let bare = rest.hasPrefix(key + ":") || rest.hasPrefix(key + " :")
            let quoted = rest.hasPrefix("\"\(key)\"") || rest.hasPrefix("'\(key)'")
            if bare || quoted { found.append(index + 1) }
            if found.count == 2 { break }
        }
        return found
    }

    /// The byte offset of the first byte that is not part of a valid UTF-8 sequence, if any.
    static func invalidUTF8Offset(_ data: Data) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    /// Line and column (1-based; the column counts bytes) of a byte offset.
    static func position(ofByte offset: Int, in data: Data) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for (index, byte) in data.prefix(offset).enumerated() where byte == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return (line, offset - lineStart + 1)
    }
}

/// A check ID as the config names it, located for the "unknown check" error.
public struct CheckReference: Sendable, Equatable {
    public var id: CheckID
    /// The key path, e.g. `accepted_risks[0].check` or `alerting.checks`.
    public var path: String
    public var line: Int?
    public var column: Int?

    init(_ id: CheckID, at path: String, node: Node, reader: YAMLReader) {
        self.id = id
        self.path = path
        let located = reader.error(node, "")
        self.line = located.line
        self.column = located.column
    }
}
