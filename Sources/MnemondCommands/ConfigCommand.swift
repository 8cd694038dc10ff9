import Foundation
import MnemondChecks
import MnemondConfig
import MnemondModel

/// `mnemond config validate`, and the config and store every other command starts from.
public enum ConfigCommand {
    /// The config at `path`, or exit 78 (EX_CONFIG) with the located error.
    public static func load(path: String) throws(CommandFailure) -> Config {
        do {
            return try loadChecked(path: path)
        } catch {
            throw CommandFailure("\(error)", status: ExitStatus.config)
        }
    }

    /// The config at `path`, with every check it names checked against the catalog, and the
    /// AWS settings the environment overrides (`AWS_MAX_ATTEMPTS`) checked too.
    public static func loadChecked(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> Config {
        let config = try Config.load(path: path).validated(knownChecks: Catalog.all.map(\.id))
        _ = try config.aws.effective(environment: environment)
        return config
    }

    /// `config validate`: one line naming what was read.
    public static func validate(path: String) throws(CommandFailure) -> String {
        let config = try load(path: path)
        return "\(config.file): valid — \(config.policy.buckets.count) buckets, account \(config.policy.accountID)\n"
    }

    /// The store to read and the config when it is readable. `--db` alone is enough for readers
    /// (the config then only names bucket roles and intervals); without `--db` the config is
    /// required, since it holds the store path.
    public static func storeForReading(db: String?, configPath: String) throws(CommandFailure) -> (
        path: String, config: Config?
    ) {
        if let db { return (db, try? loadChecked(path: configPath)) }
        let config = try load(path: configPath)
        return (config.storePath, config)
    }
}
