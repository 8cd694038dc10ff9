import Foundation
import MnemondConfig
import MnemondStore

/// `mnemond status`: the stored state of every check, read-only; the exit status is the overall
/// state (3 also when nothing was recorded yet or the data is stale).
public enum StatusCommand {
    public static func run(storePath: String, config: Config?, check: String?, json: Bool, color: Bool, now: Date)
        async throws(CommandFailure) -> (text: String, status: Int32)
    {
        do {
            let store = try Store.openReadOnly(path: storePath)
            let report = try await StatusReport.load(
                store: store, policy: config?.policy, schedule: config?.schedule ?? Config.Schedule(), check: check,
                now: now)
            return (
                json ? Render.statusJSON(report) : Render.statusText(report, color: color),
                ExitStatus.state(report.overall)
            )
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.store)
        }
    }
}
