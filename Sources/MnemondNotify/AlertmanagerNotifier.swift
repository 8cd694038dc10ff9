import Foundation
import Logging
import MnemondHTTP
import MnemondModel
import MnemondStore

/// How mnemond authenticates to Alertmanager (or the proxy in front of it). The secret is read
/// at each post — a rotated systemd credential is picked up — and never logged or stored.
public enum AlertmanagerAuth: Sendable, Equatable {
    case bearer(SecretSource)
    case basic(username: String, password: SecretSource)

    /// The `Authorization` header value, or an error naming the source (never the value).
    func header(channel: String) throws(DeliveryError) -> Secret<String> {
        do throws(SecretSourceError) {
            switch self {
            case .bearer(let source):
                let token = try source.resolve(fileKey: "bearer_token_file", environmentKey: "bearer_token_env")
                    .revealed().trimmingCharacters(in: .whitespacesAndNewlines)
                guard !token.isEmpty else {
                    throw SecretSourceError(
                        message:
                            "\(source.describe(fileKey: "bearer_token_file", environmentKey: "bearer_token_env")) is empty"
                    )
                }
                return Secret("Bearer " + token)
            case .basic(let username, let source):
                let password = try source.resolve(fileKey: "password_file", environmentKey: "password_env").revealed()
                return Secret("Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
            }
        } catch {
            throw DeliveryError(channel: channel, message: error.message)
        }
    }
}

/// Posts alerts to Alertmanager's v2 API. Transitions (firing, repeat, escalation, resolve) come
/// from the outbox like every channel's; `refresh` re-posts what is still firing, which the
/// daemon does every `resendInterval` (`runRefresh`) so Alertmanager does not end the alerts
/// itself. A 2xx is delivered; any other status, or no answer, is a delivery error naming the
/// channel and the status, retried from the outbox.
public struct AlertmanagerNotifier: Notifier {
    public let channel = "alertmanager"
    /// The base URL; alerts go to `<url>/api/v2/alerts`.
    public let url: URL
    public let estate: String
    public let auth: AlertmanagerAuth?
    public let resendInterval: Duration
    let now: @Sendable () -> Date
    let post: @Sendable (HTTPRequest) async throws -> HTTPResponse

    public init(
        url: URL, estate: String, auth: AlertmanagerAuth? = nil, resendInterval: Duration = .seconds(60),
        now: @escaping @Sendable () -> Date = Date.init,
        post: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) {
        self.url = url
        self.estate = estate
        self.auth = auth
        self.resendInterval = resendInterval
        self.now = now
        self.post = post
    }

    /// How long a posted firing alert lasts without a re-post: four resend intervals.
    public var hold: Duration { resendInterval * 4 }

    /// How long a resolve is re-posted after the finding cleared (see `AlertmanagerRenderer`).
    public static let resolvedWithin: Duration = .seconds(3600)

    public var endpoint: URL { url.appendingPathComponent("api/v2/alerts") }

    /// `host:port`, for messages: never a path or a credential.
    public var host: String { (url.host ?? "?") + (url.port.map { ":\($0)" } ?? "") }

    public var target: String { "Alertmanager at \(host) (estate \(estate))" }

    public func deliver(_ payload: OutboxPayload) async throws(DeliveryError) {
        guard case .alert(let message) = payload else { throw cannotCarry(payload) }
        try await send(AlertmanagerRenderer.alerts(message, estate: estate, now: now(), hold: hold))
    }

    /// Re-posts the firing alerts (and recent resolves) of `records`; returns how many were posted.
    @discardableResult
    public func refresh(_ records: [AlertRecord]) async throws(DeliveryError) -> Int {
        let alerts = AlertmanagerRenderer.alerts(
            records: records, estate: estate, now: now(), hold: hold, resolvedWithin: Self.resolvedWithin)
        guard !alerts.isEmpty else { return 0 }
        try await send(alerts)
        return alerts.count
    }

    /// One POST of `alerts`.
    public func send(_ alerts: [AlertmanagerRenderer.Alert]) async throws(DeliveryError) {
        var headers = [(name: "Content-Type", value: "application/json")]
        let secret = try auth?.header(channel: channel)
        if let secret { headers.append((name: "Authorization", value: secret.revealed())) }
        let request = HTTPRequest(
            method: "POST", url: endpoint, headers: headers, body: AlertmanagerRenderer.body(alerts))
        let response = try await send(request, with: post)
        if (200..<300).contains(response.status) { return }
        var answer = String(decoding: response.body.prefix(300), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let secret {
            answer = answer.replacingOccurrences(of: secret.revealed(), with: "***")
            if let value = secret.revealed().split(separator: " ").last {
                answer = answer.replacingOccurrences(of: String(value), with: "***")
            }
        }
        throw DeliveryError(
            channel: channel,
            message: "HTTP \(response.status) from \(host)" + (answer.isEmpty ? "" : ": \(answer)"))
    }

    /// The daemon's re-post loop: every `resendInterval`, the store's firing alerts are posted
    /// again. A failure is logged and tried at the next interval (the transitions themselves wait
    /// in the outbox). Ends when the task is cancelled.
    public func runRefresh(
        store: Store, logger: Logger = Logger(label: "mnemond.notify"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async {
        var failing = false
        while !Task.isCancelled {
            do {
                let records = try await store.alertRecords()
                let posted = try await refresh(records)
                if failing { logger.notice("alertmanager re-post works again", metadata: ["alerts": "\(posted)"]) }
                failing = false
            } catch {
                if !failing { logger.warning("alertmanager re-post failed", metadata: ["error": "\(error)"]) }
                failing = true
            }
            do { try await sleep(resendInterval) } catch { break }
        }
    }
}

extension Notifier where Self == AlertmanagerNotifier {
    public static func alertmanager(
        url: URL, estate: String, auth: AlertmanagerAuth?, resendInterval: Duration, http: HTTPClient,
        now: @escaping @Sendable () -> Date = Date.init
    ) -> AlertmanagerNotifier {
        AlertmanagerNotifier(
            url: url, estate: estate, auth: auth, resendInterval: resendInterval, now: now,
            post: { try await http.send($0) })
    }
}
