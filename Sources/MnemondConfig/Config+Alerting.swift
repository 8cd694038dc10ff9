import Foundation
import MnemondModel
import Yams

/// The `alerting:` section: channels, when alerts fire and repeat, flap damping and delivery.
/// Without it (or without channels) nothing is sent; alert states are still kept, so `status`
/// shows what would page.
extension Config {
    public struct Alerting: Sendable, Equatable {
        /// `alerting.channels.sns.topic_arn`; SNS is called in the topic's region.
        public var snsTopicArn: String?
        /// `alerting.channels.slack`: where the webhook URL is read from (never the URL itself).
        public var slack: SecretSource?
        /// `alerting.channels.alertmanager`: Alertmanager's v2 API (see `AlertmanagerChannel`).
        public var alertmanager: AlertmanagerChannel?
        public var rules = AlertRules()
        public var retry = DeliveryPolicy()
        /// How long `mnemond check --once` keeps delivering before it exits; what is left stays
        /// queued in the store for the next run or the daemon.
        public var onceTimeout: Duration = .seconds(30)

        public init() {}

        /// Channel names in delivery order.
        public var channels: [String] {
            (snsTopicArn == nil ? [] : ["sns"]) + (slack == nil ? [] : ["slack"])
                + (alertmanager == nil ? [] : ["alertmanager"])
        }

        /// The rules in force, one line each: `critical: fires after 2 consecutive evaluations,
        /// repeats every 4h`, then per-check overrides and flap damping.
        public var ruleLines: [String] {
            func line(_ name: String, _ rule: SeverityRule) -> String {
                "\(name): fires after \(rule.forRule), repeats every \(DurationText.format(rule.repeatInterval))"
            }
            var lines = [
                line("critical", rules.critical), line("warning", rules.warning), line("unknown", rules.unknown),
            ]
            for (check, o) in rules.overrides.sorted(by: { $0.key < $1.key }) {
                if let r = o.critical { lines.append(line("\(check) critical", r)) }
                if let r = o.warning { lines.append(line("\(check) warning", r)) }
                if let r = o.unknown { lines.append(line("\(check) unknown", r)) }
            }
            lines.append(
                "flapping: held firing after more than \(rules.flap.maxFlips) changes in \(DurationText.format(rules.flap.window))"
            )
            lines.append(
                "delivery: backoff \(DurationText.format(retry.initialBackoff))..\(DurationText.format(retry.maxBackoff)), dead-letter after \(DurationText.format(retry.deadLetterAfter)), check --once waits up to \(DurationText.format(onceTimeout))"
            )
            return lines
        }
    }

