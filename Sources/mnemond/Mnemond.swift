import ArgumentParser
import Foundation
import Logging
import MnemondCommands
import MnemondDaemon
import MnemondModel
import MnemondStore

@main
struct Mnemond: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnemond",
        abstract: "Watches an AWS backup and disaster-recovery estate and says when it is no longer recoverable as promised.",
        subcommands: [
            Check.self, Status.self, ConfigCommand.self, SilenceCommand.self, TestAlert.self, Run.self,
            HistoryCommand.self, ReportCLI.self,
        ])
}

/// Flags every command shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Configuration file.")
    var config: String = "/etc/mnemond/mnemond.yaml"

    @Option(help: "AWS shared-config profile (beats AWS_PROFILE and the config's aws.profile).")
    var profile: String?

    @Option(help: "SQLite store path (beats store.path in the config).")
    var db: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    /// Loads the config or exits 78 (EX_CONFIG) with the located error.
    func loadConfig() throws -> Config {
        do {
            return try Config.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("mnemond: \(error)\n".utf8))
            throw ExitCode(ExitCodes.config)
        }
    }

    func bootstrapLogging() {
        KeyValueLogHandler.bootstrap(level: logLevel, environment: ProcessInfo.processInfo.environment)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

enum ExitCodes {
    /// sysexits.h EX_CONFIG
    static let config: Int32 = 78
    /// sysexits.h EX_IOERR: the store could not be read or written.
    static let store: Int32 = 74
}

func fail(_ message: String, code: Int32) -> ExitCode {
    FileHandle.standardError.write(Data("mnemond: \(message)\n".utf8))
    return ExitCode(code)
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Collect, evaluate and store once; print the findings. Exit 0 OK, 1 warning, 2 critical, 3 unknown.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Run one cycle and exit (the only mode of this command; accepted for scripts).")
    var once = false

    @Flag(help: "Print findings as JSON.")
    var json = false

    func run() async throws {
        common.bootstrapLogging()
        let config = try common.loadConfig()
        let runtime: Runtime
        do {
            runtime = try Runtime.build(config: config, options: RuntimeOptions(profile: common.profile, dbPath: common.db))
        } catch {
            throw fail("\(error)", code: ExitCodes.store)
        }
        let outcome: CycleOutcome
        do {
            outcome = try await runtime.runCycle()
        } catch {
            await runtime.shutdown()
            throw fail("\(error)", code: ExitCodes.store)
        }
        await runtime.shutdown()
        print(json ? Render.findingsJSON(outcome) : Render.findingsText(outcome), terminator: "")
        throw ExitCode(Int32(outcome.overall.rawValue))
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the stored state of every check and since when it holds. Exit 0 OK, 1 warning, 2 critical, 3 unknown.",
        discussion: "3 also when nothing was recorded yet or the data is stale (no cycle for 3 intervals). --json: see README.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print as JSON.")
    var json = false

    @Option(help: "Only this check ID (e.g. s3.lifecycle.noncurrent).")
    var check: String?

    func run() async throws {
        common.bootstrapLogging()
        let (path, config) = try common.storeForReading()
        do {
            let store = try Store.openReadOnly(path: path)
            let report = try await StatusReport.load(
                store: store, policy: config?.policy, schedule: config?.schedule ?? Config.Schedule(), check: check,
                now: Date())
            let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            print(json ? Render.statusJSON(report) : Render.statusText(report, color: color), terminator: "")
            throw ExitCode(Int32(report.overall.rawValue))
        } catch let error as StoreError {
            throw fail("\(error)", code: ExitCodes.store)
        }
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Configuration tools.", subcommands: [Validate.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the configuration file; exit 0 when valid, 78 with file:line:column otherwise.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.loadConfig()
            print("\(config.file): valid — \(config.policy.buckets.count) buckets, account \(config.policy.accountID)")
        }
    }
}
