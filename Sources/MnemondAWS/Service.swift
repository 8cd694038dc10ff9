import Foundation

/// How a service's requests are encoded on the wire.
public enum WireProtocol: Sendable, Equatable {
    /// Form-encoded POST with `Action` and `Version`, XML answers (STS, RDS, SNS, IAM, CloudWatch).
    case query(version: String)
    /// POST of a JSON document, action in `X-Amz-Target` (EventBridge).
    case json(version: String, targetPrefix: String)
    /// REST paths and query parameters, XML answers (S3).
    case restXML
    /// REST paths and query parameters, JSON answers (AWS Backup).
    case restJSON
}

/// The facts about one AWS service that signing, endpoint resolution and error messages need.
public struct AWSService: Sendable, Hashable {
    /// The SigV4 signing name (`monitoring` for CloudWatch).
    public let signingName: String
    /// The IAM action prefix used in policies and messages (`cloudwatch`).
    public let iamPrefix: String
    /// First label of the regional hostname (`monitoring.eu-west-1.amazonaws.com`).
    public let endpointPrefix: String
    /// The SDK service ID; `AWS_ENDPOINT_URL_<ID>` overrides its endpoint (spaces become underscores).
    public let serviceID: String
    /// Global services have one endpoint and sign for us-east-1 (IAM).
    public let isGlobal: Bool
    public let wire: WireProtocol

    public static func == (lhs: AWSService, rhs: AWSService) -> Bool { lhs.iamPrefix == rhs.iamPrefix }
    public func hash(into hasher: inout Hasher) { hasher.combine(iamPrefix) }

    public static let s3 = AWSService(
        signingName: "s3", iamPrefix: "s3", endpointPrefix: "s3", serviceID: "S3", isGlobal: false, wire: .restXML)
    public static let sts = AWSService(
        signingName: "sts", iamPrefix: "sts", endpointPrefix: "sts", serviceID: "STS", isGlobal: false,
        wire: .query(version: "2011-06-15"))
    public static let rds = AWSService(
        signingName: "rds", iamPrefix: "rds", endpointPrefix: "rds", serviceID: "RDS", isGlobal: false,
        wire: .query(version: "2014-10-31"))
    public static let sns = AWSService(
        signingName: "sns", iamPrefix: "sns", endpointPrefix: "sns", serviceID: "SNS", isGlobal: false,
        wire: .query(version: "2010-03-31"))
    public static let iam = AWSService(
        signingName: "iam", iamPrefix: "iam", endpointPrefix: "iam", serviceID: "IAM", isGlobal: true,
        wire: .query(version: "2010-05-08"))
    /// CloudWatch also speaks awsJson1_0; the query protocol keeps all XML services on one path.
    public static let cloudwatch = AWSService(
        signingName: "monitoring", iamPrefix: "cloudwatch", endpointPrefix: "monitoring", serviceID: "CloudWatch",
        isGlobal: false, wire: .query(version: "2010-08-01"))
    public static let eventbridge = AWSService(
        signingName: "events", iamPrefix: "events", endpointPrefix: "events", serviceID: "EventBridge",
        isGlobal: false, wire: .json(version: "1.1", targetPrefix: "AWSEvents"))
    public static let backup = AWSService(
        signingName: "backup", iamPrefix: "backup", endpointPrefix: "backup", serviceID: "Backup", isGlobal: false,
        wire: .restJSON)

    /// The IAM Identity Center portal (GetRoleCredentials): not signed, a bearer token instead.
    public static let sso = AWSService(
        signingName: "awsssoportal", iamPrefix: "sso", endpointPrefix: "portal.sso", serviceID: "SSO", isGlobal: false,
        wire: .restJSON)

    public static let all: [AWSService] = [.s3, .sts, .rds, .sns, .iam, .cloudwatch, .eventbridge, .backup]
}

/// One API call, protocol-encoded but not yet addressed, signed or sent.
public struct AWSOperation: Sendable {
    public var service: AWSService
    public var action: String
    public var method: String
    /// Path below the endpoint, already percent-encoded for the wire, starting with `/`. For S3
    /// this is the object key part only (`/` for bucket operations); the bucket goes in `bucket`.
    public var path: String
    /// Decoded query parameters; a nil value is a bare key (`?lifecycle`).
    public var query: [(name: String, value: String?)]
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// S3 bucket, addressed virtual-host or path style by the endpoint resolver.
    public var bucket: String?
    /// What the call is about, for error messages (`mne-vault-replica`).
    public var resource: String?
    /// The IAM action that authorises the call, when it differs from `prefix:Action`
    /// (S3's GetBucketLifecycleConfiguration is authorised by s3:GetLifecycleConfiguration).
    public var iamActionOverride: String?

    /// The IAM action a policy must allow for this call.
    public var iamAction: String { iamActionOverride ?? "\(service.iamPrefix):\(action)" }

    public init(
        service: AWSService, action: String, method: String = "GET", path: String = "/",
        query: [(name: String, value: String?)] = [], headers: [(name: String, value: String)] = [],
        body: Data = Data(), bucket: String? = nil, resource: String? = nil
    ) {
        self.service = service
        self.action = action
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.bucket = bucket
        self.resource = resource
    }
}
