/// A value that must never be printed: AWS secret keys, session tokens, webhook URLs, SMTP
/// passwords. Every textual representation is `***`, so interpolating one into a log line or an
/// error message cannot leak it; code that truly needs the value asks for `revealed()`.
public struct Secret<Value: Sendable & Equatable>: Sendable, Equatable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    private let value: Value
    public init(_ value: Value) { self.value = value }
    public func revealed() -> Value { value }
    public var description: String { "***" }
    public var debugDescription: String { "***" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
