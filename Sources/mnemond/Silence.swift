import ArgumentParser
import Foundation
import MnemondCommands

/// `mnemond silence add|list|remove`: the guide's "schedule maintenance window". Silenced alerts
/// are recorded and listed in `status`, not sent.
struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence", abstract: "Maintenance windows: matching alerts are recorded, not sent.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Silence a check (optionally one resource) for a while, with a reason.")
        @OptionGroup var common: CommonOptions

        @Option(help: "Check ID (e.g. s3.lifecycle.noncurrent).")
        var check: String

        @Option(help: "Only this resource (default: every resource of the check).")
        var resource: String?

        @Option(name: .customLong("for"), help: "How long: 30m, 2h, 1d (at most 30d).")
        var duration: String

        @Option(help: "Why; shown with every alert it holds back.")
        var reason: String

        func run() async throws {
            common.bootstrapLogging()
            let text = try await perform(common, readOnly: false) { store throws(AlertingCommandError) in
                try await SilenceCommands.add(
                    store: store, check: check, resource: resource, duration: duration, reason: reason,
                    createdBy: SilenceCommands.operatorName(), now: Date())
            }
            print(text, terminator: "")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Silences in force and the alerts they hold back.")
        @OptionGroup var common: CommonOptions

        @Flag(help: "Also expired and removed silences.")
        var all = false

        func run() async throws {
            common.bootstrapLogging()
            let text = try await perform(common, readOnly: true) { store throws(AlertingCommandError) in
                try await SilenceCommands.list(store: store, all: all, now: Date())
            }
            print(text, terminator: "")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now (it stays in the record).")
        @OptionGroup var common: CommonOptions

        @Argument(help: "The silence's number, as `silence list` shows it (#3 → 3).")
        var id: Int64

        func run() async throws {
            common.bootstrapLogging()
            let text = try await perform(common, readOnly: false) { store throws(AlertingCommandError) in
                try await SilenceCommands.remove(store: store, id: id, now: Date())
            }
            print(text, terminator: "")
        }
    }
}

/// Runs a silence operation on the store at `--db`, else the config's `store.path`; exits 64 on
/// a usage problem, 74 when the store cannot be opened or written.
private func perform(
    _ common: CommonOptions, readOnly: Bool, _ body: SilenceCommands.Operation
) async throws -> String {
    do {
        return try await SilenceCommands.run(
            db: common.db, configPath: common.config, estate: common.estate, readOnly: readOnly, body)
    } catch {
        throw fail(error)
    }
}
