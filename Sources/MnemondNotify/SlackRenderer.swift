import Foundation
import MnemondModel

/// Slack incoming-webhook payloads in Block Kit. The severity colour is the attachment bar around
/// the blocks (Block Kit alone has no colour); `text` is the notification fallback.
public enum SlackRenderer {
    /// Slack accepts 50 blocks per message; each alert takes up to five.
    static let maxItems = 8

    public static func payload(_ message: AlertMessage) -> Data {
        var blocks: [[String: Any]] = []
        let subject = TextRenderer.subject(message)
        blocks.append(
            [
                "type": "header",
                "text": ["type": "plain_text", "text": String(headerText(message).prefix(150)), "emoji": true],
            ])
        if message.isTest {
            blocks.append(
                section(
                    "*This is a test of mnemond's alert delivery. No action is needed.*\n"
                        + message.items.map { escape($0.message) }.joined(separator: "\n")))
        }
        for item in message.items.prefix(message.isTest ? 0 : maxItems) {
            blocks += itemBlocks(item, message: message)
        }
        if !message.isTest, message.items.count > maxItems {
            blocks.append(section("…and \(message.items.count - maxItems) more (see `mnemond status`)."))
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
        if message.items.count == 1, let item = message.items.first {
            let label =
                item.kind == .resolved
                ? "RESOLVED"
                : "\(item.severity)" + (item.kind == .firing ? "" : " (\(TextRenderer.kindLabel(item.kind)))")
            return "\(emoji(item)) \(label) — \(item.check) on \(item.resource)"
        }
        let firing = message.firing.count
        let resolved = message.resolved.count
        var parts: [String] = []
        if firing > 0 { parts.append("\(firing) firing") }
        if resolved > 0 { parts.append("\(resolved) resolved") }
        let lead = firing > 0 ? emoji(severity: message.severity) : ":white_check_mark:"
        return "\(lead) \(firing > 0 ? "\(message.severity)" : "RESOLVED") — \(parts.joined(separator: ", "))"
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
        blocks.append(["type": "section", "fields": fields.map { ["type": "mrkdwn", "text": $0] }])
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
        ["type": "section", "text": ["type": "mrkdwn", "text": String(text.prefix(3000))]]
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
