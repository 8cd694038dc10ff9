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
}
