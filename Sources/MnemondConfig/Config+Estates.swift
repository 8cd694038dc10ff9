import Foundation
import Yams

/// One estate of a file that lists `estates:`: an AWS account mnemond watches with its own
/// policy, store, credentials and findings.
public struct Estate: Sendable, Equatable {
    /// The estate's name: the `estate` label of its series and alerts, part of its file names.
    public var name: String
    /// Assumed from the base identity (the daemon's credentials, or the estate's `aws.profile`)
    /// before any call, as the SDKs' `role_arn` with `source_profile`; nil: the base identity itself.
    public var roleARN: String?
    /// Sent with AssumeRole as `ExternalId` (the role's trust policy may require it).
    public var externalID: String?
    public var sessionName: String

    public init(name: String, roleARN: String? = nil, externalID: String? = nil, sessionName: String? = nil) {
        self.name = name
        self.roleARN = roleARN
        self.externalID = externalID
        self.sessionName = sessionName ?? "mnemond-\(name)"
    }
}

extension Config {
    /// Keys only an estate entry has; the other keys of an entry replace the shared key of the same
    /// name (the whole value: an estate's `buckets:` is its list, not an addition to the shared one).
    static let estateKeys = ["name", "role_arn", "external_id", "role_session_name"]
    /// One listener serves every estate's series, each with its `estate` label.
    static let sharedOnlyKeys = ["metrics"]

    /// Every estate a file describes: one config for a file without `estates:`, else one per entry,
    /// each the shared keys with the entry's own over them. A shared `store.path` or
    /// `prometheus_textfile` becomes one file per estate (`mnemond.sqlite` → `mnemond-prod.sqlite`).
    public static func parseEstates(_ text: String, file: String) throws(ConfigError) -> [Config] {
        let root = try compose(text, file: file)
        guard case .mapping(let top) = root, let listNode = top.first(where: { $0.key.string == "estates" })?.value
        else { return [try parse(root: root, file: file)] }
        let reader = YAMLReader(file: file)
        guard case .sequence(let entries) = listNode, !entries.isEmpty else {
            let found = listNode.sequence?.isEmpty == true ? "an empty list" : reader.describe(listNode)
            throw reader.error(listNode, "estates must list at least one estate, found \(found)")
        }
        let shared = top.filter { $0.key.string != "estates" }
        var configs: [Config] = []
        for (index, entry) in entries.enumerated() {
            let path = "estates[\(index)]"
            guard case .mapping(let own) = entry else {
                throw reader.error(entry, "\(path) must be a mapping, found \(reader.describe(entry))")
            }
            let m = YAMLReader.Mapping(node: entry, mapping: own, path: path, reader: reader)
            let estate = try parseEstate(m, path: path, reader: reader)
            if configs.contains(where: { $0.estate?.name == estate.name }) {
                throw reader.error(m.keyNode("name") ?? entry, "\(path): estate \(shown(estate.name)) is listed twice")
            }
            for key in sharedOnlyKeys {
                if let node = m.keyNode(key) {
                    throw reader.error(
                        node, "\(path).\(key): one \(key) section serves every estate; set it at the top of the file")
                }
            }
            let overridden = Set(own.compactMap { $0.key.string })
            let merged =
                shared.filter { !overridden.contains($0.key.string ?? "") }.map { ($0.key, $0.value) }
                + own.filter { !estateKeys.contains($0.key.string ?? "") }.map { ($0.key, $0.value) }
            var config: Config
            do {
                config = try parse(
                    root: .mapping(.init(merged, Tag(.implicit, .basic, .default), .any, own.mark)), file: file,
                    defaultLabel: estate.name)
            } catch {
                throw ConfigError(
                    file: error.file, line: error.line, column: error.column,
                    message: "estate \(shown(estate.name)): \(error.message)")
            }
            config.estate = estate
            if !overridden.contains("store") { config.storePath = Self.perEstate(config.storePath, estate.name) }
            if !overridden.contains("prometheus_textfile") {
                config.prometheusTextfile = config.prometheusTextfile.map { Self.perEstate($0, estate.name) }
            }
            for other in configs {
                if other.storePath == config.storePath {
                    throw reader.error(
                        entry,
                        "\(path): estates \(shown(other.estate!.name)) and \(shown(estate.name)) share the store \(config.storePath); give each its own store.path"
                    )
                }
                if let file = config.prometheusTextfile, file == other.prometheusTextfile {
                    throw reader.error(
                        entry,
                        "\(path): estates \(shown(other.estate!.name)) and \(shown(estate.name)) share the textfile \(file); give each its own prometheus_textfile"
                    )
                }
            }
            configs.append(config)
        }
        return configs
    }

