import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

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
        // FoundationXML traps (it force-unwraps the name as UTF-8) when libxml2's push parser hands
        // it an element or attribute name holding a byte that is not UTF-8, which it does before
        // it reports the byte. AWS answers are UTF-8: anything else is refused before parsing.
        if let offset = invalidUTF8Offset(data) {
            let line = 1 + data.prefix(offset).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw XMLParseError(message: "not UTF-8 at byte offset \(offset)", line: line)
        }
        // FoundationXML also crashes (strlen of a null pointer) on a processing instruction
        // without data (`<?pi?>`) and on a DTD notation without a public id. AWS answers carry
        // neither processing instructions (the XML declaration aside) nor a DTD: both are refused.
        if let (offset, what) = unsupportedMarkup(data) {
            let line = 1 + data.prefix(offset).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw XMLParseError(message: "\(what) at byte offset \(offset) (AWS answers have none)", line: line)
        }
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        parser.shouldProcessNamespaces = false
        builder.parser = parser
        let ok = parser.parse()
        if builder.tooDeep {
            throw XMLParseError(message: "elements nested deeper than \(maxDepth) levels", line: parser.lineNumber)
        }
        // FoundationXML on Linux reports success for truncated input; also require that every
        // opened element was closed and exactly one root was seen.
        if !ok || parser.parserError != nil {
            throw XMLParseError(
                message: parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML",
                line: parser.lineNumber)
        }
        guard builder.stack.isEmpty, let root = builder.root else {
            throw XMLParseError(message: "truncated XML (unclosed elements or no root)", line: parser.lineNumber)
        }
        return root
    }
}

/// The offset of the first byte of `data` that does not belong to a valid UTF-8 sequence.
func invalidUTF8Offset(_ data: Data) -> Int? {
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

/// The first processing instruction other than a leading XML declaration, or the first
/// document type declaration, with its offset.
func unsupportedMarkup(_ data: Data) -> (offset: Int, what: String)? {
    let bytes = [UInt8](data)
    var start = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
    let declaration = Array("<?xml".utf8)
    var i = start
    while i + 1 < bytes.count {
        if bytes[i] == UInt8(ascii: "<") {
            if bytes[i + 1] == UInt8(ascii: "?") {
                // A declaration has a version, so whitespace follows `<?xml`; `<?xml?>` is a
                // processing instruction without data to libxml2, and crashes as one.
                let isDeclaration =
                    i == start && bytes[i...].starts(with: declaration)
                    && (i + 5 < bytes.count && [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i + 5]))
                if !isDeclaration { return (i, "processing instruction") }
            } else if bytes[i...].starts(with: Array("<!DOCTYPE".utf8)) {
                return (i, "document type declaration")
            }
        }
        i += 1
    }
    return nil
}

public struct XMLParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var description: String { "invalid XML at line \(line): \(message)" }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLTree] = []
    var texts: [String] = []
    var root: XMLTree?
    weak var parser: XMLParser?
    var tooDeep = false

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        guard !tooDeep else { return }
        guard stack.count < XMLTree.maxDepth else {
            tooDeep = true
            parser.abortParsing()
            return
        }
        stack.append(XMLTree(name: elementName, attributes: attributes))
        texts.append("")
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !tooDeep, !texts.isEmpty { texts[texts.count - 1] += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if !texts.isEmpty { texts[texts.count - 1] += String(decoding: CDATABlock, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard !tooDeep, var element = stack.popLast(), let text = texts.popLast() else { return }
        element.text = trimmedWhitespace(text)
        if stack.isEmpty {
            if root == nil { root = element }
        } else {
            stack[stack.count - 1].children.append(element)
        }
    }
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
