/// Why a piece of evidence could not be collected: the API action, where, and AWS's answer.
/// The evaluator turns it into an UNKNOWN finding that names the action and the code, so an
/// operator knows exactly which permission or endpoint to look at.
public struct Unavailable: Sendable, Codable, Equatable, Error, CustomStringConvertible {
    /// `s3:GetBucketLifecycleConfiguration`
    public var action: String
    /// The resource the call was about (`mne-vault-replica`), if any.
    public var resource: String?
    public var region: String?
    /// AWS error code (`AccessDenied`) or a transport class (`Timeout`, `ConnectionFailed`).
    public var code: String
    public var message: String

    public init(action: String, resource: String? = nil, region: String? = nil, code: String, message: String) {
        self.action = action
        self.resource = resource
        self.region = region
        self.code = code
        self.message = message
    }

    public var description: String {
        var text = action
        if let resource { text += " on \(resource)" }
        if let region { text += " (\(region))" }
        text += ": \(code)"
        if !message.isEmpty { text += " — \(message)" }
        return text
    }
}

/// Evidence that was either collected or could not be. "No data" (e.g. a bucket without a
/// lifecycle configuration) is a `.value`, not `.unavailable`: it is an outcome, not an error.
public enum Observed<Value: Sendable>: Sendable {
    case value(Value)
    case unavailable(Unavailable)

    public var value: Value? {
        if case .value(let v) = self { return v }
        return nil
    }

    /// Why there is no value, if there is none.
    public var unavailable: Unavailable? {
        if case .unavailable(let why) = self { return why }
        return nil
    }
}

extension Observed: Equatable where Value: Equatable {}
extension Observed: Codable where Value: Codable {
    private enum CodingKeys: String, CodingKey { case value, unavailable }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let reason = try container.decodeIfPresent(Unavailable.self, forKey: .unavailable) {
            self = .unavailable(reason)
        } else {
            self = .value(try container.decode(Value.self, forKey: .value))
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .value(let v): try container.encode(v, forKey: .value)
        case .unavailable(let u): try container.encode(u, forKey: .unavailable)
        }
    }
}
