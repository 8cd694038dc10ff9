import Foundation
import MnemondHTTP

/// One message as Tests/Peers/smtp_sink.py accepted it.
public struct ReceivedMail: Sendable, Decodable {
    /// Envelope sender (MAIL FROM).
    public var mailFrom: String
    /// Envelope recipients (RCPT TO), in order.
    public var recipients: [String]
    /// The DATA bytes exactly as received.
    public var data: Data
    /// The session had been upgraded with STARTTLS.
    public var tls: Bool
    public var authenticated: Bool
    /// The AUTH user name, if any.
    public var login: String?

    public var text: String { String(decoding: data, as: UTF8.self) }

    private enum CodingKeys: String, CodingKey {
        case mailFrom = "mail_from"
        case recipients = "rcpt_tos"
        case dataBase64 = "data_base64"
        case tls, authenticated, login
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mailFrom = try container.decode(String.self, forKey: .mailFrom)
        recipients = try container.decode([String].self, forKey: .recipients)
        data = Data(base64Encoded: try container.decode(String.self, forKey: .dataBase64)) ?? Data()
        tls = try container.decode(Bool.self, forKey: .tls)
        authenticated = try container.decode(Bool.self, forKey: .authenticated)
        login = try container.decodeIfPresent(String.self, forKey: .login)
    }
}

/// Tests/Peers/smtp_sink.py: an aiosmtpd server on loopback that keeps what it receives.
public final class SMTPSink: Sendable {
    /// `smtp://127.0.0.1:PORT`.
    public let smtpURL: URL
    /// The sink's HTTP control endpoint.
    public let controlURL: URL
    /// With `starttls`: the self-signed certificate, to be used as CA bundle.
    public let caFile: String?
    public let peer: PeerProcess
    private let control: HTTPClient

    private init(peer: PeerProcess) throws {
        self.peer = peer
        guard let smtp = URL(string: try peer.readyField("smtp")),
            let control = URL(string: try peer.readyField("control"))
        else { throw PeerError("smtp_sink.py: bad ready line \(peer.readyLine)") }
        smtpURL = smtp
        controlURL = control
        caFile = peer.ready["cafile"]
        self.control = HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 1))
    }

    /// Starts a sink. `auth` makes AUTH (PLAIN/LOGIN, allowed without TLS) mandatory;
    /// `starttls` offers STARTTLS with a fresh self-signed certificate.
    public static func start(auth: (user: String, password: String)? = nil, starttls: Bool = false) async throws
        -> SMTPSink
    {
        var arguments: [String] = []
        if let auth { arguments += ["--auth", "\(auth.user):\(auth.password)"] }
        if starttls { arguments.append("--starttls") }
        let peer = try await PeerProcess.start(peer: "smtp_sink.py", arguments: arguments)
        do {
            return try SMTPSink(peer: peer)
        } catch {
            await peer.stop()
            throw error
        }
    }

    /// Runs `body` with a fresh sink and stops it afterwards, whether `body` throws or not.
    public static func with<T>(
        auth: (user: String, password: String)? = nil, starttls: Bool = false, _ body: (SMTPSink) async throws -> T
    ) async throws -> T {
        let sink = try await start(auth: auth, starttls: starttls)
        do {
            let result = try await body(sink)
            await sink.stop()
            return result
        } catch {
            await sink.stop()
            throw error
        }
    }

    /// Every message accepted so far, in order. A message is stored before the sink answers
    /// 250 to DATA, so it is here as soon as `sendMail` returned.
    public func messages() async throws -> [ReceivedMail] {
        let response = try await control.send(HTTPRequest(url: controlURL.appendingPathComponent("messages")))
        guard response.status == 200 else { throw PeerError("smtp_sink.py: GET /messages answered \(response.status)") }
        return try JSONDecoder().decode([ReceivedMail].self, from: response.body)
    }

    public func reset() async throws {
        _ = try await control.send(HTTPRequest(method: "POST", url: controlURL.appendingPathComponent("reset")))
    }

    public func stop() async {
        await control.shutdown()
        await peer.stop()
    }
}
