import CFuzzDriver
import Foundation

@testable import MnemondAWS

/// The fuzz target: awsJson and rest-json answers (AWS Backup, EventBridge, KMS). For every input
/// `AWSDecoding.json` either returns an object or throws an `AWSError` (`InvalidResponse`, the
/// byte count, never the body); the typed readers never trap (numbers out of `Int` range and
/// epochs outside 1970…9999 are nil), and a record's description is JSON that reads back to the
/// same description.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    let operation = AWSOperation(service: .backup, action: "ListBackupJobs", resource: "fuzz")
    let object: [String: Any]
    do {
        object = try AWSDecoding.json(data, operation: operation, region: "eu-west-1")
    } catch let error as AWSError {
        check(error.kind == .decoding && error.code == "InvalidResponse", "unexpected AWSError: \(error)")
        check(error.message == "answer is not a JSON object (\(count) bytes)", "unexpected message: \(error.message)")
        return 0
    } catch {
        fatalError("AWSDecoding.json threw something other than AWSError: \(error)")
    }
    read(Backup.Record(object), depth: 0)

    let record = Backup.Record(object)
    if let again = try? Backup.Record(json: Data(record.description.utf8)) {
        check(again.description == record.description, "a record's description does not read back the same")
    }

    let ebOperation = AWSOperation(service: .eventbridge, action: "ListTargetsByRule")
    do {
        let targets = try EventBridge.targets(object, operation: ebOperation, region: "eu-west-1")
        check(targets.count == ((object["Targets"] as? [Any])?.count ?? 0), "targets dropped or invented")
    } catch let error as AWSError {
        check(error.kind == .decoding && error.code == "InvalidResponse", "unexpected AWSError: \(error)")
        check(error.message.utf8.count <= 1024, "an AWSError message of \(error.message.utf8.count) bytes")
    } catch {
        fatalError("EventBridge.targets threw something other than AWSError: \(error)")
    }
    let keyFields = object["KeyMetadata"] as? [String: Any] ?? object
    let key = KMS.metadata(keyFields, keyID: "fuzz")
    check(key.arn == (keyFields["Arn"] as? String ?? "fuzz"), "a key's ARN is not the answer's")
    _ = EventBridge.rule(object, name: "fuzz")
    return 0
}

/// Every typed reader on every key, recursively: each returns a value or nil, never traps.
func read(_ record: Backup.Record, depth: Int) {
    guard depth < 64 else { return }
    for key in record.fields.keys {
        _ = record.string(key)
        _ = record.bool(key)
        if let int = record.int(key), let double = record.fields[key] as? Double {
            check(Double(int) == double, "int(\(key)) is \(int) for \(double)")
        }
        if let date = record.date(key) {
            let seconds = date.timeIntervalSince1970
            check(seconds >= 0 && seconds <= 253_402_300_799, "date(\(key)) outside 1970…9999: \(seconds)")
        }
        _ = record.strings(key)
        if let child = record.record(key) { read(child, depth: depth + 1) }
        for child in record.records(key) { read(child, depth: depth + 1) }
    }
}

/// An invariant broken: crash, so libFuzzer reports the input.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(message()) }
}

// SwiftPM gives an executable its own entry point, so libFuzzer's driver is started from here.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzJSON))
