import Foundation
import MnemondModel

/// The subject line and the plain-text body: what an e-mail client shows (SNS e-mail
/// subscriptions) and the fallback text everywhere else.
public enum TextRenderer {
    /// SNS requires a subject of fewer than 100 characters, printable, without line breaks; we keep
    /// it ASCII so every mail client shows it as written.
    public static let subjectLimit = 99

    /// `[CRITICAL] mne-media-replica: s3.lifecycle.noncurrent 15 d (want 180 d)`.
    public static func subject(_ message: AlertMessage) -> String {
        if message.isTest, let item = message.items.first {
            return fit("[TEST] mnemond test alert from \(item.resource) - no action needed")
        }
        let firing = message.firing
        let resolved = message.resolved
        var tag: String
        if firing.isEmpty {
            tag = "[RESOLVED]"
        } else {
            tag = "[\(message.severity)"
            if firing.count == 1, resolved.isEmpty, let kind = firing.first?.kind, kind != .firing {
                tag += ", \(kindLabel(kind))"
            }
            tag += "]"
        }
        // With several estates, the estate comes first: the same resource name can live in each.
        if let estate = message.estate { tag += " \(estate) /" }
        if message.items.count == 1, let item = message.items.first {
            return fit("\(tag) \(item.resource): \(headline(item))")
        }
        var counts: [String] = []
        if !firing.isEmpty { counts.append("\(firing.count) firing") }
        if !resolved.isEmpty { counts.append("\(resolved.count) resolved") }
        let names = message.items.map { "\($0.resource) \($0.check)" }
        return fit("\(tag) \(counts.joined(separator: ", ")): \(names.joined(separator: ", "))")
    }

    /// `s3.lifecycle.noncurrent 15 d (want 180 d)`, or the finding's words without the resource.
    static func headline(_ item: AlertItem) -> String {
        if let found = item.found, let expected = item.expected {
            return "\(item.check) \(found) (want \(expected))"
        }
        let prefix = "\(item.resource): "
        let words = item.message.hasPrefix(prefix) ? String(item.message.dropFirst(prefix.count)) : item.message
        return "\(item.check) \(words)"
    }

    static func kindLabel(_ kind: NotificationKind) -> String {
        switch kind {
        case .firing: "firing"
        case .repeat: "still firing"
        case .escalated: "escalated"
        case .flapping: "flapping"
        case .resolved: "resolved"
        }
    }

    /// ASCII only, one line, at most `subjectLimit` characters (cut with `...`).
    static func fit(_ text: String) -> String {
        let replacements: [Character: String] = ["—": "-", "–": "-", "…": "...", "→": "->", "≥": ">=", "≤": "<="]
        var ascii = ""
        for c in text {
            if c.isNewline {
                ascii += " "
            } else if c.isASCII {
                ascii.append(c)
            } else {
                ascii += replacements[c] ?? "?"
            }
        }
        guard ascii.count > subjectLimit else { return ascii }
        return String(ascii.prefix(subjectLimit - 3)) + "..."
    }

    /// The plain-text body, readable in an e-mail client: every item, or the first `showing`
    /// (worst first) and an overflow line. Item texts are cut to `Fitting.itemTextLimit`.
    public static func body(_ message: AlertMessage, showing: Int? = nil) -> String {
        var lines: [String] = []
        if message.isTest {
            lines.append("THIS IS A TEST of mnemond's alert delivery. No action is needed.")
            lines.append("")
            for item in message.items {
                lines.append(item.message)
                if let runbook = item.runbook { lines.append(runbook) }
            }
            lines.append("")
            lines.append("Sent \(timestamp(message.createdAt)). Idempotency key: \(message.idempotencyKey)")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append(
            "mnemond: \(Grouping.counts(message)) — can we still recover what the backup guide promises?")
        if let estate = message.estate { lines.append("Estate: \(estate)") }
        let shown = min(showing ?? message.items.count, message.items.count)
        for item in message.items.prefix(shown).map(Fitting.clipped) {
            lines.append("")
            let label =
                item.kind == .resolved
                ? "RESOLVED (was \(item.severity))" : "\(item.severity) \(kindLabel(item.kind).uppercased())"
            lines.append("\(label): \(item.check) on \(item.resource)")
            lines.append("  what:      \(item.message)")
            if let found = item.found { lines.append("  found:     \(found)") }
            if let expected = item.expected { lines.append("  expected:  \(expected)") }
            if let guide = item.guide { lines.append("  guide:     \(guide)") }
            if item.kind == .resolved {
                if let at = item.since { lines.append("  resolved:  \(timestamp(at))") }
                if let fired = item.firingSince {
                    lines.append(
                        "  fired:     \(timestamp(fired)) (lasted \(span(from: fired, to: item.since ?? message.createdAt)))"
                    )
                }
                if let key = item.resolves { lines.append("  resolves:  \(key)") }
            } else {
                if let since = item.since {
                    lines.append("  since:     \(timestamp(since)) (\(span(from: since, to: message.createdAt)))")
                }
                if let flapping = item.flapping { lines.append("  flapping:  \(flapping)") }
                if let runbook = item.runbook { lines.append("  runbook:   \(runbook)") }
            }
            lines.append(
                "  key:       \(item.idempotencyKey) (episode \(item.episode)\(item.repeatNumber.map { ", notice \($0)" } ?? ""))"
            )
        }
        if shown < message.items.count {
            lines.append("")
            lines.append(Fitting.overflowLine(message.items.count - shown))
        }
        lines.append("")
        lines.append(
            "Sent \(timestamp(message.createdAt)). Idempotency key: \(message.idempotencyKey) — a message whose key you have already seen is a repeated delivery of the same notification."
        )
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2026-11-19T14:05:09Z` (as `ISO8601DateFormatter` writes it, without building that ICU
    /// object).
    static func timestamp(_ date: Date) -> String { UTCText.iso(date) }

    /// `2 h 10 min`, `3 d 4 h`: how long between two instants.
    static func span(from start: Date, to end: Date) -> String {
        DurationText.human(end.timeIntervalSince(start))
    }
}
