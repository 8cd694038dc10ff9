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
        case .scalar(let s): shown(s.string)
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
                var message = "unknown key \(shown(key))" + (path.isEmpty ? "" : " in \(path)")
                if let hint = suggestion(for: key, among: allowed) { message += " (did you mean \(shown(hint))?)" }
                throw error(keyNode, message)
            }
            if !seen.insert(key).inserted {
                throw error(keyNode, "duplicate key \(shown(key))" + (path.isEmpty ? "" : " in \(path)"))
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
                throw reader.error(self.node, "missing key \(shown(key))" + (path.isEmpty ? "" : " in \(path)"))
            }
            return node
        }

        func string(_ key: String) throws(ConfigError) -> String {
            try reader.string(try required(key), at: child(key))
        }

        func identifier(_ key: String) throws(ConfigError) -> String {
            try reader.identifier(try required(key), at: child(key))
        }

        func optionalIdentifier(_ key: String) throws(ConfigError) -> String? {
            guard let node = value(key) else { return nil }
            return try reader.identifier(node, at: child(key))
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

    /// A string value. No value of the file may hold a control character other than a tab or a
    /// line break: a NUL (`"\0"` in a double-quoted string) or an escape sequence in a name would
    /// reach AWS requests, logs and terminals.
    func string(_ node: Node, at path: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(node, "\(path) must be a string, found \(describe(node))")
        }
        for (index, c) in scalar.string.unicodeScalars.enumerated()
        where c.properties.generalCategory == .control && !["\t", "\n", "\r"].contains(c) {
            throw error(
                node,
                "\(path) contains the control character U+\(hex4(c.value)) at character \(index + 1): \(shown(scalar.string))"
            )
        }
        return scalar.string
    }

    /// A name AWS knows a resource by (bucket, instance, vault, plan, role, alarm, rule): a
    /// string with no whitespace or control character at all.
    func identifier(_ node: Node, at path: String) throws(ConfigError) -> String {
        let text = try string(node, at: path)
        guard !text.isEmpty else { throw error(node, "\(path) must not be empty") }
        for (index, c) in text.unicodeScalars.enumerated() where c.properties.isWhitespace {
            throw error(
                node, "\(path) contains whitespace (U+\(hex4(c.value))) at character \(index + 1): \(shown(text))")
        }
        return text
    }

    func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
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
                "\(path) must be one of \(allowed.map { "\(shown($0))" }.joined(separator: ", ")), found \(shown(value))"
            )
        }
        return value
    }
}
