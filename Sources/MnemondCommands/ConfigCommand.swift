import Foundation
import MnemondChecks
import MnemondConfig
import MnemondModel

/// `mnemond config validate`, and the config and store every other command starts from.
public enum ConfigCommand {
    /// The config at `path` (its estate `estate` when it lists several), or exit 78 (EX_CONFIG)
    /// with the located error.
    public static func load(path: String, estate: String? = nil) throws(CommandFailure) -> Config {
        do {
            return try loadChecked(path: path, estate: estate)
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.config)
        }
    }

    /// Every estate of the file at `path` (one for a file without `estates:`), or only `estate`.
    public static func loadEstates(path: String, estate: String? = nil) throws(CommandFailure) -> [Config] {
        do {
            return try loadEstatesChecked(path: path, only: estate)
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.config)
        }
    }

    /// The config at `path`, with every check it names checked against the catalog, and the
    /// AWS settings the environment overrides (`AWS_MAX_ATTEMPTS`) checked too. A file that lists
    /// several estates needs `estate`.
    public static func loadChecked(
        path: String, estate: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> Config {
        try Config.single(try loadEstatesChecked(path: path, only: estate, environment: environment), file: path)
    }

    /// `loadChecked` for every estate of the file, or only the one named `only`.
    public static func loadEstatesChecked(
        path: String, only: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> [Config] {
        var estates = try Config.loadEstates(path: path)
        if let only {
            estates = estates.filter { $0.estate?.name == only }
            guard !estates.isEmpty else {
                let names = try Config.loadEstates(path: path).compactMap(\.estate?.name)
                throw ConfigError(
                    file: path,
                    message: names.isEmpty
                        ? "--estate \(only): the file lists no estates (it describes one, without a name)"
                        : "--estate \(only): no such estate; the file lists \(names.joined(separator: ", "))")
            }
        }
        for index in estates.indices {
            estates[index] = try estates[index].validated(knownChecks: Catalog.all.map(\.id))
            _ = try estates[index].aws.effective(environment: environment)
        }
        return estates
    }

    /// `config validate`: one line naming what was read.
    public static func validate(path: String) throws(CommandFailure) -> String {
        let estates = try loadEstates(path: path)
        guard estates.count > 1 || estates.first?.estate != nil else {
            let config = estates[0]
            return
                "\(config.file): valid — \(config.policy.buckets.count) buckets, account \(config.policy.accountID)\n"
        }
        let each = estates.map {
            "\($0.estate?.name ?? "?") (account \($0.policy.accountID), \($0.policy.buckets.count) buckets)"
        }
        return "\(path): valid — \(estates.count) estates: \(each.joined(separator: ", "))\n"
    }

    /// The store to read and the config when it is readable. `--db` alone is enough for readers
    /// (the config then only names bucket roles and intervals); without `--db` the config is
    /// required, since it holds the store path.
    public static func storeForReading(db: String?, configPath: String, estate: String? = nil) throws(CommandFailure)
        -> (path: String, config: Config?)
    {
        if let db { return (db, try? loadChecked(path: configPath, estate: estate)) }
        let config = try load(path: configPath, estate: estate)
        return (config.storePath, config)
    }
}
