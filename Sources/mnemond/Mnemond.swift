import ArgumentParser
import Foundation
import Logging
import MnemondCommands
import MnemondConfig
import MnemondDaemon
import MnemondProcess

@main
struct Mnemond: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnemond",
        abstract:
            "Watches an AWS backup and disaster-recovery estate and says when it is no longer recoverable as promised.",
        version: MnemondVersion.text,
        subcommands: [
            Check.self, Status.self, ConfigCLI.self, SilenceCommand.self, TestAlert.self, Run.self,
            HistoryCLI.self, ReportCLI.self,
        ])

    /// As ArgumentParser's, except that `status --nagios` keeps to the plugin's exit codes: a
    /// usage error is UNKNOWN (3) with one line on stdout, as Nagios and Icinga expect.
    static func main() async {
        GlibcMalloc.limitArenas()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let nagios = arguments.first == "status" && arguments.contains("--nagios")
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if nagios, !(error is ExitCode) {
                let message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                print("MNEMOND UNKNOWN - \(message.replacingOccurrences(of: "|", with: "/"))")
                Foundation.exit(3)
            }
            exit(withError: error)
        }
    }
}

/// `mnemond --version` (and every subcommand's).
enum MnemondVersion {
    static let text = "mnemond 0.9.0"
}

/// Flags every command shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Configuration file.")
    var config: String = "/etc/mnemond/mnemond.yaml"

    @Option(help: "AWS shared-config profile (beats AWS_PROFILE and the config's aws.profile).")
    var profile: String?

    @Option(help: "SQLite store path (beats store.path in the config).")
    var db: String?

    @Option(help: "The estate to act on, when the configuration lists several (`estates:`).")
    var estate: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    /// Loads the config or exits 78 (EX_CONFIG) with the located error.
    func loadConfig() throws -> Config {
        do {
            return try ConfigCommand.load(path: config, estate: estate)
        } catch {
            throw fail(error)
        }
    }

    /// The store to read and the config when it is readable (`ConfigCommand.storeForReading`).
    func storeForReading() throws -> (path: String, config: Config?) {
        do {
            return try ConfigCommand.storeForReading(db: db, configPath: config, estate: estate)
        } catch {
            throw fail(error)
        }
    }

    /// `storeForReading` with the failure as it is (`status --nagios` words it its own way).
    func storeForReadingFailure() throws(CommandFailure) -> (path: String, config: Config?) {
        try ConfigCommand.storeForReading(db: db, configPath: config, estate: estate)
    }

    var runtimeOptions: RuntimeOptions { RuntimeOptions(profile: profile, dbPath: db) }

    func bootstrapLogging() {
        KeyValueLogHandler.bootstrap(level: logLevel, environment: ProcessInfo.processInfo.environment)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Prints a command's failure as `mnemond: …` on stderr; the exit status is the one
/// `ExitStatus` gave it.
func fail(_ failure: CommandFailure) -> ExitCode {
    FileHandle.standardError.write(Data("mnemond: \(failure.message)\n".utf8))
    return ExitCode(failure.status)
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
        do {
            let estates = try ConfigCommand.loadEstates(path: common.config, estate: common.estate)
            guard estates.count > 1 else {
                let outcome = try await CommandWork.check(config: estates[0], options: common.runtimeOptions)
                let (text, status) = CheckCommand.output(outcome, json: json)
                print(text, terminator: "")
                throw ExitCode(status)
            }
            let (text, status) = try await CommandWork.checkEstates(
                estates, options: common.runtimeOptions, json: json)
            print(text, terminator: "")
            throw ExitCode(status)
        } catch let error as CommandFailure {
            throw fail(error)
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Show the stored state of every check and since when it holds. Exit 0 OK, 1 warning, 2 critical, 3 unknown.",
        discussion:
            "3 also when nothing was recorded yet or the data is stale (no cycle for 3 intervals). --json: see README.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print as JSON.")
    var json = false

    @Flag(
        help:
            "Nagios/Icinga plugin output: one line with performance data; every failure is UNKNOWN (3).")
    var nagios = false

    @Option(help: "Only this check ID (e.g. s3.lifecycle.noncurrent).")
    var check: String?

    func run() async throws {
        common.bootstrapLogging()
        let result: (text: String, status: Int32)
        do {
            let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            let format: StatusCommand.Format = json ? .json : nagios ? .nagios : .text
            if common.db == nil, common.estate == nil,
                let estates = try? ConfigCommand.loadEstates(path: common.config), estates.count > 1
            {
                result = try await StatusCommand.runEstates(
                    estates, check: check, format: format, color: color, now: Date())
            } else {
                let (path, config) = try common.storeForReadingFailure()
                result = try await StatusCommand.run(
                    storePath: path, config: config, check: check, format: format, color: color, now: Date())
            }
        } catch {
            guard nagios else { throw fail(error) }
            print("MNEMOND UNKNOWN - \(error.message.replacingOccurrences(of: "|", with: "/"))")
            throw ExitCode(3)
        }
        print(result.text, terminator: "")
        throw ExitCode(result.status)
    }
}

struct ConfigCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Configuration tools.", subcommands: [Validate.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the configuration file; exit 0 when valid, 78 with file:line:column otherwise.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            do {
                print(
                    try CommandWork.validate(path: common.config, options: common.runtimeOptions), terminator: "")
            } catch {
                throw fail(error)
            }
        }
    }
}
