import Foundation

/// What a notification says about one alert.
public enum NotificationKind: String, Sendable, Codable, Equatable {
    /// A new episode started firing.
    case firing
    /// Still firing after its repeat interval.
    case `repeat`
    /// Still firing, and worse than what was last said (warning → critical).
    case escalated
    /// Still firing only because it flaps; its resolve is held back.
    case flapping
    /// Back to OK; refers to the episode's firing notification.
    case resolved
}

/// One alert inside a message: what is wrong (expected vs found), since when, what to do.
public struct AlertItem: Sendable, Codable, Equatable {
    public var kind: NotificationKind
    public var check: CheckID
    public var resource: String
    public var severity: CheckState
    public var episode: Int
    /// Stable per (check, resource, episode, kind [+ repeat number]); printed in the message.
    public var idempotencyKey: String
    public var message: String
    public var expected: String?
    public var found: String?
    public var guide: String?
    public var runbook: String?
    /// When the failing streak began.
    public var since: Date?
    public var firingSince: Date?
    /// For a resolve: the key of the firing notification it closes.
    public var resolves: String?
    /// For a repeat: 1, 2, …
    public var repeatNumber: Int?
    /// Set when the alert is held firing by flap damping: `flapped 6 times in the last 1h (limit 4)`.
    public var flapping: String?

    public init(
        kind: NotificationKind, check: CheckID, resource: String, severity: CheckState, episode: Int,
        idempotencyKey: String, message: String, expected: String? = nil, found: String? = nil, guide: String? = nil,
        runbook: String? = nil, since: Date? = nil, firingSince: Date? = nil, resolves: String? = nil,
        repeatNumber: Int? = nil, flapping: String? = nil
    ) {
        self.kind = kind
        self.check = check
        self.resource = resource
        self.severity = severity
        self.episode = episode
        self.idempotencyKey = idempotencyKey
        self.message = message
        self.expected = expected
        self.found = found
        self.guide = guide
        self.runbook = runbook
        self.since = since
        self.firingSince = firingSince
        self.resolves = resolves
        self.repeatNumber = repeatNumber
        self.flapping = flapping
    }
}

/// One message per channel: the alerts one evaluation cycle started, repeated or resolved,
/// grouped. This is what the outbox stores (as JSON) and the renderers turn into SNS and Slack.
public struct AlertMessage: Sendable, Codable, Equatable {
    /// Stable for this set of alert keys; shown in the message and sent as an attribute.
    public var idempotencyKey: String
    public var createdAt: Date
    /// A `mnemond test-alert` message: labelled as a test everywhere, never an incident.
    public var isTest: Bool
    public var items: [AlertItem]
    /// The estate the alerts are about, when the daemon watches several (absent in messages
    /// queued before estates existed: they decode as nil).
    public var estate: String?

    public init(
        idempotencyKey: String, createdAt: Date, isTest: Bool = false, items: [AlertItem], estate: String? = nil
    ) {
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.isTest = isTest
        self.items = items
        self.estate = estate
    }

    /// The worst severity among the items still failing; OK when all are resolves.
    public var severity: CheckState {
        CheckState.worst(items.filter { $0.kind != .resolved }.map(\.severity))
    }

    public var firing: [AlertItem] { items.filter { $0.kind != .resolved } }
    public var resolved: [AlertItem] { items.filter { $0.kind == .resolved } }

    /// A clearly-labelled test message (`mnemond test-alert`).
    public static func test(at time: Date, host: String) -> AlertMessage {
        let key = IdempotencyKey.of(["test", host, "\(Int64(time.timeIntervalSince1970))"])
        return AlertMessage(
            idempotencyKey: key, createdAt: time, isTest: true,
            items: [
                AlertItem(
                    kind: .firing, check: "mnemond.test-alert", resource: host, severity: .ok, episode: 0,
                    idempotencyKey: key,
                    message: "TEST from mnemond on \(host): this channel delivers alerts. No action needed.",
                    runbook: "Guide Step 8.5: confirm that this test arrived in every subscribed inbox and channel.")
            ])
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode(_ json: String) throws -> AlertMessage {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(AlertMessage.self, from: Data(json.utf8))
    }
}

/// Idempotency keys: a stable 64-bit FNV-1a hash of the alert's identity, as 16 hex digits with
/// a `mn-` prefix. Not a security device — a name that is the same every time the same
/// notification is produced, so a receiver (or a human) can spot a duplicate delivery.
public enum IdempotencyKey {
    public static func of(_ parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.joined(separator: "\u{1F}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "mn-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The key of one notification about one alert. `installation` (the store's identity and the
    /// expected account) makes keys unique per installation: a rebuilt store, or staging and
    /// production watching the same estate, never reuse a key a receiver has already seen.
    public static func alert(
        check: CheckID, resource: String, episode: Int, kind: String, installation: String = ""
    ) -> String {
        of((installation.isEmpty ? [] : [installation]) + [check.rawValue, resource, "\(episode)", kind])
    }

    /// The key of a message grouping several notifications: a function of their keys only.
    public static func group(_ keys: [String]) -> String {
        keys.count == 1 ? keys[0] : of(["group"] + keys.sorted())
    }
}
