import Foundation

/// The shipped configuration, `etc/mnemond.yaml` at the repository root.
var repoConfig: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("etc/mnemond.yaml").path
}
