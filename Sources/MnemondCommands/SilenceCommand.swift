import Foundation
import MnemondConfig
import MnemondStore

/// What the `silence` subcommands need around `SilenceCommands`: the store and the exit statuses.
extension SilenceCommands {
    /// One silence operation on an open store.
    public typealias Operation = (Store) async throws(AlertingCommandError) -> String

    /// The store at `--db`, else the config's `store.path`; exit 74 when it cannot be opened.
    public static func openStore(db: String?, configPath: String, estate: String? = nil, readOnly: Bool)
        throws(CommandFailure) -> Store
    {
        let path: String
        if let db { path = db } else { path = try ConfigCommand.load(path: configPath, estate: estate).storePath }
        do {
            return readOnly ? try Store.openReadOnly(path: path) : try Store.open(path: path)
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.store)
        }
    }

    /// Opens the store, then runs a silence operation on it, mapping its errors to exit statuses:
    /// 64 for usage, 74 for the store.
    public static func run(
        db: String?, configPath: String, estate: String? = nil, readOnly: Bool,
        _ body: Operation
    ) async throws(CommandFailure) -> String {
        let store = try openStore(db: db, configPath: configPath, estate: estate, readOnly: readOnly)
        do {
            return try await body(store)
        } catch {
            switch error {
            case .usage: throw CommandFailure("\(error)", status: ExitStatus.usage)
            case .store: throw CommandFailure("\(error)", status: ExitStatus.store)
            }
        }
    }

    /// Who added a silence, for the record: the sudo caller, else the login name.
    public static func operatorName(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["SUDO_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "uid \(getuid())"
    }
}
