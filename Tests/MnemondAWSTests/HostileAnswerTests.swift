import Foundation
import Testing

@testable import MnemondAWS

/// Answers no real AWS endpoint sends, but a proxy, a bug or an attacker can: each is refused
/// with an error naming what was wrong, and none can trap the process.
@Suite struct HostileAnswerTests {
    static let getMetricData = QueryProtocol.operation(.cloudwatch, action: "GetMetricData", parameters: [])

    static func metricAnswer(times: [String], values: [String]) -> XMLTree {
        let xml = """
            <GetMetricDataResult><MetricDataResults><member><Id>q7</Id><Label>l</Label>
            <Timestamps>\(times.map { "<member>\($0)</member>" }.joined())</Timestamps>
            <Values>\(values.map { "<member>\($0)</member>" }.joined())</Values>
            <StatusCode>Complete</StatusCode></member></MetricDataResults></GetMetricDataResult>
            """
        return try! XMLTree.parse(Data(xml.utf8))
    }

    struct BadPoint: Sendable, CustomTestStringConvertible {
        var name: String
        var times: [String]
        var values: [String]
        var field: String
        var testDescription: String { name }
    }

    static let badPoints: [BadPoint] = [
        BadPoint(name: "NaN text", times: ["2026-11-20T14:00:00Z"], values: ["NaN"], field: "Values"),
        BadPoint(name: "infinity", times: ["2026-11-20T14:00:00Z"], values: ["inf"], field: "Values"),
        BadPoint(name: "a word", times: ["2026-11-20T14:00:00Z"], values: ["sixty"], field: "Values"),
        BadPoint(name: "garbage timestamp", times: ["yesterday"], values: ["1"], field: "Timestamps"),
        BadPoint(name: "lists of different length", times: ["2026-11-20T14:00:00Z"], values: ["1", "2"], field: "q7]"),
    ]

