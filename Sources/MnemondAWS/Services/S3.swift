import Foundation
import MnemondHTTP

/// The S3 operations mnemond calls, each in the bucket's own region. Answers are returned as XML
/// trees; the collectors translate the fields the guide's promises need.
public struct S3: Sendable {
    let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    func bucketOperation(_ action: String, bucket: String, subresource: String, iamAction: String? = nil)
        -> AWSOperation
    {
        var op = AWSOperation(
            service: .s3, action: action, method: "GET", path: "/", query: [(name: subresource, value: nil)],
            bucket: bucket, resource: bucket)
        op.iamActionOverride = iamAction
        return op
    }

    /// `<VersioningConfiguration>`; no `Status` child means versioning was never enabled.
    public func getBucketVersioning(bucket: String, region: String) async throws -> XMLTree {
        let op = bucketOperation("GetBucketVersioning", bucket: bucket, subresource: "versioning")
        let response = try await client.send(op, region: region)
        return try AWSDecoding.xml(response.body, operation: op, region: region)
    }

    /// `<LifecycleConfiguration>`, or nil when the bucket has none (NoSuchLifecycleConfiguration).
    public func getBucketLifecycleConfiguration(bucket: String, region: String) async throws -> XMLTree? {
        try await optionalDocument(
            "GetBucketLifecycleConfiguration", bucket: bucket, region: region, subresource: "lifecycle",
            iamAction: "s3:GetLifecycleConfiguration", absentCode: "NoSuchLifecycleConfiguration")
    }

    /// A bucket subresource document, or nil when S3 answers the error code that means "not set":
    /// an outcome, not a failure.
    func optionalDocument(
        _ action: String, bucket: String, region: String, subresource: String, iamAction: String, absentCode: String
    ) async throws -> XMLTree? {
        let op = bucketOperation(action, bucket: bucket, subresource: subresource, iamAction: iamAction)
        do {
            let response = try await client.send(op, region: region)
            return try AWSDecoding.xml(response.body, operation: op, region: region)
        } catch let error as AWSError where error.code == absentCode {
            return nil
        }
    }

    /// The bucket's region; S3 answers an empty constraint for us-east-1. A settled answer
    /// (`SettledAnswers`): a bucket never moves. `keptWhile`: what the kept answer depends on (a
    /// kept answer asked under another condition is not used); nil asks and keeps nothing.
    public func getBucketLocation(bucket: String, region: String, keptWhile: String? = "") async throws -> String {
        let op = bucketOperation("GetBucketLocation", bucket: bucket, subresource: "location")
        return try await client.sendSettled(op, region: region, keptWhile: keptWhile, keeps: Self.isRegionName) {
            body in
            let root = try AWSDecoding.xml(body, operation: op, region: region)
            return root.text.isEmpty ? "us-east-1" : root.text
        }
    }

    /// `eu-west-3`, `us-gov-west-1`, `cn-north-1`: the shape of a region name; only such a
    /// location is kept across runs.
    static func isRegionName(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCII),
            last.allSatisfy(\.isNumber)
        else { return false }
        return parts.dropLast().allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isLowercase }
        }
    }

    /// `<ServerSideEncryptionConfiguration>`, or nil when none is set. Since 2023 AWS answers
    /// SSE-S3 by default; a 404 ServerSideEncryptionConfigurationNotFoundError still means "none".
    public func getBucketEncryption(bucket: String, region: String) async throws -> XMLTree? {
        try await optionalDocument(
            "GetBucketEncryption", bucket: bucket, region: region, subresource: "encryption",
            iamAction: "s3:GetEncryptionConfiguration", absentCode: "ServerSideEncryptionConfigurationNotFoundError")
    }

    /// `<ObjectLockConfiguration>`, or nil when Object Lock is not enabled on the bucket.
    public func getObjectLockConfiguration(bucket: String, region: String) async throws -> XMLTree? {
        try await optionalDocument(
            "GetObjectLockConfiguration", bucket: bucket, region: region, subresource: "object-lock",
            iamAction: "s3:GetBucketObjectLockConfiguration", absentCode: "ObjectLockConfigurationNotFoundError")
    }

    /// `<ReplicationConfiguration>`, or nil when the bucket replicates nowhere.
    public func getBucketReplication(bucket: String, region: String) async throws -> XMLTree? {
        try await optionalDocument(
            "GetBucketReplication", bucket: bucket, region: region, subresource: "replication",
            iamAction: "s3:GetReplicationConfiguration", absentCode: "ReplicationConfigurationNotFoundError")
    }
}
