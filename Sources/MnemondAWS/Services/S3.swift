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
        let op = bucketOperation(
            "GetBucketLifecycleConfiguration", bucket: bucket, subresource: "lifecycle",
            iamAction: "s3:GetLifecycleConfiguration")
        do {
            let response = try await client.send(op, region: region)
            return try AWSDecoding.xml(response.body, operation: op, region: region)
        } catch let error as AWSError where error.code == "NoSuchLifecycleConfiguration" {
            return nil
        }
    }

    /// The bucket's region; S3 answers an empty constraint for us-east-1.
    public func getBucketLocation(bucket: String, region: String) async throws -> String {
        let op = bucketOperation("GetBucketLocation", bucket: bucket, subresource: "location")
        let response = try await client.send(op, region: region)
        let root = try AWSDecoding.xml(response.body, operation: op, region: region)
        return root.text.isEmpty ? "us-east-1" : root.text
    }

    /// `<ServerSideEncryptionConfiguration>`, or nil when none is set. Since 2023 AWS answers
    /// SSE-S3 by default; a 404 ServerSideEncryptionConfigurationNotFoundError still means "none".
    public func getBucketEncryption(bucket: String, region: String) async throws -> XMLTree? {
        let op = bucketOperation(
            "GetBucketEncryption", bucket: bucket, subresource: "encryption", iamAction: "s3:GetEncryptionConfiguration")
        do {
            let response = try await client.send(op, region: region)
            return try AWSDecoding.xml(response.body, operation: op, region: region)
        } catch let error as AWSError where error.code == "ServerSideEncryptionConfigurationNotFoundError" {
            return nil
        }
    }

    /// `<ObjectLockConfiguration>`, or nil when Object Lock is not enabled on the bucket.
    public func getObjectLockConfiguration(bucket: String, region: String) async throws -> XMLTree? {
        let op = bucketOperation(
            "GetObjectLockConfiguration", bucket: bucket, subresource: "object-lock",
            iamAction: "s3:GetBucketObjectLockConfiguration")
        do {
            let response = try await client.send(op, region: region)
            return try AWSDecoding.xml(response.body, operation: op, region: region)
        } catch let error as AWSError where error.code == "ObjectLockConfigurationNotFoundError" {
            return nil
        }
    }

    /// `<ReplicationConfiguration>`, or nil when the bucket replicates nowhere.
    public func getBucketReplication(bucket: String, region: String) async throws -> XMLTree? {
        let op = bucketOperation(
            "GetBucketReplication", bucket: bucket, subresource: "replication",
            iamAction: "s3:GetReplicationConfiguration")
        do {
            let response = try await client.send(op, region: region)
            return try AWSDecoding.xml(response.body, operation: op, region: region)
        } catch let error as AWSError where error.code == "ReplicationConfigurationNotFoundError" {
            return nil
        }
    }
}
