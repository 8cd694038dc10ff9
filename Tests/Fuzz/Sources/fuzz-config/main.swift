import CFuzzDriver
import Foundation
import MnemondConfig

/// The fuzz target: the config loader on the bytes of a file. For every input it either returns
/// a `Config` or throws a `ConfigError` that names the file and a line, and whose description is
/// bounded: a huge value, key or file is never echoed in full.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    do {
        let config = try Config.parse(data: data, file: "fuzz.yaml")
        check(!config.policy.buckets.isEmpty, "a config without buckets was accepted")
        check(config.policy.accountID.utf8.count == 12, "an account id that is not 12 digits was accepted")
    } catch {
        check(error.file == "fuzz.yaml", "a ConfigError naming another file: \(error)")
        check(error.line != nil, "a ConfigError without a line: \(error)")
        check(
            error.description.utf8.count <= ConfigError.maxMessageBytes + error.file.utf8.count,
            "a ConfigError of \(error.description.utf8.count) bytes")
    }
    return 0
}

/// An invariant broken: crash, so libFuzzer reports the input.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(String(message().prefix(2000))) }
}

// SwiftPM gives an executable its own entry point, so libFuzzer's driver is started from here.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzConfig))