    static func parseAlerting(
        _ node: Node?, reader: YAMLReader, references: inout [CheckReference], accountID: String = ""
    ) throws(ConfigError) -> Alerting {
        var alerting = Alerting()
        guard let node else { return alerting }
        let m = try reader.mapping(
            node, at: "alerting", allowed: ["channels", "rules", "checks", "flapping", "delivery"])

        if let channels = m.value("channels") {
            let c = try reader.mapping(channels, at: "alerting.channels", allowed: ["sns", "slack", "alertmanager"])
            if let alertmanager = c.value("alertmanager") {
                alerting.alertmanager = try parseAlertmanager(alertmanager, reader: reader, accountID: accountID)
            }
            if let sns = c.value("sns") {
                let s = try reader.mapping(sns, at: "alerting.channels.sns", allowed: ["topic_arn"])
                let arnNode = try s.required("topic_arn")
                let arn = try reader.string(arnNode, at: "alerting.channels.sns.topic_arn")
                let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 6, parts[0] == "arn", parts[2] == "sns", !parts[3].isEmpty else {
                    throw reader.error(
                        arnNode,
                        "alerting.channels.sns.topic_arn must be a topic ARN like arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts, found \(shown(arn))"
                    )
                }
                try account(of: arn, node: arnNode, at: "alerting.channels.sns.topic_arn", reader: reader)
                alerting.snsTopicArn = arn
            }
            if let slack = c.value("slack") {
                let s = try reader.mapping(
                    slack, at: "alerting.channels.slack",
                    allowed: ["webhook_url_file", "webhook_url_env", "webhook_url"])
                if let inline = s.keyNode("webhook_url") {
                    // The value is not repeated: it is the secret.
                    throw reader.error(
                        inline,
                        "alerting.channels.slack.webhook_url: the webhook URL is a secret and is never written in the config — put it in a file (webhook_url_file, e.g. a systemd credential) or an environment variable (webhook_url_env)"
                    )
                }
                let file = try s.optionalString("webhook_url_file")
                let env = try s.optionalString("webhook_url_env")
                switch (file, env) {
                case (let file?, nil):
                    guard file.hasPrefix("/") || file.hasPrefix("$") else {
                        throw reader.error(
                            s.value("webhook_url_file"),
                            "alerting.channels.slack.webhook_url_file must be an absolute path (or start with ${CREDENTIALS_DIRECTORY}), found \(shown(file))"
                        )
                    }
                    alerting.slack = .file(path: file)
                case (nil, let env?):
                    guard !env.isEmpty, env.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
                    else {
                        throw reader.error(
                            s.value("webhook_url_env"),
                            "alerting.channels.slack.webhook_url_env must name an environment variable (e.g. MNEMOND_SLACK_WEBHOOK), found \(shown(env))"
                        )
                    }
                    alerting.slack = .environment(name: env)
                case (nil, nil):
                    throw reader.error(slack, "alerting.channels.slack needs webhook_url_file or webhook_url_env")
                case (.some, .some):
                    throw reader.error(
                        s.keyNode("webhook_url_env"),
                        "alerting.channels.slack: set webhook_url_file or webhook_url_env, not both")
                }
            }
        }

        if let rules = m.value("rules") {
            let r = try reader.mapping(rules, at: "alerting.rules", allowed: ["critical", "warning", "unknown"])
            alerting.rules.critical =
                try parseSeverityRule(
                    r.value("critical"), at: "alerting.rules.critical", base: alerting.rules.critical, reader: reader)
                ?? alerting.rules.critical
            alerting.rules.warning =
                try parseSeverityRule(
                    r.value("warning"), at: "alerting.rules.warning", base: alerting.rules.warning, reader: reader)
                ?? alerting.rules.warning
            alerting.rules.unknown =
                try parseSeverityRule(
                    r.value("unknown"), at: "alerting.rules.unknown", base: alerting.rules.unknown, reader: reader)
                ?? alerting.rules.unknown
        }

        if let checks = m.value("checks") {
            guard case .mapping(let mapping) = checks else {
                throw reader.error(
                    checks, "alerting.checks must be a mapping of check IDs, found \(reader.describe(checks))")
            }
            for (keyNode, value) in mapping {
                let id = CheckID(keyNode.string ?? "")
                references.append(CheckReference(id, at: "alerting.checks", node: keyNode, reader: reader))
                let path = "alerting.checks.\(id)"
                let o = try reader.mapping(value, at: path, allowed: ["critical", "warning", "unknown"])
                let rules = alerting.rules
                alerting.rules.overrides[id] = AlertRules.Overrides(
                    critical: try parseSeverityRule(
                        o.value("critical"), at: "\(path).critical", base: rules.critical, reader: reader),
                    warning: try parseSeverityRule(
                        o.value("warning"), at: "\(path).warning", base: rules.warning, reader: reader),
                    unknown: try parseSeverityRule(
                        o.value("unknown"), at: "\(path).unknown", base: rules.unknown, reader: reader))
            }
        }

        if let flapping = m.value("flapping") {
            let f = try reader.mapping(flapping, at: "alerting.flapping", allowed: ["max_flips", "window"])
            alerting.rules.flap.maxFlips =
                try f.optionalInt("max_flips", range: 1...1000) ?? alerting.rules.flap.maxFlips
            alerting.rules.flap.window =
                try duration(f.value("window"), at: "alerting.flapping.window", range: 60...604_800, reader: reader)
                ?? alerting.rules.flap.window
        }

        if let delivery = m.value("delivery") {
            let d = try reader.mapping(
                delivery, at: "alerting.delivery",
                allowed: ["initial_backoff", "max_backoff", "dead_letter_after", "once_timeout"])
            alerting.retry.initialBackoff =
                try duration(
                    d.value("initial_backoff"), at: "alerting.delivery.initial_backoff", range: 1...3600, reader: reader
                )
                ?? alerting.retry.initialBackoff
            alerting.retry.maxBackoff =
                try duration(
                    d.value("max_backoff"), at: "alerting.delivery.max_backoff", range: 1...86400, reader: reader)
                ?? alerting.retry.maxBackoff
            alerting.retry.deadLetterAfter =
                try duration(
                    d.value("dead_letter_after"), at: "alerting.delivery.dead_letter_after", range: 60...2_592_000,
                    reader: reader)
                ?? alerting.retry.deadLetterAfter
            alerting.onceTimeout =
                try duration(
                    d.value("once_timeout"), at: "alerting.delivery.once_timeout", range: 0...600, reader: reader)
                ?? alerting.onceTimeout
            if alerting.retry.maxBackoff < alerting.retry.initialBackoff, let node = d.keyNode("max_backoff") {
                throw reader.error(node, "alerting.delivery.max_backoff must not be shorter than initial_backoff")
            }
        }
        return alerting
    }

    /// `{for: 2, repeat: 4h}`: `for` is a number of consecutive evaluations or a duration.
    static func parseSeverityRule(
        _ node: Node?, at path: String, base: SeverityRule, reader: YAMLReader
    ) throws(ConfigError) -> SeverityRule? {
        guard let node else { return nil }
        let m = try reader.mapping(node, at: path, allowed: ["for", "repeat"])
        var rule = base
        if let forNode = m.value("for") {
            let text = try reader.string(forNode, at: "\(path).for")
            if let n = Int(text) {
                guard (1...1000).contains(n) else {
                    throw reader.error(forNode, "\(path).for must be between 1 and 1000 evaluations, found \(n)")
                }
                rule.forRule = .evaluations(n)
            } else if let d = DurationText.parse(text) {
                rule.forRule = .duration(d)
            } else {
                throw reader.error(
                    forNode,
                    "\(path).for must be a number of consecutive evaluations (2) or a duration (30m, 2h), found \(shown(text))"
                )
            }
        }
        rule.repeatInterval =
            try duration(m.value("repeat"), at: "\(path).repeat", range: 60...2_592_000, reader: reader)
            ?? rule.repeatInterval
        return rule
    }

    /// A duration such as `90s`, `30m`, `4h`, `1d`, `1h30m`, within `range` seconds.
    static func duration(
        _ node: Node?, at path: String, range: ClosedRange<Int64>, reader: YAMLReader
    ) throws(ConfigError) -> Duration? {
        guard let node else { return nil }
        let text = try reader.string(node, at: path)
        guard let d = DurationText.parse(text) else {
            throw reader.error(node, "\(path) must be a duration like 30s, 10m, 4h or 1d, found \(shown(text))")
        }
        let seconds = d.components.seconds
        guard range.contains(seconds) else {
            throw reader.error(
                node,
                "\(path) must be between \(DurationText.format(.seconds(range.lowerBound))) and \(DurationText.format(.seconds(range.upperBound))), found \(text)"
            )
        }
        return d
    }
}
