import Foundation
import MnemondModel

/// The `STATUS=` line systemd shows after a cycle: `8 ok, 1 critical, next in 4 min`.
public enum SystemdStatusLine {
    public static func after(_ findings: [Finding], next: Date?, now: Date) -> String {
        let counts = Dictionary(grouping: findings, by: \.effectiveState).mapValues(\.count)
        var parts = ["\(counts[.ok] ?? 0) ok"]
        for state in [CheckState.critical, .warning, .unknown] {
            if let n = counts[state] { parts.append("\(n) \(state.description.lowercased())") }
        }
        if let next { parts.append("next in \(DurationText.human(next.timeIntervalSince(now)))") }
        return parts.joined(separator: ", ")
    }
}
