import Foundation
import MnemondModel
import Yams

/// The `report:` section: the weekly recovery report by e-mail (and optionally a summary on the
/// alerting SNS topic). Without it, or without `smtp` and `sns_summary`, nothing is sent;
/// `mnemond report` still renders from the store.
extension Config {
    public struct Report: Sendable, Equatable {
        /// The zone the week and every time in the report are read in (the guide's schedule is
        /// Europe/Rome time).
        public var timeZone: TimeZone = SendSchedule.defaultTimeZone
        /// When the daemon sends it: Monday 08:00 by default, in `timeZone`.
        public var sendAt = SendSchedule.defaultSchedule
        public var from: MailAddress?
        public var to: [MailAddress] = []
        public var smtp: SMTP?
        /// Also publish a short summary to `alerting.channels.sns.topic_arn`.
        public var snsSummary = false

        public struct SMTP: Sendable, Equatable {
            /// `smtp://host:587` (STARTTLS) or `smtps://host:465` (implicit TLS).
            public var url: URL
            /// For `smtp://`: refuse to send unless the server upgrades with STARTTLS.
            public var requireTLS = true
            public var username: String?
            public var password: SecretSource?
        }

        public init() {}

        /// Whether the daemon sends anything on schedule.
        public var sends: Bool { smtp != nil || snsSummary }
    }

    static func parseReport(_ top: YAMLReader.Mapping, reader: YAMLReader) throws(ConfigError) -> Report {
        var report = Report()
        guard let node = top.value("report") else { return report }
        let m = try reader.mapping(
            node, at: "report", allowed: ["time_zone", "send_at", "from", "to", "smtp", "sns_summary"])

        if let zoneNode = m.value("time_zone") {
            let name = try reader.string(zoneNode, at: "report.time_zone")
            guard let zone = TimeZone(identifier: name) else {
                throw reader.error(
                    zoneNode, "report.time_zone \(shown(name)) is not an IANA time zone name (e.g. Europe/Rome, UTC)")
            }
            report.timeZone = zone
        }
        if let sendNode = m.value("send_at") {
            let text = try reader.string(sendNode, at: "report.send_at")
            guard let schedule = SendSchedule.parse(text) else {
                throw reader.error(
                    sendNode,
                    "report.send_at must be a weekday and a 24-hour time like \"Monday 08:00\", found \(shown(text))")
            }
            report.sendAt = schedule
        }
        if let fromNode = m.value("from") {
            let text = try reader.string(fromNode, at: "report.from")
            guard let address = MailAddress.parse(text) else {
                throw reader.error(
                    fromNode,
                    "report.from must be an e-mail address like \"mnemond <mnemond@example.org>\", found \(shown(text))"
                )
            }
            report.from = address
        }
        if let toNode = m.value("to") {
            let items: [Node]
            if case .sequence(let sequence) = toNode { items = Array(sequence) } else { items = [toNode] }
            for (index, item) in items.enumerated() {
                let text = try reader.string(item, at: "report.to[\(index)]")
                guard let address = MailAddress.parse(text) else {
                    throw reader.error(item, "report.to[\(index)] must be an e-mail address, found \(shown(text))")
                }
                report.to.append(address)
            }
        }
        if let smtpNode = m.value("smtp") {
            report.smtp = try parseSMTP(smtpNode, reader: reader)
        }
        report.snsSummary = try m.optionalBool("sns_summary") ?? false

        if report.smtp != nil {
            guard report.from != nil else {
                throw reader.error(node, "report.smtp is set but report.from is missing (the sender address)")
            }
            guard !report.to.isEmpty else {
                throw reader.error(node, "report.smtp is set but report.to lists no recipient")
            }
        } else if let stray = m.keyNode("to") ?? m.keyNode("from") {
            throw reader.error(
                stray,
                "report.\(stray.string ?? "to") is set but report.smtp is missing: the report would never be sent")
        }
        if report.snsSummary {
            // The alerting section is parsed on its own; only the topic's presence matters here.
            if top.value("alerting")?["channels"]?["sns"]?["topic_arn"] == nil {
                throw reader.error(
                    m.keyNode("sns_summary"),
                    "report.sns_summary publishes to alerting.channels.sns.topic_arn, which is not set")
            }
        }
        return report
    }

    static func parseSMTP(_ node: Node, reader: YAMLReader) throws(ConfigError) -> Report.SMTP {
        let s = try reader.mapping(
            node, at: "report.smtp",
            allowed: ["url", "require_tls", "username", "password_file", "password_env", "password"])
        if let inline = s.keyNode("password") {
            // The value is not repeated: it is the secret.
            throw reader.error(
                inline,
                "report.smtp.password: the SMTP password is a secret and is never written in the config — put it in a file (password_file, e.g. a systemd credential) or an environment variable (password_env)"
            )
        }
        let urlNode = try s.required("url")
        let text = try reader.string(urlNode, at: "report.smtp.url")
        guard let url = URL(string: text), let scheme = url.scheme, ["smtp", "smtps"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            throw reader.error(
                urlNode,
                "report.smtp.url must be smtp://host[:port] (STARTTLS) or smtps://host[:port], found \(shown(text))")
        }
        guard url.user == nil, url.password == nil else {
            throw reader.error(urlNode, "report.smtp.url must not carry credentials: use username and password_file")
        }
        var smtp = Report.SMTP(url: url)
        smtp.requireTLS = try s.optionalBool("require_tls") ?? true
        smtp.username = try s.optionalString("username")
        let file = try s.optionalString("password_file")
        let env = try s.optionalString("password_env")
        switch (file, env) {
        case (let file?, nil):
            guard file.hasPrefix("/") || file.hasPrefix("$") else {
                throw reader.error(
                    s.value("password_file"),
                    "report.smtp.password_file must be an absolute path (or start with ${CREDENTIALS_DIRECTORY}), found \(shown(file))"
                )
            }
            smtp.password = .file(path: file)
        case (nil, let env?):
            guard !env.isEmpty, env.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw reader.error(
                    s.value("password_env"),
                    "report.smtp.password_env must name an environment variable (e.g. MNEMOND_SMTP_PASSWORD), found \(shown(env))"
                )
            }
            smtp.password = .environment(name: env)
        case (nil, nil):
            break
        case (.some, .some):
            throw reader.error(s.keyNode("password_env"), "report.smtp: set password_file or password_env, not both")
        }
        if smtp.password != nil, smtp.username == nil {
            throw reader.error(
                s.keyNode("password_file") ?? s.keyNode("password_env"),
                "report.smtp has a password source but no username")
        }
        if smtp.username != nil, smtp.password == nil {
            throw reader.error(s.keyNode("username"), "report.smtp.username needs password_file or password_env")
        }
        return smtp
    }
}
