import ArgumentParser
import Foundation
import MnemondCommands
import MnemondDaemon
import MnemondStore

extension ExitCodes {
    /// sysexits.h EX_USAGE: a bad argument (unknown check, unreadable duration).
    static let usage: Int32 = 64
}

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
            let store = try openStore(common, readOnly: false)
            let text = try await perform {
                try await SilenceCommands.add(
                    store: store, check: check, resource: resource, duration: duration, reason: reason,
                    createdBy: operatorName(), now: Date())
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
            let store = try openStore(common, readOnly: true)
            let text = try await perform { try await SilenceCommands.list(store: store, all: all, now: Date()) }
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
            let store = try openStore(common, readOnly: false)
            let text = try await perform { try await SilenceCommands.remove(store: store, id: id, now: Date()) }
            print(text, terminator: "")
        }
    }
}

/// The store at `--db`, else the config's `store.path`; exits 74 when it cannot be opened.
private func openStore(_ common: CommonOptions, readOnly: Bool) throws -> Store {
    let path = try common.db ?? common.loadConfig().storePath
    do {
        return readOnly ? try Store.openReadOnly(path: path) : try Store.open(path: path)
    } catch {
        throw fail("\(error)", code: ExitCodes.store)
    }
}

/// Runs a silence operation, mapping its errors to exit codes: 64 for usage, 74 for the store.
private func perform(_ body: () async throws -> String) async throws -> String {
    do {
        return try await body()
    } catch let error as AlertingCommandError {
        switch error {
        case .usage: throw fail("\(error)", code: ExitCodes.usage)
        case .store: throw fail("\(error)", code: ExitCodes.store)
        }
    }
}

/// Who added a silence, for the record: the sudo caller, else the login name.
private func operatorName() -> String {
    let env = ProcessInfo.processInfo.environment
    return env["SUDO_USER"] ?? env["USER"] ?? env["LOGNAME"] ?? "uid \(getuid())"
}
