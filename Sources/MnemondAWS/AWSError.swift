import Foundation
import MnemondHTTP

/// Every failure of an AWS call, typed: which service and action, where, and what AWS (or the
/// network) answered. Its description is the line an operator reads:
/// `s3:GetBucketLifecycleConfiguration on mne-vault-replica (eu-north-1): AccessDenied — Access Denied (HTTP 403, request 4F2A…)`.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// AWS answered with an error document.
        case service
        /// The request never got an answer (timeout, connection refused, TLS).
        case transport
        /// AWS answered 2xx but the body could not be read.
        case decoding
        /// No usable credentials.
        case credentials
    }

    public var kind: Kind
    /// IAM-style service prefix (`s3`, `rds`, `backup`).
    public var service: String
    public var action: String
    public var region: String
    public var resource: String?
    public var status: Int?
    /// AWS's error code (`AccessDenied`), or for transport failures a class (`Timeout`, `ConnectionFailed`).
    public var code: String
    public var message: String
    public var requestID: String?
    /// The server's `Date` header, used to correct clock skew.
    public var serverDate: Date?

    public init(
        kind: Kind, service: String, action: String, region: String, resource: String? = nil, status: Int? = nil,
        code: String, message: String, requestID: String? = nil
    ) {
        self.kind = kind
        self.service = service
        self.action = action
        self.region = region
        self.resource = resource
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    /// `s3:GetBucketVersioning`
    public var qualifiedAction: String { "\(service):\(action)" }

    public var description: String {
        var text = qualifiedAction
        if let resource { text += " on \(resource)" }
        text += " (\(region)): \(code)"
        if !message.isEmpty { text += " — \(message)" }
        var extra: [String] = []
        if let status { extra.append("HTTP \(status)") }
        if let requestID, !requestID.isEmpty { extra.append("request \(requestID)") }
        if !extra.isEmpty { text += " (\(extra.joined(separator: ", ")))" }
        return text
    }
}

extension AWSError {
    static func transport(_ error: HTTPError, operation: AWSOperation, region: String) -> AWSError {
        let code: String
        switch error.kind {
        case .timeout: code = "Timeout"
        case .connect: code = "ConnectionFailed"
        case .resolve: code = "HostNotFound"
        case .tls: code = "TLSError"
        case .sendRecv: code = "ConnectionReset"
        case .other: code = "TransportError"
        }
        return AWSError(
            kind: .transport, service: operation.service.iamPrefix, action: operation.action, region: region,
            resource: operation.resource, code: code, message: error.description)
    }

    /// Reads an error answer in any of the four protocols' shapes: XML `<Error><Code>` (S3, query
    /// services, also wrapped in `<ErrorResponse>`), JSON `__type`/`code` + `message`, and the
    /// `x-amzn-ErrorType` header of rest-json services.
    static func parse(response: HTTPResponse, operation: AWSOperation, region: String) -> AWSError {
        var code: String?
        var message = ""
        var requestID =
            response.header("x-amz-request-id") ?? response.header("x-amzn-RequestId")
            ?? response.header("x-amzn-requestid")
        let body = response.body
        if let first = body.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) {
            if first == UInt8(ascii: "<"), let root = try? XMLTree.parse(body) {
                let error = root.name == "Error" ? root : root.first("Error")
                code = error?.string("Code")
                message = error?.string("Message") ?? ""
                requestID = requestID ?? root.string("RequestId") ?? root.first("RequestId")?.text
            } else if first == UInt8(ascii: "{"),
                let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            {
                code = (object["__type"] as? String) ?? (object["code"] as? String) ?? (object["Code"] as? String)
                message = (object["message"] as? String) ?? (object["Message"] as? String) ?? ""
            }
        }
        if let header = response.header("x-amzn-ErrorType") { code = code ?? header }
        // "aws.protocoltests#FooError" and "FooError:http://internal..." both name FooError.
        if var c = code {
            if let hash = c.lastIndex(of: "#") { c = String(c[c.index(after: hash)...]) }
            if let colon = c.firstIndex(of: ":") { c = String(c[..<colon]) }
            code = c
        }
        let fallback: String
        switch response.status {
        case 301: fallback = "PermanentRedirect"
        case 400: fallback = "BadRequest"
        case 403: fallback = "AccessDenied"
        case 404: fallback = "NotFound"
        case 429: fallback = "TooManyRequests"
        case 500...599: fallback = "InternalError"
        default: fallback = "HTTP\(response.status)"
        }
        return AWSError(
            kind: .service, service: operation.service.iamPrefix, action: operation.action, region: region,
            resource: operation.resource, status: response.status, code: code ?? fallback, message: message,
            requestID: requestID)
    }
}
