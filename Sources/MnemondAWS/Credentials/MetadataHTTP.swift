import Foundation
import MnemondHTTP

/// GETs and PUTs to the link-local credential endpoints (container, EC2 instance metadata):
/// a few attempts on transport errors and 5xx, nothing else.
enum MetadataHTTP {
    enum Outcome: Sendable {
        case response(HTTPResponse)
        /// No HTTP answer at all (refused, timed out): on a laptop this means "not on AWS".
        case unreachable(String)
    }

    static func send(_ http: HTTPClient, _ request: HTTPRequest, attempts: Int) async -> Outcome {
        var outcome = Outcome.unreachable("no attempt made")
        for _ in 0..<max(1, attempts) {
            if Task.isCancelled { break }
            do {
                let response = try await http.send(request)
                outcome = .response(response)
                if response.status < 500 { break }
            } catch {
                outcome = .unreachable("\(error)")
            }
        }
        return outcome
    }

    /// "http://169.254.170.2:80" — the scheme, host and port only: an ECS relative URI's path
    /// is a per-task credential capability, not something to print.
    static func origin(of url: URL) -> String {
        var origin = "\(url.scheme ?? "http")://\(url.host ?? "?")"
        if let port = url.port { origin += ":\(port)" }
        return origin
    }

    /// ": Code: message" from an error body in either capitalisation, cut to 200 characters;
    /// empty when the body says nothing readable.
    static func serverMessage(_ body: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return "" }
        let code = (object["Code"] ?? object["code"]) as? String
        let message = (object["Message"] ?? object["message"]) as? String
        let text = [code, message].compactMap { $0 }.joined(separator: ": ")
        guard !text.isEmpty else { return "" }
        return ": " + (text.count > 200 ? text.prefix(200) + "…" : text)
    }
}
