import Foundation

/// One cheap read-only call per service, used by `mnemond config validate` and the signature
/// tests to prove that credentials, endpoint and signing work for every service mnemond calls.
public enum ServiceProbe {
    public static func operation(for service: AWSService) -> AWSOperation {
        switch service {
        case .s3: AWSOperation(service: .s3, action: "ListBuckets", method: "GET", path: "/")
        case .sts: QueryProtocol.operation(.sts, action: "GetCallerIdentity")
        case .rds: QueryProtocol.operation(.rds, action: "DescribeDBInstances", parameters: [("MaxRecords", "20")])
        case .sns: QueryProtocol.operation(.sns, action: "ListTopics")
        case .iam: QueryProtocol.operation(.iam, action: "ListRoles", parameters: [("MaxItems", "1")])
        case .cloudwatch:
            QueryProtocol.operation(.cloudwatch, action: "DescribeAlarms", parameters: [("MaxRecords", "1")])
        case .eventbridge: JSONProtocol.operation(.eventbridge, action: "ListRules", input: ["Limit": 1])
        case .backup:
            AWSOperation(service: .backup, action: "ListBackupPlans", method: "GET", path: "/backup/plans/")
        default: preconditionFailure("no probe for \(service.serviceID)")
        }
    }
}
