import Foundation

/// SNS: the alert topics' health (issue catalog) and publishing alerts. Each topic is called in
/// the region of its ARN.
public struct SNS: Sendable {
    let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    /// The region of a topic ARN (`arn:aws:sns:eu-west-3:…`), nil if it is not an SNS ARN.
    public static func region(ofTopic arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 6, parts[0] == "arn", parts[2] == "sns", !parts[3].isEmpty else { return nil }
        return String(parts[3])
    }
}
