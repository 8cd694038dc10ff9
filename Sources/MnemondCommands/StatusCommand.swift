import Foundation
import MnemondConfig
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
}
