import Foundation
import Testing

@testable import MnemondAWS

/// `XMLReader`: the part of XML 1.0 AWS answers use, read as libxml2 read it before (the fuzz
/// target `fuzz-xml` compares the two on every input); the rest refused with what and where.
@Suite struct XMLReaderTests {
    static func parse(_ text: String) throws -> XMLTree { try XMLTree.parse(Data(text.utf8)) }

    static func refusal(_ text: String) -> XMLParseError? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as XMLParseError {
            return error
        } catch {
            return nil
        }
    }

    @Test func referencesAreResolvedInTextAndAttributes() throws {
        let tree = try Self.parse(#"<a v="&lt;&amp;&#65;&#x42;&quot;&apos;">x &lt;y&gt; &amp; &#233;&#x1F600;</a>"#)
        #expect(tree.text == "x <y> & é😀")
        #expect(tree.attributes == ["v": "<&AB\"'"])
    }

    @Test func lineEndsInTextBecomeLineFeedsAndAttributeWhiteSpaceSpaces() throws {
        let tree = try Self.parse("<a v=\"1\r\n2\t3\n4&#10;5\">x\r\ny\rz</a>")
        #expect(tree.text == "x\ny\nz")
        #expect(tree.attributes == ["v": "1 2 3 4\n5"])
    }

    @Test func cdataIsKeptAsWrittenAndCommentsAreSkipped() throws {
        let tree = try Self.parse("<a>x<!-- a - comment --><![CDATA[<b>&amp;\r\n]]>y</a>")
        #expect(tree.text == "x<b>&amp;\r\ny")
        #expect(tree.children.isEmpty)
    }

    @Test func namesAreKeptWithTheirPrefixAndNamespaceDeclarationsAreAttributes() throws {
        let tree = try Self.parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment before the root -->
            <s3:Result xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/" xmlns='urn:x'>
              <s3:Key>k</s3:Key><Empty/><Spaced  a = "1"  ></Spaced >
            </s3:Result>
            """)
        #expect(tree.name == "s3:Result")
        #expect(tree.attributes == ["xmlns:s3": "http://s3.amazonaws.com/doc/2006-03-01/", "xmlns": "urn:x"])
        #expect(tree.children.map(\.name) == ["s3:Key", "Empty", "Spaced"])
        #expect(tree.string("s3:Key") == "k")
        #expect(tree.children[2].attributes == ["a": "1"])
        #expect(tree.text == "")
    }

    @Test func textAroundChildrenIsJoinedAndTrimmed() throws {
        let tree = try Self.parse("<a>\n  x <b>1</b> y\u{00A0}\n</a>")
        #expect(tree.text == "x  y")
        #expect(tree["b"]?.text == "1")
    }

    static let refused: [(String, String, Int)] = [
        ("<a><b></a>", "end tag </a> does not match <b>", 1),
        ("<a>\n</a></b>", "content after the root element at byte offset 8", 2),
        ("x<a/>", "text before the root element", 1),
        ("<a>&nbsp;</a>", "undefined entity &nbsp;", 1),
        ("<a>&amp</a>", "'&' without a reference at byte offset 3", 1),
        ("<a>&#0;</a>", "character reference to U+0, not allowed in XML", 1),
        ("<a>&#xD800;</a>", "character reference to U+D800, not allowed in XML", 1),
        ("<a>&#x110000;</a>", "character reference beyond Unicode", 1),
        ("<a>x]]>y</a>", "']]>' in text", 1),
        ("<a><!-- x -- y --></a>", "'--' inside a comment", 1),
        ("<a b=\"1\" b=\"2\"/>", "attribute b repeated in <a>", 1),
        ("<a b=\"<\"/>", "'<' in an attribute value", 1),
        ("<a b=1/>", "unquoted attribute value at byte offset 5", 1),
        ("<a b=\"1\"c=\"2\"/>", "malformed start tag <a", 1),
        ("<a>\n\u{1}</a>", "character U+1 not allowed in XML at byte offset 4", 2),
        ("<a>\u{FFFE}</a>", "character U+FFFE not allowed in XML at byte offset 3", 1),
        ("<1a/>", "a name was expected at byte offset 1", 1),
        ("<a\u{200B}b/>", "malformed start tag <a", 1),
        ("<:a/>", "malformed name :a", 1),
        ("<?xml version=\"2.0\"?><a/>", "unsupported version in the XML declaration", 1),
        ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", "unsupported encoding in the XML declaration", 1),
        ("<?xml encoding=\"UTF-8\"?><a/>", "XML declaration without a version", 1),
        ("<a><b>", "truncated XML (unclosed elements or no root)", 1),
        ("", "truncated XML (unclosed elements or no root)", 1),
    ]

    @Test(arguments: refused)
    func whatIsNotWellFormedIsRefusedNamingWhatAndWhere(xml: String, message: String, line: Int) {
        let error = Self.refusal(xml)
        #expect(error?.message == message)
        #expect(error?.line == line)
    }

    @Test func nestingIsBoundedWithoutRecursion() throws {
        let allowed =
            String(repeating: "<a>", count: XMLTree.maxDepth) + String(repeating: "</a>", count: XMLTree.maxDepth)
        var node: XMLTree? = try Self.parse(allowed)
        var levels = 0
        while let current = node {
            levels += 1
            node = current.children.first
        }
        #expect(levels == XMLTree.maxDepth)
        let deep = String(repeating: "<a>", count: 100_000)
        #expect(Self.refusal(deep)?.message == "elements nested deeper than \(XMLTree.maxDepth) levels")
    }
}
