import Foundation
import Logging
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
        var logger = Logger(label: "mnemond")
        if let estate = config.estate { logger[metadataKey: "estate"] = "\(estate.name)" }
        do {
            return try Runtime.build(config: config, options: options, logger: logger)
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.store)
        }
    }

    /// `config validate`: the file, then the AWS settings the environment and the selected
    /// shared-config profile add to it (`retry_mode`, `max_attempts`, endpoints), as `check`
    /// and `run` will read them.
    public static func validate(path: String, options: RuntimeOptions) throws(CommandFailure) -> String {
        let text = try ConfigCommand.validate(path: path)
        do throws(ConfigError) {
            for config in try ConfigCommand.loadEstatesChecked(path: path) {
                _ = try Runtime.awsSettings(config: config, options: options)
            }
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

    /// `check --once` of a file that lists several estates: each estate's cycle at once (each its own
    /// runtime), the output under each estate's name, and the worst exit status (critical before
    /// unknown before warning). One estate's failure is its own (exit 74 or 78 text), never the others'.
    public static func checkEstates(_ estates: [Config], options: RuntimeOptions, json: Bool)
        async throws(CommandFailure) -> (text: String, status: Int32)
    {
        let outcomes = await withTaskGroup(of: (Int, Result<CycleOutcome, CommandFailure>).self) { group in
            for (index, config) in estates.enumerated() {
                group.addTask {
                    do throws(CommandFailure) {
                        return (index, .success(try await check(config: config, options: options)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results: [Int: Result<CycleOutcome, CommandFailure>] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
        var parts: [EstatesOutput.Part] = []
        for (index, config) in estates.enumerated() {
            let name = config.estate?.name ?? config.policy.accountID
            switch outcomes[index] {
            case .some(.success(let outcome)):
                let (text, status) = CheckCommand.output(outcome, json: json)
                parts.append((name, config.policy.accountID, text, status))
            case .some(.failure(let failure)):
                parts.append((name, config.policy.accountID, failure.message, failure.status))
            case .none:
                parts.append((name, config.policy.accountID, "the cycle did not finish", ExitStatus.failed))
            }
        }
        return EstatesOutput.combine(parts, json: json)
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
