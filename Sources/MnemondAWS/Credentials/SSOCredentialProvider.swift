import Crypto
import Foundation
import MnemondHTTP

/// IAM Identity Center (SSO) profiles, as the SDKs' SSO credential provider reads them: the
/// access token that `aws sso login` cached is exchanged for the role's credentials with the
/// portal's GetRoleCredentials. botocore tries this source after web identity and before the
/// profile's own keys.
///
/// Two shapes of profile:
/// - `sso_session = NAME` with a `[sso-session NAME]` section (`sso_start_url`, `sso_region`);
///   the token cache file is named after the SHA-1 of the session NAME;
/// - legacy: `sso_start_url` and `sso_region` in the profile; the file is named after the SHA-1
///   of the start URL.
/// Both need `sso_account_id` and `sso_role_name`. The cache is `~/.aws/sso/cache/<hex>.json`
/// with `accessToken` and `expiresAt`. mnemond never logs in nor refreshes the token: an expired
/// or missing one is an error saying to run `aws sso login`. The token is a secret: no message
/// quotes it.
struct SSOCredentialProvider: CredentialProvider {
    var context: CredentialContext

    var name: String { "sso" }

    func credentials() async throws -> AWSCredentials {
        let config = try SharedConfig.load(context.environment)
        guard let profile = config.profile(context.selection.name), let sso = try SSOProfile(profile, config: config)
        else {
            // Silent in the "tried:" list: the profile source reports on the profile.
            throw CredentialsError.notConfigured("")
        }
        return try await sso.credentials(context: context)
    }
}

/// The SSO keys of one profile, validated.
struct SSOProfile: Sendable {
    var profile: String
    var file: String
    var startURL: String
    var region: String
    var accountID: String
    var roleName: String
    /// What names the token cache file: the session name, or the start URL (legacy).
    var cacheKey: String

    /// nil when the profile has neither `sso_session` nor `sso_start_url`.
    init?(_ profile: Profile, config: SharedConfig) throws(CredentialsError) {
        let file = profile.file(of: "sso_account_id")
        let name = profile.name
        if let session = profile["sso_session"] {
            guard let section = config.config.ssoSessions[session] else {
                throw .invalid(
                    "profile \"\(name)\" in \(config.config.path) names sso_session \"\(session)\" but there is no [sso-session \(session)] section; add it (aws configure sso writes one)"
                )
            }
            guard let startURL = section["sso_start_url"], !startURL.isEmpty,
                let region = section["sso_region"], !region.isEmpty
            else {
                throw .invalid(
                    "[sso-session \(session)] in \(config.config.path) needs sso_start_url and sso_region; add them")
            }
            (self.startURL, self.region, cacheKey) = (startURL, region, session)
        } else if let startURL = profile["sso_start_url"] {
            guard let region = profile["sso_region"] else {
                throw .invalid("profile \"\(name)\" in \(file) has sso_start_url but no sso_region; add it")
            }
            (self.startURL, self.region, cacheKey) = (startURL, region, startURL)
        } else {
            return nil
        }
        let missing = ["sso_account_id", "sso_role_name"].filter { profile[$0] == nil }
        guard missing.isEmpty, let accountID = profile["sso_account_id"], let roleName = profile["sso_role_name"] else {
            throw .invalid(
                "SSO profile \"\(name)\" in \(file) lacks \(missing.joined(separator: " and ")); add it (aws configure sso writes it)"
            )
        }
        self.profile = name
        self.file = file
        self.accountID = accountID
        self.roleName = roleName
    }

    /// `~/.aws/sso/cache/<sha1 hex of the cache key>.json`.
    func tokenPath(_ environment: CredentialEnvironment) -> String {
        let digest = Insecure.SHA1.hash(data: Data(cacheKey.utf8)).map { String(format: "%02x", $0) }.joined()
        return environment.expandingTilde("~/.aws/sso/cache/\(digest).json")
    }

    var loginHint: String { "run aws sso login --profile \(profile)" }