    /// A point that does not parse is not "no data": the whole answer is InvalidResponse naming
    /// the field, so the dependent checks turn UNKNOWN instead of OK.
    @Test(arguments: badPoints)
    func anUnreadableMetricPointMakesTheAnswerInvalid(_ bad: BadPoint) {
        let answer = Self.metricAnswer(times: bad.times, values: bad.values)
        #expect {
            try CloudWatch.metricResults(answer, operation: Self.getMetricData, region: "eu-west-1")
        } throws: { error in
            guard let aws = error as? AWSError else { return false }
            return aws.code == "InvalidResponse" && aws.message.contains(bad.field)
                && aws.qualifiedAction == "cloudwatch:GetMetricData"
        }
    }

    @Test func anAbsurdButFiniteMetricValueIsKeptAsMeasured() throws {
        let answer = Self.metricAnswer(times: ["2026-11-20T14:00:00Z"], values: ["1e300"])
        let results = try CloudWatch.metricResults(answer, operation: Self.getMetricData, region: "eu-west-1")
        #expect(results.first?.points.map(\.value) == [1e300])
    }

    /// `Int(1e300)` traps; a JSON number that is not an integer in range is simply not an integer.
    @Test(arguments: ["1e300", "-1e300", "3.5", "9.3e18"])
    func aJSONNumberOutOfIntRangeIsNotAnInt(_ number: String) throws {
        let record = try Backup.Record(json: Data(#"{"DeleteAfterDays": \#(number)}"#.utf8))
        #expect(record.int("DeleteAfterDays") == nil)
    }

    @Test func anIntegralJSONNumberIsAnInt() throws {
        let record = try Backup.Record(json: Data(#"{"DeleteAfterDays": 180, "Float": 35.0}"#.utf8))
        #expect(record.int("DeleteAfterDays") == 180)
        #expect(record.int("Float") == 35)
    }

    @Test(arguments: ["1e300", "-1e300", "-5", "1e12"])
    func anEpochOutsideYears1970To9999IsNotADate(_ number: String) throws {
        let record = try Backup.Record(json: Data(#"{"CreationDate": \#(number)}"#.utf8))
        #expect(record.date("CreationDate") == nil)
    }

    @Test func aFractionalEpochIsADate() throws {
        let record = try Backup.Record(json: Data(#"{"CreationDate": 1795183200.5}"#.utf8))
        #expect(record.date("CreationDate") == Date(timeIntervalSince1970: 1_795_183_200.5))
    }

    /// 50,000 nested elements crashed the process (stack overflow); the parser now stops at
    /// `XMLTree.maxDepth` with a located error.
    @Test func deeplyNestedXMLIsRefused() {
        let depth = 50_000
        let xml = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        #expect {
            try XMLTree.parse(Data(xml.utf8))
        } throws: { error in
            (error as? XMLParseError)?.message == "elements nested deeper than 256 levels"
        }
    }

    @Test func xmlAtTheDepthLimitStillParses() throws {
        let depth = XMLTree.maxDepth
        let xml = String(repeating: "<a>", count: depth) + "x" + String(repeating: "</a>", count: depth)
        var node: XMLTree? = try XMLTree.parse(Data(xml.utf8))
        var levels = 0
        while let current = node {
            levels += 1
            node = current.children.first
        }
        #expect(levels == depth)
    }

    /// Found by fuzz-xml: a name byte that is not UTF-8 trapped inside FoundationXML (it
    /// force-unwraps element and attribute names); such an answer is now refused before parsing.
    static let notUTF8: [(String, [UInt8], Int)] = [
        ("an element name", Array("<a><b".utf8) + [0xD5] + Array("r>x</b".utf8) + [0xD5] + Array("r></a>".utf8), 5),
        ("an attribute name", Array("<a b".utf8) + [0xD5] + Array("=\"1\">x</a>".utf8), 4),
        ("text on line 2", Array("<a>\n".utf8) + [0xFF] + Array("</a>".utf8), 4),
    ]

    @Test(arguments: notUTF8)
    func bytesThatAreNotUTF8AreRefusedNamingTheOffset(where _: String, xml: [UInt8], offset: Int) {
        #expect {
            try XMLTree.parse(Data(xml))
        } throws: { error in
            (error as? XMLParseError)?.message == "not UTF-8 at byte offset \(offset)"
        }
    }

    /// Found by fuzz-xml: FoundationXML dereferences a null pointer for a processing instruction
    /// without data and for a DTD notation without a public id (SEGV). Neither occurs in an AWS
    /// answer; both are refused before parsing, and the XML declaration still parses.
    @Test(arguments: [
        ("<?xng?>l=m \n<ov\0\0nt>>", "processing instruction at byte offset 0"),
        ("<a><?pi?></a>", "processing instruction at byte offset 3"),
        ("<?xml?>0\"0t\0\0?>\"ror>EP_ARCHIVE</StorageClass>", "processing instruction at byte offset 0"),
        ("<?xml version=\"1.0\"?><a><?xml-stylesheet href=\"x\"?></a>", "processing instruction at byte offset 24"),
        ("<!DOCTYPE a [<!NOTATION n SYSTEM \"x\">]><a/>", "document type declaration at byte offset 0"),
    ])
    func processingInstructionsAndDTDsAreRefused(xml: String, message: String) {
        #expect {
            try XMLTree.parse(Data(xml.utf8))
        } throws: { error in
            (error as? XMLParseError)?.message == "\(message) (AWS answers have none)"
        }
    }

    @Test func theXMLDeclarationIsNotAProcessingInstruction() throws {
        let tree = try XMLTree.parse(Data("\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>x</a>".utf8))
        #expect(tree == XMLTree(name: "a", text: "x"))
    }

    @Test func anAnswerThatIsNotUTF8IsAnInvalidResponseNamingTheAction() {
        let op = AWSOperation(service: .sns, action: "ListSubscriptionsByTopic")
        let xml = Data(Array("<ListSubscriptionsByTopicResponse><Subscription".utf8) + [0xD5] + Array("rn/>".utf8))
        #expect {
            try QueryProtocol.result(xml, action: op.action, operation: op, region: "eu-west-1")
        } throws: { error in
            (error as? AWSError)?.description
                == "sns:ListSubscriptionsByTopic (eu-west-1): InvalidResponse — invalid XML at line 1: not UTF-8 at byte offset 47"
        }
    }
}

@Suite struct HostileJSONTests {
    /// Foundation's JSON parser refuses nesting beyond its own limit rather than recursing into
    /// the stack; the answer becomes InvalidResponse naming the action.
    @Test func deeplyNestedJSONIsInvalidNotACrash() {
        let depth = 50_000
        let json = #"{"a":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        let op = AWSOperation(service: .backup, action: "ListBackupJobs", method: "GET", path: "/backup-jobs/")
        #expect {
            try AWSDecoding.json(Data(json.utf8), operation: op, region: "eu-west-1")
        } throws: { error in
            (error as? AWSError)?.code == "InvalidResponse"
        }
    }
}
