import Foundation

/// A parsed XML document as a plain tree. AWS's XML answers (S3, RDS, SNS, IAM, STS) are read
/// by path (`root["LifecycleConfiguration"]`) rather than decoded into per-operation Codable types:
/// the collectors pick the few fields the guide's promises depend on and ignore the rest.
public struct XMLTree: Sendable, Equatable {
    public var name: String
    public var attributes: [String: String]
    public var children: [XMLTree]
    /// Character data directly inside this element, trimmed.
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [XMLTree] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child with this name.
    public subscript(_ name: String) -> XMLTree? { children.first { $0.name == name } }

    /// Every child with this name (repeated elements are how AWS XML encodes lists).
    public func all(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }

    /// Text of the descendant at a path of names, e.g. `string("Rule", "Status")`.
    public func string(_ path: String...) -> String? {
        var node: XMLTree? = self
        for part in path { node = node?[part] }
        return node?.text
    }

    public func int(_ path: String...) -> Int? {
        var node: XMLTree? = self
        for part in path { node = node?[part] }
        return node.flatMap { Int($0.text) }
    }

    /// Depth-first search for the first descendant with this name.
    public func first(_ name: String) -> XMLTree? {
        for child in children {
            if child.name == name { return child }
            if let found = child.first(name) { return found }
        }
        return nil
    }

    /// AWS answers nest a dozen levels; anything far deeper is hostile or broken, and walking or
    /// freeing a tree of tens of thousands of levels would exhaust the stack.
    public static let maxDepth = 256

    public static func parse(_ data: Data) throws(XMLParseError) -> XMLTree {
        let result: Result<XMLTree, XMLParseError> = data.withUnsafeBytes { raw in
            var reader = XMLReader(raw.bindMemory(to: UInt8.self))
            do throws(XMLParseError) {
                return .success(try reader.document())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// The offset of the first byte that does not belong to a valid UTF-8 sequence.
func invalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    // Most answers are ASCII throughout.
    guard let firstNonASCII = bytes.firstIndex(where: { $0 >= 0x80 }) else { return nil }
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes[firstNonASCII...].makeIterator()
    var offset = firstNonASCII
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let scalar): offset += scalar.count
        case .error: return offset
        case .emptyInput: return nil
        }
    }
}

public struct XMLParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var description: String { "invalid XML at line \(line): \(message)" }
}

/// `text` without leading and trailing white space: the set `trimmingCharacters(in:
/// .whitespacesAndNewlines)` trims, which is the Unicode White_Space scalars plus U+200B (zero
/// width space). Most element texts have none, and the Foundation call bridged every one of them
/// through NSString.
func trimmedWhitespace(_ text: String) -> String {
    func trimmed(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace || scalar == "\u{200B}" }
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !trimmed($0) }) else { return "" }
    let last = scalars.lastIndex(where: { !trimmed($0) })!
    if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return text }
    return String(scalars[first...last])
}
