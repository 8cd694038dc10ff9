import Foundation
import MnemondConfig
import MnemondModel
import MnemondStore

/// `mnemond status`: the stored state of every check, read-only; the exit status is the overall
/// state (3 also when nothing was recorded yet or the data is stale).
public enum StatusCommand {
    public enum Format: Sendable { case text, json, nagios }

    public static func run(
        storePath: String, config: Config?, check: String?, format: Format, color: Bool, now: Date
    ) async throws(CommandFailure) -> (text: String, status: Int32) {
        do {
            let store = try Store.openReadOnly(path: storePath)
            let report = try await StatusReport.load(
                store: store, policy: config?.policy, schedule: config?.schedule ?? Config.Schedule(), check: check,
                now: now)
            let text =
                switch format {
                case .text: Render.statusText(report, color: color)
                case .json: Render.statusJSON(report)
                case .nagios: Render.statusNagios(report)
                }
            return (text, ExitStatus.state(report.overall))
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.store)
        }
    }

    /// `status` of a file that lists several estates: each estate's status under its name, and the
    /// worst of their exit codes (critical before unknown before warning). Nagios output is per
    /// estate (one service check each: `--estate`). A store that cannot be read is that estate's
    /// UNKNOWN, never the end of the others' status.
    public static func runEstates(
        _ estates: [Config], check: String?, format: Format, color: Bool, now: Date
    ) async throws(CommandFailure) -> (text: String, status: Int32) {
        guard format != .nagios else {
            throw CommandFailure(
                "--nagios reports one estate: the file lists \(estates.count); name one with --estate",
                status: ExitStatus.usage)
        }
        var parts: [EstatesOutput.Part] = []
        for config in estates {
            let name = config.estate?.name ?? config.policy.accountID
            do {
                let (text, status) = try await run(
                    storePath: config.storePath, config: config, check: check, format: format, color: color, now: now)
                parts.append((name, config.policy.accountID, text, status))
            } catch {
                parts.append((name, config.policy.accountID, error.message, ExitStatus.state(.unknown)))
            }
        }
        return EstatesOutput.combine(parts, json: format == .json)
    }
}

/// The output of a command over several estates: each estate's own output under its name (text),
/// or in `{"estates":[{"estate","account","exit","output"}]}` (JSON, where `output` is the
/// estate's JSON document, or a string when it failed), and the worst exit status: critical
/// before unknown before warning, and any failure of the command itself (store, config) first.
public enum EstatesOutput {
    public typealias Part = (name: String, account: String, text: String, status: Int32)

    public static func combine(_ parts: [Part], json: Bool) -> (text: String, status: Int32) {
        func rank(_ status: Int32) -> Int {
            switch status {
            case ExitStatus.state(.ok): 0
            case ExitStatus.state(.warning): 1
            case ExitStatus.state(.unknown): 2
            case ExitStatus.state(.critical): 3
            default: 4
            }
        }
        let worst = parts.map(\.status).max { rank($0) < rank($1) } ?? ExitStatus.state(.unknown)
        guard json else {
            let text = parts.map { part -> String in
                let body = part.text.hasSuffix("\n") ? part.text : part.text + "\n"
                return "── estate \(part.name) (account \(part.account)) ──\n\(body)"
            }
            return (text.joined(separator: "\n"), worst)
        }
        let items = parts.map { part -> String in
            let trimmed = part.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let isDocument =
                trimmed.hasPrefix("{")
                && (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) != nil
            return "{\"estate\":\(quoted(part.name)),\"account\":\(quoted(part.account)),\"exit\":\(part.status),"
                + "\"output\":\(isDocument ? trimmed : quoted(trimmed))}"
        }
        return ("{\"estates\":[\(items.joined(separator: ","))]}\n", worst)
    }

    static func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(
            withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
