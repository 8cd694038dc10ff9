import Foundation
import MnemondHTTP
import MnemondSigV4

/// STS: who the credentials belong to, and role assumption for the credential chain.
public struct STS: Sendable {
    let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    public struct CallerIdentity: Sendable, Equatable {
        public var account: String
        public var arn: String
        public var userID: String
    }

    public func getCallerIdentity(region: String) async throws -> CallerIdentity {
        let op = QueryProtocol.operation(.sts, action: "GetCallerIdentity")
        let response = try await client.send(op, region: region)
        let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
        guard let account = result.string("Account") else {
            throw AWSDecoding.missing("Account", operation: op, region: region)
        }
        return CallerIdentity(account: account, arn: result.string("Arn") ?? "", userID: result.string("UserId") ?? "")
    }
}

extension STSCalls {
    /// STS calls for the credential chain. AssumeRole is signed with the source credentials;
    /// AssumeRoleWithWebIdentity is unsigned (the token is the proof), so it goes straight over HTTP.
    public static func live(
        http: HTTPClient, endpoints: EndpointResolver, now: @escaping @Sendable () -> Date = Date.init
    ) -> STSCalls {
        STSCalls(
            assumeRole: { roleARN, sessionName, externalID, source, region in
                let client = AWSClient(
                    credentials: StaticCredentialProvider(source), http: http, endpoints: endpoints, now: now)
                var parameters = [("RoleArn", roleARN), ("RoleSessionName", sessionName)]
                if let externalID { parameters.append(("ExternalId", externalID)) }
                let op = QueryProtocol.operation(.sts, action: "AssumeRole", parameters: parameters, resource: roleARN)
                let response = try await client.send(op, region: region)
                let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
                return try parseCredentials(result, source: "assume role \(roleARN)", op: op, region: region)
            },
            assumeRoleWithWebIdentity: { roleARN, sessionName, token, region in
                let op = QueryProtocol.operation(
                    .sts, action: "AssumeRoleWithWebIdentity",
                    parameters: [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", token)],
                    resource: roleARN)
                let endpoint = endpoints.resolve(.sts, region: region)
                let request = HTTPRequest(
                    method: op.method, url: endpoint.url, headers: op.headers, body: op.body)
                let response: HTTPResponse
                do {
                    response = try await http.send(request)
                } catch let error as HTTPError {
                    throw AWSError.transport(error, operation: op, region: region)
                }
                guard (200..<300).contains(response.status) else {
                    throw AWSError.parse(response: response, operation: op, region: region)
                }
                let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
                return try parseCredentials(result, source: "web identity \(roleARN)", op: op, region: region)
            })
    }

    static func parseCredentials(_ result: XMLTree, source: String, op: AWSOperation, region: String) throws
        -> AWSCredentials
    {
        guard let id = result.string("Credentials", "AccessKeyId"),
            let secret = result.string("Credentials", "SecretAccessKey")
        else { throw AWSDecoding.missing("Credentials", operation: op, region: region) }
        let expiration = result.string("Credentials", "Expiration").flatMap(ISO8601.parse)
        return AWSCredentials(
            signing: SigV4Credentials(
                accessKeyID: id, secretAccessKey: secret, sessionToken: result.string("Credentials", "SessionToken")),
            expiration: expiration, source: source)
    }
}