    /// The cached access token, or an error saying to log in again.
    func accessToken(_ environment: CredentialEnvironment, now: Date) throws(CredentialsError) -> String {
        let path = tokenPath(environment)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .failed("the SSO token for profile \(profile) is missing: \(loginHint) (no token cache \(path))")
        }
        struct Cached: Decodable {
            var accessToken: String?
            var expiresAt: String?
        }
        // A decoding error is not shown: it could quote the token.
        guard let cached = try? JSONDecoder().decode(Cached.self, from: data), let token = cached.accessToken,
            !token.isEmpty
        else {
            throw .failed(
                "the SSO token for profile \(profile) is missing: \(loginHint) (\(path) holds no accessToken)")
        }
        // Older CLIs wrote "2026-11-19T20:26:39UTC" rather than "…Z".
        guard let text = cached.expiresAt,
            let expiresAt = parseTimestamp(text.hasSuffix("UTC") ? text.dropLast(3) + "Z" : text)
        else {
            throw .failed(
                "the SSO token for profile \(profile) has no readable expiresAt: \(loginHint) (token cache \(path))")
        }
        guard expiresAt > now else {
            throw .failed(
                "the SSO token for profile \(profile) has expired: \(loginHint) (token cache \(path) expired at \(text))"
            )
        }
        return token
    }

    /// GetRoleCredentials on the portal of `sso_region` (`AWS_ENDPOINT_URL_SSO` and the shared
    /// config's endpoints override it, as for any service).
    func credentials(context: CredentialContext) async throws -> AWSCredentials {
        let token = try accessToken(context.environment, now: context.now())
        let endpoint = context.endpoints.resolve(.sso, region: region)
        let url = AWSClient.url(
            endpoint.url, path: "/federation/credentials",
            query: [(name: "role_name", value: roleName), (name: "account_id", value: accountID)])
        let action = "sso:GetRoleCredentials for role \(roleName) in account \(accountID) (profile \(profile))"
        let response: HTTPResponse
        do {
            response = try await context.http.send(
                HTTPRequest(
                    method: "GET", url: url,
                    headers: [
                        (name: "x-amz-sso_bearer_token", value: token), (name: "Accept", value: "application/json"),
                    ]
                ))
        } catch {
            throw CredentialsError.failed("\(action): \(error)")
        }
        guard response.status == 200 else {
            let code = Self.errorCode(response) ?? "HTTP \(response.status)"
            if response.status == 401 {
                throw CredentialsError.failed(
                    "the SSO token for profile \(profile) has expired or was revoked: \(loginHint) (\(action): \(code))"
                )
            }
            throw CredentialsError.failed("\(action): \(code)")
        }
        struct Answer: Decodable {
            struct Role: Decodable {
                var accessKeyId: String?
                var secretAccessKey: String?
                var sessionToken: String?
                var expiration: Double?
            }
            var roleCredentials: Role?
        }
        guard let role = try? JSONDecoder().decode(Answer.self, from: response.body).roleCredentials,
            let keyID = role.accessKeyId, !keyID.isEmpty, let secret = role.secretAccessKey, !secret.isEmpty,
            let expiration = role.expiration
        else {
            throw CredentialsError.failed(
                "\(action): the answer lacks roleCredentials (accessKeyId, secretAccessKey, expiration)")
        }
        return AWSCredentials(
            accessKeyID: keyID, secretAccessKey: secret, sessionToken: role.sessionToken,
            expiration: Date(timeIntervalSince1970: expiration / 1000), source: "sso profile \(profile)")
    }

    /// The error's name from `x-amzn-ErrorType` or the JSON `__type`; never its message.
    static func errorCode(_ response: HTTPResponse) -> String? {
        if let header = response.header("x-amzn-ErrorType"), !header.isEmpty {
            return String(header.split(separator: ":").first ?? "")
        }
        struct Body: Decodable { var __type: String? }
        guard let type = (try? JSONDecoder().decode(Body.self, from: response.body))?.__type else { return nil }
        return String(type.split(separator: "#").last ?? "")
    }
}
