import Foundation

/// The query protocol (STS, RDS, SNS, IAM, CloudWatch): a form-encoded POST carrying `Action`,
/// `Version` and flattened parameters; the answer is `<ActionResponse><ActionResult>`.
public enum QueryProtocol {
    public static func operation(
        _ service: AWSService, action: String, parameters: [(String, String)] = [], resource: String? = nil
    ) -> AWSOperation {
        guard case .query(let version) = service.wire else {
            preconditionFailure("\(service.serviceID) does not speak the query protocol")
        }
        let fields = [("Action", action), ("Version", version)] + parameters
        let body = fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        return AWSOperation(
            service: service, action: action, method: "POST", path: "/",
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")],
            body: Data(body.utf8), resource: resource)
    }

    /// Flattens a list the way the query protocol encodes it: `Prefix.member.1=…`.
    public static func list(_ prefix: String, _ values: [String]) -> [(String, String)] {
        values.enumerated().map { ("\(prefix).member.\($0.offset + 1)", $0.element) }
    }

    /// The `<ActionResult>` element of an answer.
    public static func result(_ data: Data, action: String, operation: AWSOperation, region: String) throws
        -> XMLTree
    {
        let root = try AWSDecoding.xml(data, operation: operation, region: region)
        guard let result = root["\(action)Result"] else {
            // Some actions (e.g. those returning nothing) have no Result element.
            return XMLTree(name: "\(action)Result")
        }
        return result
    }
}

/// awsJson 1.0/1.1 (EventBridge): POST `/` with `X-Amz-Target: Prefix.Action`.
public enum JSONProtocol {
    public static func operation(
        _ service: AWSService, action: String, input: [String: any Sendable], resource: String? = nil
    ) -> AWSOperation {
        guard case .json(let version, let prefix) = service.wire else {
            preconditionFailure("\(service.serviceID) does not speak awsJson")
        }
        let body = (try? JSONSerialization.data(withJSONObject: input, options: [.sortedKeys])) ?? Data("{}".utf8)
        return AWSOperation(
            service: service, action: action, method: "POST", path: "/",
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-\(version)"),
                (name: "X-Amz-Target", value: "\(prefix).\(action)"),
            ],
            body: body, resource: resource)
    }
}

/// Shared decoding with errors that name the action.
public enum AWSDecoding {
    public static func xml(_ data: Data, operation: AWSOperation, region: String) throws -> XMLTree {
        do {
            return try XMLTree.parse(data)
        } catch {
            throw AWSError(
                kind: .decoding, service: operation.service.iamPrefix, action: operation.action, region: region,
                resource: operation.resource, code: "InvalidResponse", message: error.description)
        }
    }

    public static func json(_ data: Data, operation: AWSOperation, region: String) throws -> [String: Any] {
        if data.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw AWSError(
                kind: .decoding, service: operation.service.iamPrefix, action: operation.action, region: region,
                resource: operation.resource, code: "InvalidResponse",
                message: "answer is not a JSON object (\(data.count) bytes)")
        }
        return dict
    }

    /// A field that is present but cannot be read as what it must be. The value is quoted, cut to
    /// 64 characters: an answer is not a place for a secret, but neither is a log for megabytes.
    public static func invalid(_ field: String, _ value: String, operation: AWSOperation, region: String) -> AWSError {
        let shown = value.count > 64 ? String(value.prefix(64)) + "…" : value
        return AWSError(
            kind: .decoding, service: operation.service.iamPrefix, action: operation.action, region: region,
            resource: operation.resource, code: "InvalidResponse", message: "\(field) is not valid: \"\(shown)\"")
    }

    public static func missing(_ field: String, operation: AWSOperation, region: String) -> AWSError {
        AWSError(
            kind: .decoding, service: operation.service.iamPrefix, action: operation.action, region: region,
            resource: operation.resource, code: "InvalidResponse", message: "answer lacks \(field)")
    }
}
