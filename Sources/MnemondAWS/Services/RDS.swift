import Foundation
import MnemondHTTP

/// RDS: the instance's backup settings and PITR position.
public struct RDS: Sendable {
    let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    /// The `<DBInstance>` element of one instance.
    public func describeDBInstance(identifier: String, region: String) async throws -> XMLTree {
        let op = QueryProtocol.operation(
            .rds, action: "DescribeDBInstances", parameters: [("DBInstanceIdentifier", identifier)],
            resource: identifier)
        let response = try await client.send(op, region: region)
        let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
        guard let instance = result["DBInstances"]?.all("DBInstance").first else {
            throw AWSDecoding.missing("DBInstances.DBInstance", operation: op, region: region)
        }
        return instance
    }
}
