import Foundation
import MnemondHTTP

/// The AWS Backup vault operations of the recovery-path checks (rest-json): a vault's ARN and
/// encryption key, and its access policy.
extension Backup {
    /// The whole DescribeBackupVault answer (`BackupVaultArn`, `EncryptionKeyArn`, ...), or nil
    /// when the vault does not exist.
    public func describeBackupVault(name: String, region: String) async throws -> Record? {
        let op = AWSOperation(
            service: .backup, action: "DescribeBackupVault", path: "/backup-vaults/\(Self.label(name))", resource: name)
        do {
            return try await object(op, region: region)
        } catch let error as AWSError where error.code == "ResourceNotFoundException" {
            return nil
        }
    }

    /// The vault's access policy as JSON text, or nil when it has none (AWS answers
    /// ResourceNotFoundException for a vault without a policy).
    public func getBackupVaultAccessPolicy(name: String, region: String) async throws -> String? {
        let op = AWSOperation(
            service: .backup, action: "GetBackupVaultAccessPolicy",
            path: "/backup-vaults/\(Self.label(name))/access-policy", resource: name)
        do {
            return try await object(op, region: region).string("Policy")
        } catch let error as AWSError where error.code == "ResourceNotFoundException" {
            return nil
        }
    }
}
