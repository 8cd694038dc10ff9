import Foundation
import MnemondAWS
import MnemondModel

/// A field AWS answered that cannot be read as what it must be (`BackupRetentionPeriod:
/// thirty-five`). Absent and unreadable differ: absent is an answer (no LatestRestorableTime: PITR
/// is impossible), unreadable is not — `observe` turns it into an `InvalidResponse` naming the field
/// and the API action, so the checks that depend on it are UNKNOWN rather than a false CRITICAL.
struct UnreadableField: Error, Equatable, CustomStringConvertible {
    var field: String
    var value: String

    init(_ field: String, _ value: String) {
        self.field = field
        self.value = value
    }

    /// The same wording as `AWSDecoding.invalid`: the value quoted, cut to 64 characters.
    var description: String {
        let shown = value.count > 64 ? String(value.prefix(64)) + "…" : value
        return "\(field) is not valid: \"\(shown)\""
    }
}

extension XMLTree {
    /// The text at `path`, nil when the element is absent.
    private func text(_ path: [String]) -> String? {
        var node: XMLTree? = self
        for part in path { node = node?[part] }
        return node?.text
    }

    /// An integer field: nil when absent, thrown when present but not an integer.
    func readInt(_ path: String...) throws(UnreadableField) -> Int? {
        guard let text = text(path) else { return nil }
        guard let value = Int(text) else { throw UnreadableField(path.joined(separator: "."), text) }
        return value
    }

    /// A decimal field (CloudWatch thresholds): nil when absent, thrown when not a finite number.
    func readDouble(_ path: String...) throws(UnreadableField) -> Double? {
        guard let text = text(path) else { return nil }
        guard let value = Double(text), value.isFinite else { throw UnreadableField(path.joined(separator: "."), text) }
        return value
    }

    /// An ISO 8601 timestamp: nil when absent, thrown when unparsable.
    func readDate(_ path: String...) throws(UnreadableField) -> Date? {
        guard let text = text(path) else { return nil }
        guard let value = ISO8601.parse(text) else { throw UnreadableField(path.joined(separator: "."), text) }
        return value
    }

    /// An XML boolean (`true`/`false`): nil when absent, thrown otherwise.
    func readBool(_ path: String...) throws(UnreadableField) -> Bool? {
        guard let text = text(path) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw UnreadableField(path.joined(separator: "."), text)
        }
    }

    /// A field with a closed set of values (`Status`: Enabled | Disabled): nil when absent,
    /// thrown for any value outside the set.
    func readOneOf(_ allowed: Set<String>, _ path: String...) throws(UnreadableField) -> String? {
        guard let text = text(path) else { return nil }
        guard allowed.contains(text) else { throw UnreadableField(path.joined(separator: "."), text) }
        return text
    }
}

extension Backup.Record {
    /// An integer field: nil when absent or JSON null, thrown when present but not an exact
    /// integer (1e300, 3.5, "35").
    func readInt(_ key: String, in context: String) throws(UnreadableField) -> Int? {
        guard let raw = fields[key], !(raw is NSNull) else { return nil }
        if let value = int(key) { return value }
        throw UnreadableField("\(context).\(key)", "\(raw)")
    }

    /// A JSON boolean: nil when absent, thrown for anything else.
    func readBool(_ key: String, in context: String) throws(UnreadableField) -> Bool? {
        guard let raw = fields[key], !(raw is NSNull) else { return nil }
        if let value = raw as? Bool { return value }
        throw UnreadableField("\(context).\(key)", "\(raw)")
    }

    /// A list of strings: empty when absent, thrown when any member is not a string (dropping it
    /// would make a selection look as if it did not cover a resource it covers).
    func readStrings(_ key: String, in context: String) throws(UnreadableField) -> [String] {
        guard let raw = fields[key], !(raw is NSNull) else { return [] }
        guard let list = raw as? [Any] else { throw UnreadableField("\(context).\(key)", "\(raw)") }
        var out: [String] = []
        for (index, item) in list.enumerated() {
            guard let text = item as? String else { throw UnreadableField("\(context).\(key)[\(index)]", "\(item)") }
            out.append(text)
        }
        return out
    }

    /// A list of objects: empty when absent, thrown when the list or any member is not an object.
    func readRecords(_ key: String, in context: String) throws(UnreadableField) -> [Backup.Record] {
        guard let raw = fields[key], !(raw is NSNull) else { return [] }
        guard let list = raw as? [Any] else { throw UnreadableField("\(context).\(key)", "\(raw)") }
        var out: [Backup.Record] = []
        for (index, item) in list.enumerated() {
            guard let object = item as? [String: Any] else {
                throw UnreadableField("\(context).\(key)[\(index)]", "\(item)")
            }
            out.append(Backup.Record(object))
        }
        return out
    }
}
