import Foundation
import MnemondHTTP

/// RDS reads of the DR landing zone (Scenario 3): does a DB subnet group, parameter group or
/// option group of that name exist in the region. Each answers nil when RDS says it does not.
extension RDS {
    /// The subnet group's name, or nil (DBSubnetGroupNotFoundFault).
    public func describeDBSubnetGroup(name: String, region: String) async throws -> String? {
        try await first(
            "DescribeDBSubnetGroups", ("DBSubnetGroupName", name), list: "DBSubnetGroups", member: "DBSubnetGroup",
            notFound: "DBSubnetGroupNotFoundFault", region: region
        )?.string("DBSubnetGroupName")
    }

    /// The parameter group's family (`postgres16`), or nil (DBParameterGroupNotFound).
    public func describeDBParameterGroupFamily(name: String, region: String) async throws -> String?? {
        let group = try await first(
            "DescribeDBParameterGroups", ("DBParameterGroupName", name), list: "DBParameterGroups",
            member: "DBParameterGroup", notFound: "DBParameterGroupNotFound", region: region)
        return group.map { $0.string("DBParameterGroupFamily") }
    }

    /// The family of the parameter group a DB instance uses (`postgres16`), or nil
    /// (DBParameterGroupNotFound). A parameter group's family is fixed when it is created and RDS
    /// refuses to delete a group an instance uses, so the answer is kept as settled
    /// (`SettledAnswers`, a day at most) when it names a family.
    public func attachedParameterGroupFamily(name: String, region: String) async throws -> String?? {
        let op = QueryProtocol.operation(
            .rds, action: "DescribeDBParameterGroups", parameters: [("DBParameterGroupName", name)], resource: name)
        do {
            return try await client.sendSettled(op, region: region, keeps: { ($0 ?? nil) != nil }) { body in
                let result = try QueryProtocol.result(body, action: op.action, operation: op, region: region)
                return result["DBParameterGroups"]?.all("DBParameterGroup").first.map {
                    $0.string("DBParameterGroupFamily")
                }
            }
        } catch let error as AWSError where error.code == "DBParameterGroupNotFound" {
            return nil
        }
    }

    /// The option group's engine and major version (`postgres 16`), or nil (OptionGroupNotFoundFault).
    public func describeOptionGroup(name: String, region: String) async throws -> String?? {
        let group = try await first(
            "DescribeOptionGroups", ("OptionGroupName", name), list: "OptionGroupsList", member: "OptionGroup",
            notFound: "OptionGroupNotFoundFault", region: region)
        return group.map { g in
            [g.string("EngineName"), g.string("MajorEngineVersion")].compactMap { $0 }.joined(separator: " ")
        }
    }

    func first(
        _ action: String, _ filter: (String, String), list: String, member: String, notFound: String, region: String
    ) async throws -> XMLTree? {
        let op = QueryProtocol.operation(.rds, action: action, parameters: [filter], resource: filter.1)
        do {
            let response = try await client.send(op, region: region)
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
            return result[list]?.all(member).first
        } catch let error as AWSError where error.code == notFound {
            return nil
        }
    }
}
