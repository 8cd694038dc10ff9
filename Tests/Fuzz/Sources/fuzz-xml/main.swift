import CFuzzDriver
import Foundation

@testable import MnemondAWS

/// The fuzz target: AWS XML answers (S3 rest-xml, the query services). For every input the parser
/// either returns a tree or throws `XMLParseError`, and agrees with libxml2 (Foundation's
/// `XMLParser`, `referenceParse`): the same tree, or both refuse (libxml2 alone may also refuse
/// a namespace declaration it finds wanting); a tree is at most `XMLTree.maxDepth` deep and
/// survives a round trip (written back as XML, it parses to the same tree); the query decoders
/// then either return a value or throw an `AWSError` of kind `.decoding` whose message is bounded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXML(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    let tree: XMLTree
    do {
        tree = try XMLTree.parse(data)
    } catch {
        check(!error.message.isEmpty && error.line >= 0, "XMLParseError without a message or line: \(error)")
        // libxml2 must refuse it too, unless the reader refused an encoding other than UTF-8
        // (which libxml2 converts from); inputs that crash libxml2 are not given to it.
        if !error.message.contains("unsupported encoding"), let reference = referenceParse(data) {
            check(false, "refused (\(error)) what libxml2 reads as \(reference)")
        }
        return 0
    }
    if let reference = referenceParse(data) {
        check(reference == tree, "a tree other than libxml2's:\n\(tree)\n\(reference)")
    } else if safeForReference(data) {
        check(referenceFailsOnNamespacesOnly(data), "read what libxml2 refuses: \(tree)")
    }
    check(depth(tree) <= XMLTree.maxDepth, "a tree deeper than XMLTree.maxDepth was returned")
    let written = Data(write(tree).utf8)
    do {
        let again = try XMLTree.parse(written)
        check(again == tree, "round trip changed the tree:\n\(String(decoding: written, as: UTF8.self))")
    } catch {
        check(false, "the tree, written back, does not parse: \(error)\n\(String(decoding: written, as: UTF8.self))")
    }
    decodeAsAnswers(tree)
    return 0
}

/// The query-protocol decoders, on the root and on every `…Result` element of the answer (how
/// `QueryProtocol.result` hands them over), whatever the action.
func decodeAsAnswers(_ tree: XMLTree) {
    let results = [tree] + tree.children.filter { $0.name.hasSuffix("Result") }
    for result in results.prefix(4) {
        let metrics = AWSOperation(service: .cloudwatch, action: "GetMetricData", resource: "fuzz")
        expectDecodingError {
            for metric in try CloudWatch.metricResults(result, operation: metrics, region: "eu-west-1") {
                check(metric.points.allSatisfy { $0.value.isFinite }, "a non-finite metric value was returned")
            }
        }
        let sts = AWSOperation(service: .sts, action: "AssumeRoleWithWebIdentity")
        expectDecodingError {
            let credentials = try STSCalls.parseCredentials(result, source: "fuzz", op: sts, region: "eu-west-1")
            check(
                credentials.signing.accessKeyID == result.string("Credentials", "AccessKeyId"),
                "credentials whose key id is not the answer's")
        }
        let subscriptions = SNS.subscriptions(result)
        check(
            subscriptions.count == (result["Subscriptions"]?.all("member").count ?? 0),
            "subscriptions dropped or invented")
    }
}

func expectDecodingError(_ body: () throws -> Void) {
    do {
        try body()
    } catch let error as AWSError {
        check(error.kind == .decoding && error.code == "InvalidResponse", "unexpected AWSError: \(error)")
        check(error.message.utf8.count <= 1024, "an AWSError message of \(error.message.utf8.count) bytes")
    } catch {
        check(false, "a decoder threw something other than AWSError: \(error)")
    }
}

func depth(_ tree: XMLTree) -> Int { 1 + (tree.children.map(depth).max() ?? 0) }

/// The tree as XML: text first (the parser keeps an element's own text, trimmed, apart from
/// its children), every character that XML would normalise written as a reference.
func write(_ tree: XMLTree) -> String {
    var out = "<\(tree.name)"
    for (name, value) in tree.attributes.sorted(by: { $0.key < $1.key }) {
        out += " \(name)=\"\(escape(value, attribute: true))\""
    }
    out += ">" + escape(tree.text, attribute: false)
    for child in tree.children { out += write(child) }
    return out + "</\(tree.name)>"
}

func escape(_ text: String, attribute: Bool) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"" where attribute: out += "&quot;"
        case "\r", "\n", "\t": out += "&#\(scalar.value);"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// An invariant broken: crash, so libFuzzer reports the input.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(message()) }
}

// SwiftPM gives an executable its own entry point, so libFuzzer's driver is started from here.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzXML))
