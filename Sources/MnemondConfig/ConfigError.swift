import Foundation

/// A configuration problem, located: `etc/mnemond.yaml:14:5: unknown key "noncurent_days" in
/// buckets[1] (did you mean "noncurrent_days"?)`. `mnemond` exits 78 (EX_CONFIG) on it.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// The longest description a config error has (file name aside): every value it quotes is
    /// cut to 100 characters (`shown`).
    public static let maxMessageBytes = 2048

    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(message)"
    }
}

/// Edit distance, for "did you mean" suggestions on misspelt keys.
func levenshtein(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = Swift.min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

/// The closest allowed key within a small distance, if any.
public func suggestion(for key: String, among allowed: [String]) -> String? {
    // No key is longer than this; and the distance to a megabyte-long one is not worth computing.
    guard key.count <= 64 else { return nil }
    let scored = allowed.map { ($0, levenshtein(key, $0)) }.min { $0.1 < $1.1 }
    guard let (best, distance) = scored, distance <= max(2, key.count / 4) else { return nil }
    return best
}

/// A value from the file as a message quotes it: at most `shownLimit` characters (a 10 MB value
/// is cut, with "…" and its length), control characters written as `\u{…}` so that a NUL or an
/// escape sequence never reaches a terminal or a log raw.
func shown(_ value: String) -> String {
    var text = ""
    var count = 0
    for scalar in value.unicodeScalars {
        if count == shownLimit { break }
        count += 1
        if scalar.properties.generalCategory == .control {
            text += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
            text.unicodeScalars.append(scalar)
        }
    }
    guard value.unicodeScalars.count > shownLimit else { return "\"\(text)\"" }
    return "\"\(text)…\" (\(value.unicodeScalars.count) characters)"
}

/// How much of a value a config message repeats.
let shownLimit = 100