    /// The one estate of `estates`, or an error naming them: a command for one estate must not
    /// silently pick the first of several.
    public static func single(_ estates: [Config], file: String) throws(ConfigError) -> Config {
        guard estates.count == 1, let only = estates.first else {
            let names = estates.compactMap(\.estate?.name).joined(separator: ", ")
            throw ConfigError(
                file: file, message: "the file lists \(estates.count) estates (\(names)): name one with --estate")
        }
        return only
    }

    /// `/var/lib/mnemond/mnemond.sqlite` and `prod` → `/var/lib/mnemond/mnemond-prod.sqlite`.
    static func perEstate(_ path: String, _ name: String) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = url.deletingPathExtension().lastPathComponent + "-" + name
        let directory = (path as NSString).deletingLastPathComponent
        let file = ext.isEmpty ? base : "\(base).\(ext)"
        return directory.isEmpty ? file : (directory as NSString).appendingPathComponent(file)
    }

    static func parseEstate(_ m: YAMLReader.Mapping, path: String, reader: YAMLReader) throws(ConfigError) -> Estate {
        let nameNode = try m.required("name")
        let name = try reader.string(nameNode, at: "\(path).name")
        // A label value and part of file names: letters, digits, `.`, `_`, `-`; no leading dot.
        guard (1...63).contains(name.utf8.count), name.first != ".",
            name.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
            })
        else {
            throw reader.error(
                nameNode,
                "\(path).name must be 1 to 63 letters, digits, '.', '_' or '-' (not starting with '.'), found \(shown(name))"
            )
        }
        var estate = Estate(name: name)
        if let node = m.value("role_arn") {
            let arn = try reader.string(node, at: "\(path).role_arn")
            let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam", parts[3].isEmpty,
                parts[4].utf8.count == 12, parts[4].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                parts[5].hasPrefix("role/"), parts[5].count > 5
            else {
                throw reader.error(
                    node,
                    "\(path).role_arn must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME), found \(shown(arn))"
                )
            }
            estate.roleARN = arn
        }
        if let node = m.value("external_id") {
            // The external ID is not secret (the trust policy holds it in clear), but it is not shown either.
            let id = try reader.string(node, at: "\(path).external_id")
            guard (2...1224).contains(id.utf8.count),
                id.unicodeScalars.allSatisfy({
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "+=,.@:/-_".unicodeScalars.contains($0))
                })
            else {
                throw reader.error(
                    node, "\(path).external_id must be 2 to 1224 characters of letters, digits and +=,.@:/-_")
            }
            guard estate.roleARN != nil else {
                throw reader.error(node, "\(path).external_id needs \(path).role_arn: it is sent with AssumeRole")
            }
            estate.externalID = id
        }
        if let node = m.value("role_session_name") {
            let session = try reader.string(node, at: "\(path).role_session_name")
            guard (2...64).contains(session.utf8.count),
                session.unicodeScalars.allSatisfy({
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "+=,.@-_".unicodeScalars.contains($0))
                })
            else {
                throw reader.error(
                    node,
                    "\(path).role_session_name must be 2 to 64 characters of letters, digits and +=,.@-_, found \(shown(session))"
                )
            }
            estate.sessionName = session
        } else if estate.sessionName.utf8.count > 64 {
            estate.sessionName = String(estate.sessionName.prefix(64))
        }
        return estate
    }
}
