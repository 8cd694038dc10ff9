import Foundation
import MnemondCommands
import MnemondConfig
import MnemondModel
import MnemondReport

/// The commands that need the daemon's runtime — a check cycle, a test alert, sending the report —
/// done here and handed to MnemondCommands to print; failures carry the exit status of the table.
public enum CommandWork {
    static func runtime(_ config: Config, _ options: RuntimeOptions) throws(CommandFailure) -> Runtime {
        do throws(ConfigError) {
            _ = try Runtime.awsSettings(config: config, options: options)
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.config)
        }
        do {
            return try Runtime.build(config: config, options: options)
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.store)
        }
    }

    /// `config validate`: the file, then the AWS settings the environment and the selected
    /// shared-config profile add to it (`retry_mode`, `max_attempts`, endpoints), as `check`
    /// and `run` will read them.
    public static func validate(path: String, options: RuntimeOptions) throws(CommandFailure) -> String {
        let text = try ConfigCommand.validate(path: path)
        let config = try ConfigCommand.load(path: path)
        do throws(ConfigError) {
            _ = try Runtime.awsSettings(config: config, options: options)
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.config)
        }
        return text
    }

    /// `check --once`: one cycle — collect, evaluate, store, alert.
    public static func check(config: Config, options: RuntimeOptions) async throws(CommandFailure) -> CycleOutcome {
        let runtime = try runtime(config, options)
        let outcome: CycleOutcome
        do {
            outcome = try await runtime.runCycle()
        } catch {
            await runtime.shutdown()
            throw CommandFailure("\(error)", status: ExitStatus.store)
        }
        await runtime.shutdown()
        return outcome
    }

    /// `test-alert`: a labelled test through every configured channel.
    public static func testAlert(config: Config, options: RuntimeOptions) async throws(CommandFailure)
        -> [TestAlertCommand.Result]
    {
        let runtime = try runtime(config, options)
        let results = await runtime.alerter.testAlert()
        await runtime.shutdown()
        return results.map { TestAlertCommand.Result(channel: $0.channel, target: $0.target, error: $0.error) }
    }

    /// `report --send`: the period from the arguments (exit 64 before anything is built), then
    /// queue the report and deliver it within `alerting.delivery.once_timeout`.
    public static func sendReport(
        config: Config, options: RuntimeOptions, week: Bool, since: String?, until: String?, to: [String],
        environment: [String: String], now: Date
    ) async throws(CommandFailure) -> String {
        let period: ReportPeriod
        do throws(ReportCommand.Failure) {
            period = try ReportCommand.period(
                week: week, since: since, until: until, timeZone: ReportCommand.timeZone(config), now: now)
        } catch {
            throw error.failure
        }
        let runtime = try runtime(config, options)
        do throws(ReportCommand.Failure) {
            let text = try await ReportCommand.send(runtime: runtime, period: period, to: to, environment: environment)
            await runtime.shutdown()
            return text
        } catch {
            await runtime.shutdown()
            throw error.failure
        }
    }
}
