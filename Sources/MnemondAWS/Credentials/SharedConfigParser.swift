/// The INI dialect of `~/.aws/config` and `~/.aws/credentials`, as botocore reads it (Python's
/// `RawConfigParser`):
/// - `[section]` headers; names are case-sensitive, text after the first `]` may only be a
///   comment;
/// - `key = value` (or `key: value`); keys are lower-cased, values trimmed; the first `=` or
///   `:` splits, so `role_arn = arn:aws:…` keeps its colons;
/// - whole-line comments start with `#` or `;`; a `#` after a value is part of the value
///   (botocore does not strip inline comments);
/// - a line indented deeper than the key above it continues that key: this is how nested
///   sub-sections (`s3 =` followed by indented `endpoint_url = …`) are written. A nested
///   `key = value` under a key with an empty value is kept as `parent.key` (`s3.endpoint_url`,
///   what a `[services NAME]` section holds); other continuation lines are skipped.
/// Duplicate sections merge and a repeated key keeps its last value.
enum SharedConfigParser {
    typealias Sections = [String: [String: String]]

    /// Errors name `path:line` and never quote the offending line: it may hold a secret.
    static func parse(_ text: String, path: String) throws(CredentialsError) -> Sections {
        var sections: Sections = [:]
        var current: String?
        // Indentation of the last key line in the current section: deeper lines continue it.
        var keyIndent: Int?
        // The key that opened a nested sub-section (`s3 =`), while its indented lines follow.
        var parentKey: String?

        // "\r\n" is one Character in Swift: split on it explicitly (Python reads universal newlines).
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") {
            lines[0] = first.dropFirst()
        }
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            let content = line.dropFirst(indent).trimmingTrailingWhitespace()
            if content.isEmpty || content.hasPrefix("#") || content.hasPrefix(";") {
                continue
            }
            if let keyIndent, indent > keyIndent {
                // Continuation of the key above: a nested sub-section's `key = value`, or a
                // multi-line value (not needed by anything mnemond reads).
                if let parentKey, let section = current, let split = content.firstIndex(of: "=") {
                    let key = content[..<split].trimmingTrailingWhitespace().lowercased()
                    let value = String(content[content.index(after: split)...].drop { $0 == " " || $0 == "\t" })
                    if !key.isEmpty { sections[section, default: [:]]["\(parentKey).\(key)"] = value }
                }
                continue
            }
            if content.hasPrefix("[") {
                let name = try sectionName(content, at: "\(path):\(lineNumber)")
                if sections[name] == nil { sections[name] = [:] }
                current = name
                keyIndent = nil
                parentKey = nil
                continue
            }
            guard let split = content.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw .invalid(
                    "\(path):\(lineNumber): expected \"key = value\", \"[section]\" or a comment; fix the line")
            }
            let key = content[..<split].trimmingTrailingWhitespace().lowercased()
            let value = String(content[content.index(after: split)...].drop { $0 == " " || $0 == "\t" })
            guard !key.isEmpty else {
                throw .invalid("\(path):\(lineNumber): missing key before \"\(content[split])\"")
            }
            guard let section = current else {
                throw .invalid(
                    "\(path):\(lineNumber): key \"\(key)\" appears before any [section]; add a [default] or [profile NAME] header above it"
                )
            }
            sections[section, default: [:]][key] = value
            keyIndent = indent
            parentKey = value.isEmpty ? key : nil
        }
        return sections
    }

    private static func sectionName(_ content: Substring, at location: String) throws(CredentialsError) -> String {
        guard let close = content.firstIndex(of: "]") else {
            throw .invalid("\(location): section header is missing its closing \"]\"")
        }
        let rest = content[content.index(after: close)...].drop { $0 == " " || $0 == "\t" }
        guard rest.isEmpty || rest.hasPrefix("#") || rest.hasPrefix(";") else {
            throw .invalid("\(location): unexpected text after the section header's \"]\"")
        }
        let name = content[content.index(after: content.startIndex)..<close]
            .drop { $0 == " " || $0 == "\t" }.trimmingTrailingWhitespace()
        guard !name.isEmpty else {
            throw .invalid("\(location): empty section name \"[]\"")
        }
        return String(name)
    }
}

extension Substring {
    fileprivate func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, let last = self[..<end].last, last == " " || last == "\t" {
            end = index(before: end)
        }
        return self[..<end]
    }
}
