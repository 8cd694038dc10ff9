import Foundation

/// The shipped configuration, `etc/mnemond.yaml` at the repository root.
var repoConfig: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("etc/mnemond.yaml").path
}

/// A copy of the customer's guide, committed so the repository stands alone.
var guideFixture: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/aws-backup-implementation-guide.txt").path
}
