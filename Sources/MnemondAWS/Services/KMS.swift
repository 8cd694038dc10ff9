import Foundation
import MnemondHTTP

extension AWSService {
    /// KMS speaks awsJson 1.1 (`X-Amz-Target: TrentService.<Action>`).
    public static let kms = AWSService(
        signingName: "kms", iamPrefix: "kms", endpointPrefix: "kms", serviceID: "KMS", isGlobal: false,
        wire: .json(version: "1.1", targetPrefix: "TrentService"))
}

/// KMS: the keys that encrypt the backup vaults (DescribeKey, GetKeyPolicy), read in the key's
/// own region.
public struct KMS: Sendable {
    let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    public struct KeyMetadata: Sendable, Equatable {
        public var arn: String
        public var keyState: String?
        public var enabled: Bool
        public var deletionDate: Date?
        /// `AWS` or `CUSTOMER`.
        public var keyManager: String?
    }

    /// The key's metadata, or nil when KMS answers NotFoundException.
    public func describeKey(_ keyID: String, region: String) async throws -> KeyMetadata? {
        let op = JSONProtocol.operation(.kms, action: "DescribeKey", input: ["KeyId": keyID], resource: keyID)
        do {
            let response = try await client.send(op, region: region)
            let json = try AWSDecoding.json(response.body, operation: op, region: region)
            guard let meta = json["KeyMetadata"] as? [String: Any] else {
                throw AWSDecoding.missing("KeyMetadata", operation: op, region: region)
            }
            return Self.metadata(meta, keyID: keyID)
        } catch let error as AWSError where error.code == "NotFoundException" {
            return nil
        }
    }

    /// The `default` key policy as JSON text (the only policy name KMS has).
    public func getKeyPolicy(_ keyID: String, region: String) async throws -> String {
        let op = JSONProtocol.operation(
            .kms, action: "GetKeyPolicy", input: ["KeyId": keyID, "PolicyName": "default"], resource: keyID)
        let response = try await client.send(op, region: region)
        let json = try AWSDecoding.json(response.body, operation: op, region: region)
        guard let policy = json["Policy"] as? String else {
            throw AWSDecoding.missing("Policy", operation: op, region: region)
        }
        return policy
    }

    /// awsJson timestamps are epoch seconds.
    static func metadata(_ json: [String: Any], keyID: String) -> KeyMetadata {
        let deletion = (json["DeletionDate"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        return KeyMetadata(
            arn: json["Arn"] as? String ?? keyID, keyState: json["KeyState"] as? String,
            enabled: (json["Enabled"] as? NSNumber)?.boolValue ?? false, deletionDate: deletion,
            keyManager: json["KeyManager"] as? String)
    }
}
