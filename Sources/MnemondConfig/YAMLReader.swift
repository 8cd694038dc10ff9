import Foundation
import Yams

/// Strict, located reading of a YAML document: every error names file, line, column and the key
/// path; unknown keys are errors (a misspelt key must not silently fall back to a default).
struct YAMLReader {
    let file: String

    func error(_ node: Node?, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let s): s.tag == .implicit || s.string.isEmpty ? "\"\(s.string)\"" : "\"\(s.string)\""
        case .alias: "an alias"
        }
    }

    /// The mapping at `path`, after checking that it has no key outside `allowed`.
    func mapping(_ node: Node, at path: String, allowed: [String]) throws(ConfigError) -> Mapping {
        guard case .mapping(let mapping) = node else {
            throw error(node, "\(path) must be a mapping, found \(describe(node))")
        }
        var seen: Set<String> = []
        for (keyNode, _) in mapping {
            let key = keyNode.string ?? ""
            if !allowed.contains(key) {
                var message = "unknown key \"\(key)\"" + (path.isEmpty ? "" : " in \(path)")
                if let hint = suggestion(for: key, among: allowed) { message += " (did you mean \"\(hint)\"?)" }
                throw error(keyNode, message)
            }
            if !seen.insert(key).inserted {
                throw error(keyNode, "duplicate key \"\(key)\"" + (path.isEmpty ? "" : " in \(path)"))
            }
        }
        return Mapping(node: node, mapping: mapping, path: path, reader: self)
    }

    struct Mapping {
        let node: Node
        let mapping: Node.Mapping
        let path: String
        let reader: YAMLReader

        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        func value(_ key: String) -> Node? {
            for (k, v) in mapping where k.string == key {
                if case .scalar(let s) = v, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
                    return nil
                }
                return v
            }
            return nil
        }

        func required(_ key: String) throws(ConfigError) -> Node {
            guard let node = value(key) else {
                throw reader.error(self.node, "missing key \"\(key)\"" + (path.isEmpty ? "" : " in \(path)"))
            }
            return node
        }

        func string(_ key: String) throws(ConfigError) -> String {
            try reader.string(try required(key), at: child(key))
        }

        func optionalString(_ key: String) throws(ConfigError) -> String? {
            guard let node = value(key) else { return nil }
            return try reader.string(node, at: child(key))
        }

        func int(_ key: String, range: ClosedRange<Int>) throws(ConfigError) -> Int {
            try reader.int(try required(key), at: child(key), range: range)
        }

        func optionalInt(_ key: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
            guard let node = value(key) else { return nil }
            return try reader.int(node, at: child(key), range: range)
        }

        func list(_ key: String) throws(ConfigError) -> [Node] {
            guard let node = value(key) else { return [] }
            guard case .sequence(let sequence) = node else {
                throw reader.error(node, "\(child(key)) must be a list, found \(reader.describe(node))")
            }
            return Array(sequence)
        }

        func keyNode(_ key: String) -> Node? { mapping.first { $0.key.string == key }?.key }
    }

    func string(_ node: Node, at path: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(node, "\(path) must be a string, found \(describe(node))")
        }
        return scalar.string
    }

    func int(_ node: Node, at path: String, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error(node, "\(path) must be a whole number, found \(describe(node))")
        }
        guard range.contains(value) else {
            throw error(node, "\(path) must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
        }
        return value
    }

    func oneOf(_ node: Node, at path: String, _ allowed: [String]) throws(ConfigError) -> String {
        let value = try string(node, at: path)
        guard allowed.contains(value) else {
            throw error(
                node,
                "\(path) must be one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), found \"\(value)\"")
        }
        return value
    }
}
