/// A stable check identifier such as `s3.lifecycle.noncurrent`. Stored in the database and used in
/// silences and config, so an ID is never renamed once shipped.
public struct CheckID: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    /// The guide area a check belongs to: the first component (`s3`, `rds`, `backup`, ...).
    public var area: String { String(rawValue.split(separator: ".").first ?? "") }
    public static func < (lhs: CheckID, rhs: CheckID) -> Bool { lhs.rawValue < rhs.rawValue }
}
