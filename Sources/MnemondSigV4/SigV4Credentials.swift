/// The key pair (and STS session token) a request is signed with.
///
/// `description`, `debugDescription` and the reflection `dump` uses print `***` in place of the
/// secret and the token, so interpolating credentials into a log line cannot leak them.
public struct SigV4Credentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

extension SigV4Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        // The access key id is not a secret (AWS echoes it in error messages) and names the principal.
        "SigV4Credentials(accessKeyID: \(accessKeyID), secretAccessKey: ***, sessionToken: "
            + (sessionToken == nil ? "nil" : "***") + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": accessKeyID,
                "secretAccessKey": "***",
                "sessionToken": sessionToken == nil ? "nil" : "***",
            ],
            displayStyle: .struct)
    }
}
