/// Reads one XML answer into an `XMLTree`, straight from its bytes.
///
/// AWS answers use a small part of XML 1.0: a declaration, elements, attributes (namespace
/// declarations), character data with the five predefined entities and character references,
/// sometimes CDATA sections and comments. That part is read here as libxml2 (Foundation's
/// `XMLParser`, used before) reads it: line ends in text become `\n`, white space in attribute
/// values becomes a space, CDATA is kept as written. What is not well-formed is an error naming
/// what and where; processing instructions and document type declarations, which AWS never
/// sends, are refused. Names are taken as written (`s3:Key` stays `s3:Key`), as with namespace
/// processing off.
///
/// Bytes that are not UTF-8 are refused first, naming the offset of the first.
struct XMLReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private static let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), amp = UInt8(ascii: "&")
    private static let slash = UInt8(ascii: "/"), bang = UInt8(ascii: "!"), question = UInt8(ascii: "?")
    private static let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, tab: UInt8 = 0x09, space: UInt8 = 0x20
    private static let bracket = UInt8(ascii: "]")

    private func error(_ message: String, at offset: Int) -> XMLParseError {
        var line = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == Self.lf { line += 1 }
        return XMLParseError(message: message, line: line)
    }

    private var truncated: XMLParseError {
        error("truncated XML (unclosed elements or no root)", at: bytes.count)
    }

    private func starts(with literal: StaticString, at offset: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        let start = literal.utf8Start
        for i in 0..<count where bytes[offset + i] != start[i] { return false }
        return true
    }

    private static func isASCIILetter(_ b: UInt8) -> Bool {
        (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == space || b == lf || b == tab || b == cr }

    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = pos
        while pos < bytes.count, Self.isSpace(bytes[pos]) { pos += 1 }
        return pos > start
    }

    // MARK: Document

    mutating func document() throws(XMLParseError) -> XMLTree {
        if let offset = invalidUTF8Offset(bytes) { throw error("not UTF-8 at byte offset \(offset)", at: offset) }
        if starts(with: "\u{FEFF}", at: 0) { pos = 3 }
        if starts(with: "<?xml", at: pos), pos + 5 < bytes.count, Self.isSpace(bytes[pos + 5]) {
            try declaration()
        }
        try miscellany()
        guard pos < bytes.count else { throw truncated }
        guard bytes[pos] == Self.lt else { throw error("text before the root element", at: pos) }
        let root = try elements()
        try miscellany()
        guard pos == bytes.count else { throw error("content after the root element at byte offset \(pos)", at: pos) }
        return root
    }

    /// `<?xml version="1.x" encoding="…" standalone="yes|no"?>`, encoding and standalone optional.
    private mutating func declaration() throws(XMLParseError) {
        let start = pos
        pos += 5
        var seen = 0
        let pseudoAttributes: [StaticString] = ["version", "encoding", "standalone"]
        for (index, pseudo) in pseudoAttributes.enumerated() {
            guard skipSpace(), starts(with: pseudo, at: pos) else {
                guard index > 0 else { throw error("XML declaration without a version", at: start) }
                continue
            }
            pos += pseudo.utf8CodeUnitCount
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "=") else {
                throw error("malformed XML declaration", at: start)
            }
            pos += 1
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") || bytes[pos] == UInt8(ascii: "'") else {
                throw error("malformed XML declaration", at: start)
            }
            let quote = bytes[pos]
            pos += 1
            let valueStart = pos
            while pos < bytes.count, bytes[pos] != quote { pos += 1 }
            guard pos < bytes.count else { throw truncated }
            let value = Array(bytes[valueStart..<pos])
            pos += 1
            let valid: Bool
            switch index {
            case 0:
                valid =
                    value.count > 2 && value.starts(with: Array("1.".utf8))
                    && value.dropFirst(2).allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            case 1:
                // The bytes are read as UTF-8, which is what AWS declares (US-ASCII is a subset).
                valid = ["utf-8", "utf8", "us-ascii", "ascii"].contains(
                    String(decoding: value, as: UTF8.self).lowercased())
            default: valid = value == Array("yes".utf8) || value == Array("no".utf8)
            }
            guard valid else { throw error("unsupported \(pseudo) in the XML declaration", at: start) }
            seen += 1
        }
        skipSpace()
        guard pos + 1 < bytes.count else { throw truncated }
        guard seen > 0, bytes[pos] == Self.question, bytes[pos + 1] == Self.gt else {
            throw error("malformed XML declaration", at: start)
        }
        pos += 2
    }

    /// White space and comments around the root element.
    private mutating func miscellany() throws(XMLParseError) {
        while true {
            skipSpace()
            guard pos < bytes.count, bytes[pos] == Self.lt, pos + 1 < bytes.count else { return }
            guard bytes[pos + 1] == Self.question || bytes[pos + 1] == Self.bang else { return }
            try commentOrRefusal()
        }
    }

    /// A comment at `pos` is skipped; a processing instruction, a document type declaration or
    /// other `<!` markup is refused.
    private mutating func commentOrRefusal() throws(XMLParseError) {
        if starts(with: "<!--", at: pos) {
            try comment()
        } else if starts(with: "<?", at: pos) {
            throw error("processing instruction at byte offset \(pos) (AWS answers have none)", at: pos)
        } else if starts(with: "<!DOCTYPE", at: pos) {
            throw error("document type declaration at byte offset \(pos) (AWS answers have none)", at: pos)
        } else {
            throw error("unexpected markup at byte offset \(pos)", at: pos)
        }
    }

    private mutating func comment() throws(XMLParseError) {
        pos += 4
        while pos + 1 < bytes.count {
            if bytes[pos] == UInt8(ascii: "-"), bytes[pos + 1] == UInt8(ascii: "-") {
                guard pos + 2 < bytes.count else { throw truncated }
                guard bytes[pos + 2] == Self.gt else { throw error("'--' inside a comment", at: pos) }
                pos += 3
                return
            }
            try character(at: pos)
            pos += 1
        }
        throw truncated
    }

    // MARK: Elements

    /// The root element and everything in it, without recursion (depth is bounded by
    /// `XMLTree.maxDepth`, checked as each element opens).
    private mutating func elements() throws(XMLParseError) -> XMLTree {
        var stack: [XMLTree] = []
        var texts: [[UInt8]] = []
        stack.reserveCapacity(16)
        texts.reserveCapacity(16)
        while true {
            guard pos < bytes.count else { throw truncated }
            let b = bytes[pos]
            if b == Self.lt {
                guard pos + 1 < bytes.count else { throw truncated }
                switch bytes[pos + 1] {
                case Self.slash:
                    let close = pos
                    pos += 2
                    let name = try self.name()
                    skipSpace()
                    guard pos < bytes.count else { throw truncated }
                    guard bytes[pos] == Self.gt else { throw error("malformed end tag </\(name)", at: close) }
                    pos += 1
                    guard var element = stack.popLast(), let text = texts.popLast() else {
                        throw error("end tag </\(name)> without a start tag", at: close)
                    }
                    guard element.name == name else {
                        throw error("end tag </\(name)> does not match <\(element.name)>", at: close)
                    }
                    element.text = text.isEmpty ? "" : trimmedWhitespace(String(decoding: text, as: UTF8.self))
                    guard !stack.isEmpty else { return element }
                    stack[stack.count - 1].children.append(element)
                case Self.bang where starts(with: "<![CDATA[", at: pos) && !texts.isEmpty:
                    try cdata(into: &texts[texts.count - 1])
                case Self.bang, Self.question:
                    try commentOrRefusal()
                default:
                    guard stack.count < XMLTree.maxDepth else {
                        throw error("elements nested deeper than \(XMLTree.maxDepth) levels", at: pos)
                    }
                    let (element, empty) = try startTag()
                    if empty {
                        guard !stack.isEmpty else { return element }
                        stack[stack.count - 1].children.append(element)
                    } else {
                        stack.append(element)
                        texts.append([])
                    }
                }
            } else {
                guard !texts.isEmpty else { throw error("text outside the root element", at: pos) }
                try text(into: &texts[texts.count - 1])
            }
        }
    }

    /// `<name attr="value" …>` or `<name …/>`, with `pos` on the `<`.
    private mutating func startTag() throws(XMLParseError) -> (XMLTree, empty: Bool) {
        let open = pos
        pos += 1
        var element = XMLTree(name: try name())
        while true {
            let spaced = skipSpace()
            guard pos < bytes.count else { throw truncated }
            switch bytes[pos] {
            case Self.gt:
                pos += 1
                return (element, false)
            case Self.slash:
                guard pos + 1 < bytes.count else { throw truncated }
                guard bytes[pos + 1] == Self.gt else { throw error("malformed start tag <\(element.name)", at: open) }
                pos += 2
                return (element, true)
            default:
                guard spaced else { throw error("malformed start tag <\(element.name)", at: open) }
                let attribute = try name()
                skipSpace()
                guard pos < bytes.count else { throw truncated }
                guard bytes[pos] == UInt8(ascii: "=") else {
                    throw error("attribute \(attribute) of <\(element.name)> without a value", at: pos)
                }
                pos += 1
                skipSpace()
                let value = try attributeValue()
                guard element.attributes.updateValue(value, forKey: attribute) == nil else {
                    throw error("attribute \(attribute) repeated in <\(element.name)>", at: open)
                }
            }
        }
    }

    /// A name as XML 1.0 (fifth edition) writes them; a colon only between two non-empty parts
    /// (a namespace prefix).
    private mutating func name() throws(XMLParseError) -> String {
        let start = pos
        var colons = 0
        while pos < bytes.count {
            let b = bytes[pos]
            if b < 0x80 {
                let letter = Self.isASCIILetter(b)
                let other =
                    b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
                if b == UInt8(ascii: ":") { colons += 1 }
                guard letter || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || (other && pos > start) else {
                    break
                }
                pos += 1
            } else {
                let (scalar, length) = scalar(at: pos)
                guard Self.isNameCharacter(scalar, first: pos == start) else { break }
                pos += length
            }
        }
        guard pos < bytes.count else { throw truncated }
        guard pos > start else { throw error("a name was expected at byte offset \(start)", at: start) }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        if colons > 0 {
            let parts = name.split(separator: ":", omittingEmptySubsequences: false)
            guard colons == 1, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw error("malformed name \(name)", at: start)
            }
        }
        return name
    }

    /// The scalar whose UTF-8 encoding starts at `offset` (the bytes are valid UTF-8).
    private func scalar(at offset: Int) -> (UInt32, length: Int) {
        let b = UInt32(bytes[offset])
        let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        guard length > 1, offset + length <= bytes.count else { return (b, 1) }
        var value = b & (0xFF >> (length + 1))
        for i in 1..<length { value = value << 6 | UInt32(bytes[offset + i] & 0x3F) }
        return (value, length)
    }

    /// XML 1.0 fifth edition `NameStartChar` (or `NameChar` after the first), for non-ASCII.
    private static func isNameCharacter(_ c: UInt32, first: Bool) -> Bool {
        switch c {
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D,
            0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
            return true
        case 0xB7, 0x300...0x36F, 0x203F...0x2040: return !first
        default: return false
        }
    }

    /// A quoted attribute value, references resolved and white space made spaces.
    private mutating func attributeValue() throws(XMLParseError) -> String {
        guard pos < bytes.count else { throw truncated }
        let quote = bytes[pos]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw error("unquoted attribute value at byte offset \(pos)", at: pos)
        }
        pos += 1
        var value: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw truncated }
            let b = bytes[pos]
            switch b {
            case quote:
                pos += 1
                return String(decoding: value, as: UTF8.self)
            case Self.lt: throw error("'<' in an attribute value", at: pos)
            case Self.amp: try reference(into: &value)
            case Self.cr:
                value.append(Self.space)
                pos += (pos + 1 < bytes.count && bytes[pos + 1] == Self.lf) ? 2 : 1
            case Self.lf, Self.tab:
                value.append(Self.space)
                pos += 1
            default:
                try character(at: pos)
                value.append(b)
                pos += 1
            }
        }
    }

    /// Character data up to the next markup, line ends made `\n`.
    private mutating func text(into text: inout [UInt8]) throws(XMLParseError) {
        while pos < bytes.count {
            let b = bytes[pos]
            switch b {
            case Self.lt: return
            case Self.amp: try reference(into: &text)
            case Self.cr:
                text.append(Self.lf)
                pos += (pos + 1 < bytes.count && bytes[pos + 1] == Self.lf) ? 2 : 1
            case Self.bracket:
                if starts(with: "]]>", at: pos) { throw error("']]>' in text", at: pos) }
                text.append(b)
                pos += 1
            default:
                try character(at: pos)
                // The run up to the next byte that needs a look, appended at once.
                let start = pos
                pos += 1
                while pos < bytes.count {
                    let next = bytes[pos]
                    if next == Self.lt || next == Self.amp || next == Self.cr || next == Self.bracket
                        || next < Self.space || next == 0xEF
                    {
                        break
                    }
                    pos += 1
                }
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
            }
        }
    }

    /// `<![CDATA[…]]>`, kept as written.
    private mutating func cdata(into text: inout [UInt8]) throws(XMLParseError) {
        pos += 9
        let start = pos
        while pos + 2 < bytes.count {
            if bytes[pos] == Self.bracket, bytes[pos + 1] == Self.bracket, bytes[pos + 2] == Self.gt {
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
                pos += 3
                return
            }
            try character(at: pos)
            pos += 1
        }
        throw truncated
    }

    /// `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;`, `&#…;` and `&#x…;`; any other is an error
    /// (AWS answers declare no entities).
    private mutating func reference(into out: inout [UInt8]) throws(XMLParseError) {
        let start = pos
        pos += 1
        var end = pos
        while end < bytes.count, end - pos < 12 {
            let b = bytes[end]
            let letter = Self.isASCIILetter(b)
            guard letter || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "#") else { break }
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";"), end > pos else {
            if end >= bytes.count { throw truncated }
            throw error("'&' without a reference at byte offset \(start)", at: start)
        }
        let body = UnsafeBufferPointer(rebasing: bytes[pos..<end])
        pos = end + 1
        if body[0] == UInt8(ascii: "#") {
            var value: UInt32 = 0
            var digits = body.dropFirst()
            let hex = digits.first == UInt8(ascii: "x")
            if hex { digits = digits.dropFirst() }
            guard !digits.isEmpty else { throw error("empty character reference", at: start) }
            for d in digits {
                let digit: UInt32
                switch d {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(d - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(d - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(d - UInt8(ascii: "A") + 10)
                default: throw error("malformed character reference", at: start)
                }
                value = value * (hex ? 16 : 10) + digit
                guard value <= 0x10FFFF else { throw error("character reference beyond Unicode", at: start) }
            }
            guard Self.isXMLCharacter(value), let scalar = Unicode.Scalar(value) else {
                throw error(
                    "character reference to U+\(String(value, radix: 16, uppercase: true)), not allowed in XML",
                    at: start)
            }
            out.append(contentsOf: UTF8.encode(scalar)!)
            return
        }
        switch String(decoding: body, as: UTF8.self) {
        case "lt": out.append(Self.lt)
        case "gt": out.append(Self.gt)
        case "amp": out.append(Self.amp)
        case "quot": out.append(UInt8(ascii: "\""))
        case "apos": out.append(UInt8(ascii: "'"))
        case let name: throw error("undefined entity &\(name);", at: start)
        }
    }

    /// XML 1.0 `Char`: tab, line feed, carriage return, U+0020–U+D7FF, U+E000–U+FFFD and beyond.
    private static func isXMLCharacter(_ value: UInt32) -> Bool {
        value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value)
            || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
    }

    /// Refuses the control characters XML does not allow, and U+FFFE and U+FFFF (`EF BF BE`,
    /// `EF BF BF` in valid UTF-8), at `offset`.
    private func character(at offset: Int) throws(XMLParseError) {
        let b = bytes[offset]
        if b < Self.space, b != Self.tab, b != Self.lf, b != Self.cr {
            throw error(
                "character U+\(String(b, radix: 16, uppercase: true)) not allowed in XML at byte offset \(offset)",
                at: offset)
        }
        if b == 0xEF, offset + 2 < bytes.count, bytes[offset + 1] == 0xBF, bytes[offset + 2] >= 0xBE {
            throw error(
                "character U+FFF\(bytes[offset + 2] == 0xBE ? "E" : "F") not allowed in XML at byte offset \(offset)",
                at: offset)
        }
    }
}
