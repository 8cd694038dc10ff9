import Foundation
import FoundationXML

@testable import MnemondAWS

/// libxml2, through Foundation's `XMLParser`: what mnemond parsed AWS answers with before
/// `XMLReader`, kept here as the oracle the reader is compared with. Never called on the inputs
/// that crash it (bytes that are not UTF-8, processing instructions, document type declarations),
/// which the reader refuses.
func referenceParse(_ data: Data) -> XMLTree? {
    guard safeForReference(data) else { return nil }
    let builder = ReferenceBuilder()
    let parser = XMLParser(data: data)
    parser.delegate = builder
    parser.shouldProcessNamespaces = false
    guard parser.parse(), parser.parserError == nil, !builder.tooDeep, builder.stack.isEmpty else { return nil }
    return builder.root
}

/// Whether the input is free of what crashes Foundation's XMLParser (found by this fuzzer
/// before): bytes that are not UTF-8 (it force-unwraps names as UTF-8), a processing
/// instruction other than the leading declaration, a document type declaration.
func safeForReference(_ data: Data) -> Bool {
    guard String(validating: data, as: UTF8.self) != nil else { return false }
    let bytes = [UInt8](data)
    var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    if bytes[start...].starts(with: Array("<?xml ".utf8)) { start += 6 }
    for i in start..<max(start, bytes.count - 1) where bytes[i] == UInt8(ascii: "<") {
        if bytes[i + 1] == UInt8(ascii: "?") || bytes[(i + 1)...].starts(with: Array("!DOCTYPE".utf8)) { return false }
    }
    return true
}

/// Whether libxml2's failure is one the reader does not share on purpose: libxml2 also checks
/// namespace declarations (URIs, declared prefixes), which AWS answers always get right, and
/// warns of an XML version 1.x other than 1.0.
func referenceFailsOnNamespacesOnly(_ data: Data) -> Bool {
    guard safeForReference(data) else { return false }
    let parser = XMLParser(data: data)
    let builder = ReferenceBuilder()
    parser.delegate = builder
    parser.shouldProcessNamespaces = false
    _ = parser.parse()
    guard let error = parser.parserError as NSError? else { return false }
    // XML_WAR_UNKNOWN_VERSION (a 1.x other than 1.0, which XML 1.0 says to read as 1.0),
    // XML_WAR_NS_URI, XML_WAR_NS_URI_RELATIVE, XML_NS_ERR_UNDEFINED_NAMESPACE, XML_NS_ERR_QNAME.
    return [97, 99, 100, 201, 202].contains(error.code)
}

private final class ReferenceBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLTree] = []
    var texts: [String] = []
    var root: XMLTree?
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
