import Foundation
import MnemondModel
import Yams

/// `alerting.channels.alertmanager`: findings posted as alerts to Alertmanager's v2 API.
public struct AlertmanagerChannel: Sendable, Equatable {
    /// The base URL (`http://127.0.0.1:9093`, or with Alertmanager's `--web.route-prefix`);
    /// alerts go to `<url>/api/v2/alerts`. It never holds a credential.
    public var url: URL
    /// The `estate` label of every alert: `estate:` in the section, else the config's `account_id`.
    public var estate: String
    /// While an alert fires it is re-posted this often, with `endsAt` four intervals ahead.
    public var resendInterval: Duration = .seconds(60)
    /// `bearer_token_file` / `bearer_token_env`: sent as `Authorization: Bearer …`.
    public var bearerToken: SecretSource?
    /// `username` with `password_file` / `password_env`: HTTP basic authentication.
    public var username: String?
    public var password: SecretSource?

    public init(url: URL, estate: String) {
        self.url = url
        self.estate = estate
    }
}

extension Config {
    static func parseAlertmanager(_ node: Node, reader: YAMLReader, accountID: String) throws(ConfigError)
        -> AlertmanagerChannel
    {
        let path = "alerting.channels.alertmanager"
        let m = try reader.mapping(
            node, at: path,
            allowed: [
                "url", "estate", "resend_interval", "bearer_token_file", "bearer_token_env", "bearer_token",
                "username", "password_file", "password_env", "password",
            ])
        for key in ["bearer_token", "password"] {
            if let inline = m.keyNode(key) {
                // The value is not repeated: it is the secret.
                throw reader.error(
                    inline,
                    "\(path).\(key): a credential is never written in the config — put it in a file (\(key)_file, e.g. a systemd credential) or an environment variable (\(key)_env)"
                )
            }
        }
        let urlNode = try m.required("url")
        let text = try reader.string(urlNode, at: "\(path).url")
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty
        else {
            throw reader.error(
                urlNode, "\(path).url must be an http(s) URL like http://127.0.0.1:9093, found \(shown(text))")
        }
        guard components.user == nil, components.password == nil else {
            // Not repeated: it holds a password.
            throw reader.error(
                urlNode,
                "\(path).url must not hold a user or password — use username with password_file or password_env")
        }
        guard components.query == nil, components.fragment == nil else {
            throw reader.error(
                urlNode,
                "\(path).url must be Alertmanager's base URL without a query or fragment, found \(shown(text))")
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base) else {
            throw reader.error(urlNode, "\(path).url is not a URL, found \(shown(text))")
        }

        var estate = accountID
        if let estateNode = m.value("estate") {
            estate = try reader.string(estateNode, at: "\(path).estate")
            guard !estate.isEmpty, estate.count <= 128,
                estate.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
            else {
                throw reader.error(
                    estateNode,
                    "\(path).estate must be a label value of 1 to 128 printable characters, found \(shown(estate))")
            }
        }
        var channel = AlertmanagerChannel(url: url, estate: estate)
        channel.resendInterval =
            try duration(m.value("resend_interval"), at: "\(path).resend_interval", range: 10...600, reader: reader)
            ?? channel.resendInterval
        channel.bearerToken = try secret(m, "bearer_token", at: path, reader: reader)
        channel.password = try secret(m, "password", at: path, reader: reader)
        channel.username = try m.optionalString("username")
        if channel.bearerToken != nil, let node = m.keyNode("password_file") ?? m.keyNode("password_env") {
            throw reader.error(node, "\(path): set a bearer token or a username and password, not both")
        }
        if channel.password != nil, channel.username == nil {
            throw reader.error(node, "\(path): a password needs a username")
        }
        if channel.username != nil, channel.password == nil {
            throw reader.error(m.keyNode("username"), "\(path).username needs password_file or password_env")
        }
        if channel.bearerToken != nil || channel.password != nil, scheme == "http", !isLoopback(host) {
            throw reader.error(
                urlNode,
                "\(path).url is plain http:// to \(host): the credential would cross the network unencrypted — use https:// (plain http is accepted only on loopback)"
            )
        }
        return channel
    }

    /// `<key>_file` (an absolute path, or under `${CREDENTIALS_DIRECTORY}`) or `<key>_env`, at most one.
    static func secret(_ m: YAMLReader.Mapping, _ key: String, at path: String, reader: YAMLReader)
        throws(ConfigError) -> SecretSource?
    {
        let file = try m.optionalString("\(key)_file")
        let env = try m.optionalString("\(key)_env")
        switch (file, env) {
        case (let file?, nil):
            guard file.hasPrefix("/") || file.hasPrefix("$") else {
                throw reader.error(
                    m.value("\(key)_file"),
                    "\(path).\(key)_file must be an absolute path (or start with ${CREDENTIALS_DIRECTORY}), found \(shown(file))"
                )
            }
            return .file(path: file)
        case (nil, let env?):
            guard !env.isEmpty, env.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw reader.error(
                    m.value("\(key)_env"),
                    "\(path).\(key)_env must name an environment variable (e.g. MNEMOND_ALERTMANAGER_TOKEN), found \(shown(env))"
                )
            }
            return .environment(name: env)
        case (nil, nil):
            return nil
        case (.some, .some):
            throw reader.error(m.keyNode("\(key)_env"), "\(path): set \(key)_file or \(key)_env, not both")
        }
    }

    /// `localhost`, `127.0.0.0/8` and `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name == "::1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
