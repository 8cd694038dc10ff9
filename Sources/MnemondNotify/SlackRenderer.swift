import Foundation
import MnemondModel

/// Slack incoming-webhook payloads in Block Kit. The severity colour is the attachment bar around
/// the blocks (Block Kit alone has no colour); `text` is the notification fallback.
public enum SlackRenderer {
    /// Slack rejects a message of more than 50 blocks, a section text over 3000 characters, a
    /// field over 2000 and a header over 150; each alert takes up to six blocks.
    public static let maxBlocks = 50
    public static let sectionLimit = 3000
    public static let fieldLimit = 2000
    public static let headerLimit = 150
    /// At most this many alerts in one message, however small: a page is read, not scrolled.
    static let maxItems = 8

    public static func payload(_ message: AlertMessage) -> Data {
        var blocks: [[String: Any]] = []
        let subject = TextRenderer.subject(message)
        blocks.append(
            [
                "type": "header",
                "text": [
                    "type": "plain_text", "text": Fitting.clip(headerText(message), to: headerLimit), "emoji": true,
                ],
            ])
        if message.isTest {
            blocks.append(
                section(
                    "*This is a test of mnemond's alert delivery. No action is needed.*\n"
                        + message.items.map { escape($0.message) }.joined(separator: "\n")))
        }
        // Worst first (see Grouping) while the blocks last, keeping room for the overflow line and
        // the closing context block.
        var shown = 0
        for item in message.items.prefix(message.isTest ? 0 : maxItems) {
            let more = itemBlocks(Fitting.clipped(item), message: message)
            let isLast = shown + 1 == message.items.count
            guard blocks.count + more.count + (isLast ? 0 : 1) + 1 <= maxBlocks else { break }
            blocks += more
            shown += 1
        }
        if !message.isTest, shown < message.items.count {
            blocks.append(section(Fitting.overflowLine(message.items.count - shown)))
        }
        blocks.append(
            [
                "type": "context",
                "elements": [
                    [
                        "type": "mrkdwn",
                        "text":
                            "mnemond · \(TextRenderer.timestamp(message.createdAt)) · idempotency key `\(message.idempotencyKey)`",
                    ]
                ],
            ])
        let document: [String: Any] = [
            "text": subject,
            "attachments": [["color": color(message), "fallback": subject, "blocks": blocks]],
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
    }

    static func headerText(_ message: AlertMessage) -> String {
        if message.isTest { return ":test_tube: TEST — mnemond alert delivery" }
        guard message.estate == nil else {
            var unscoped = message
            unscoped.estate = nil
            return "[\(message.estate ?? "")] " + headerText(unscoped)
        }
        if message.items.count == 1, let item = message.items.first {
            let label =
                item.kind == .resolved
                ? "RESOLVED"
                : "\(item.severity)" + (item.kind == .firing ? "" : " (\(TextRenderer.kindLabel(item.kind)))")
            return "\(emoji(item)) \(label) — \(item.check) on \(item.resource)"
        }
        let firing = message.firing.count
        let lead = firing > 0 ? emoji(severity: message.severity) : ":white_check_mark:"
        return "\(lead) \(firing > 0 ? "\(message.severity)" : "RESOLVED") — \(Grouping.counts(message))"
    }

    static func itemBlocks(_ item: AlertItem, message: AlertMessage) -> [[String: Any]] {
        var blocks: [[String: Any]] = [["type": "divider"]]
        let title =
            item.kind == .resolved
            ? "RESOLVED (was \(item.severity))"
            : "\(item.severity)" + (item.kind == .firing ? "" : ", \(TextRenderer.kindLabel(item.kind))")
        blocks.append(
            section("\(emoji(item)) *\(title)* · *\(escape(item.resource))* · `\(item.check)`\n\(escape(item.message))")
        )
        var fields: [String] = ["*Resource*\n\(escape(item.resource))", "*Check*\n`\(item.check)`"]
        if let expected = item.expected { fields.append("*Expected*\n\(escape(expected))") }
        if let found = item.found { fields.append("*Found*\n\(escape(found))") }
        if item.kind == .resolved {
            if let fired = item.firingSince {
                fields.append(
                    "*Fired*\n\(TextRenderer.timestamp(fired)) (lasted \(TextRenderer.span(from: fired, to: item.since ?? message.createdAt)))"
                )
            }
        } else if let since = item.since {
            fields.append(
                "*Since*\n\(TextRenderer.timestamp(since)) (\(TextRenderer.span(from: since, to: message.createdAt)))")
        }
        if let guide = item.guide { fields.append("*Guide*\n\(escape(guide))") }
        blocks.append(
            ["type": "section", "fields": fields.map { ["type": "mrkdwn", "text": Fitting.clip($0, to: fieldLimit)] }])
        if let flapping = item.flapping, item.kind != .resolved {
            blocks.append(section(":warning: *Flapping:* \(escape(flapping))"))
        }
        if let runbook = item.runbook, item.kind != .resolved {
            blocks.append(section("*Runbook*\n\(escape(runbook))"))
        }
        var context = "key `\(item.idempotencyKey)` · episode \(item.episode)"
        if let resolves = item.resolves { context = "resolves `\(resolves)` · " + context }
        if let n = item.repeatNumber { context += " · notice \(n)" }
        blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": context]]])
        return blocks
    }

    static func section(_ text: String) -> [String: Any] {
        ["type": "section", "text": ["type": "mrkdwn", "text": Fitting.clip(text, to: sectionLimit)]]
    }

    static func emoji(_ item: AlertItem) -> String {
        item.kind == .resolved ? ":white_check_mark:" : emoji(severity: item.severity)
    }

    static func emoji(severity: CheckState) -> String {
        switch severity {
        case .critical: ":red_circle:"
        case .warning: ":large_orange_circle:"
        case .unknown: ":large_purple_circle:"
        case .ok: ":white_check_mark:"
        }
    }

    /// Attachment bar colour: red critical, amber warning, purple unknown, green resolved, blue test.
    public static func color(_ message: AlertMessage) -> String {
        if message.isTest { return "#439FE0" }
        if message.firing.isEmpty { return "#2EB886" }
        switch message.severity {
        case .critical: return "#D0021B"
        case .warning: return "#F5A623"
        case .unknown: return "#9B59B6"
        case .ok: return "#2EB886"
        }
    }

    /// Slack mrkdwn needs &, < and > escaped; everything else is literal.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
