/// `mnemond test-alert` (the guide's Step 8.5): what each channel answered, and exit 1 unless
/// every configured channel delivered.
public enum TestAlertCommand {
    /// One channel's answer.
    public struct Result: Sendable {
        public var channel: String
        public var target: String
        /// nil: delivered.
        public var error: String?

        public init(channel: String, target: String, error: String?) {
            self.channel = channel
            self.target = target
            self.error = error
        }
    }

    public static func output(_ results: [Result]) -> (text: String, status: Int32) {
        let failed = results.isEmpty || results.contains(where: { $0.error != nil })
        return (text(results), failed ? ExitStatus.failed : ExitStatus.ok)
    }

    public static func text(_ results: [Result]) -> String {
        guard !results.isEmpty else {
            return "no alerting channel is configured (alerting.channels in the config): nothing was sent\n"
        }
        return results.map { r in
            r.error.map { "FAILED  \(r.channel)  \(r.target): \($0)" }
                ?? "OK      \(r.channel)  \(r.target): test message delivered"
        }.joined(separator: "\n") + "\n"
    }
}
