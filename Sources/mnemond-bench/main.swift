import Foundation
import MnemondBenchData

// Data generators for the benchmark scripts (scripts/bench-status.sh, scripts/bench-report.sh).
// They fill stores through the store's own write path; timing is the scripts' job.

let usage = """
    usage: mnemond-bench status-year STORE [--days N] [--full-days N] [--findings N]
           mnemond-bench report-stores DIR
    """

func fail(_ message: String, status: Int32 = 64) -> Never {
    FileHandle.standardError.write(Data("mnemond-bench: \(message)\n".utf8))
    exit(status)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, arguments.count >= 2 else { fail("missing arguments\n\(usage)") }
let target = arguments[1]
var options: [String: Int] = [:]
var index = 2
while index < arguments.count {
    let name = arguments[index]
    guard ["--days", "--full-days", "--findings"].contains(name), index + 1 < arguments.count,
        let value = Int(arguments[index + 1]), value > 0
    else { fail("\(name): expected --days, --full-days or --findings with a positive number\n\(usage)") }
    options[name] = value
    index += 2
}

do {
    switch command {
    case "status-year":
        let days = options["--days"] ?? 365
        try await StatusYear.generate(
            path: target, days: days, fullDays: min(days, options["--full-days"] ?? days),
            findingCount: options["--findings"] ?? 60)
    case "report-stores":
        guard options.isEmpty else { fail("report-stores takes no options\n\(usage)") }
        try await ReportStores.generate(directory: target)
    default:
        fail("unknown command \(command)\n\(usage)")
    }
} catch {
    fail("\(error)", status: 1)
}
