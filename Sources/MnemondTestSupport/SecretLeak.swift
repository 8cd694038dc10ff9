/// The secrets a text must not contain, and where they were found: one assertion for every
/// sender, logger and error path (alertmanager's `AssertNotifyLeaksNoSecret`). A secret shorter
/// than 6 characters is ignored: it would match by chance.
public func leakedSecrets(in text: String, secrets: [String]) -> [String] {
    secrets.filter { $0.count >= 6 && text.contains($0) }
}
