import Foundation
import MnemondHTTP
import MnemondTestSupport
import Testing

@testable import MnemondAWS

// The AWS CLI's conventions beyond credentials: retry modes, endpoints from the shared config,
// and what an SSO profile needs before the portal is called. Real files in a temp HOME; time
// and randomness are parameters.

private let ssoToken = "aoaAAAAAGexampleSSOaccessTOKEN"

/// A temp HOME with `.aws/`, removed when the test ends.
final class ConventionsHome {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("mnemond-conventions-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/.aws/sso/cache", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relativePath: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + relativePath))
    }

    func environment(_ variables: [String: String] = [:]) -> CredentialEnvironment {
        CredentialEnvironment(variables: variables, homeDirectory: path)
    }
}

// MARK: - Retry modes

@Suite struct RetryQuotaTests {
    func error(_ kind: AWSError.Kind) -> AWSError {
        AWSError(kind: kind, service: "rds", action: "X", region: "eu-west-1", status: 503, code: "X", message: "")
    }

    /// The standard mode's numbers: 500 tokens, 5 per retry, 10 per retry after a timeout; a
    /// retried success refunds its cost, a first-attempt success adds 1, never beyond 500.
    @Test func retriesSpendTheQuotaAndSuccessesRefillIt() {
        var quota = RetryQuota()
        #expect(quota.acquire(after: error(.service)) == 5)
        #expect(quota.acquire(after: error(.transport)) == 10)
        #expect(quota.available == 485)
        quota.release(retryCost: 10)
        #expect(quota.available == 495)
        quota.release(retryCost: nil)
        quota.release(retryCost: nil)
        quota.release(retryCost: nil)
        #expect(quota.available == 498)
        quota.release(retryCost: 5)
        #expect(quota.available == 500)
    }

    @Test func anEmptyQuotaRefusesRetriesUntilCallsSucceed() {
        var quota = RetryQuota()
        var granted = 0
        while quota.acquire(after: error(.service)) != nil { granted += 1 }
        #expect(granted == 100)
        #expect(quota.acquire(after: error(.transport)) == nil)
        for _ in 0..<5 { quota.release(retryCost: nil) }
        #expect(quota.acquire(after: error(.service)) == 5)
        #expect(quota.acquire(after: error(.service)) == nil)
    }

    @Test func theLegacyModeDefaultsAndModesHaveTheirNames() {
        #expect(RetryMode.allCases.map(\.rawValue) == ["legacy", "standard", "adaptive"])
        #expect(RetryPolicy().mode == .standard)
        #expect(RetryPolicy().maxAttempts == 3)
        let throttle = AWSError(
            kind: .service, service: "rds", action: "X", region: "eu-west-1", status: 400, code: "Throttling",
            message: "")
        #expect(RetryPolicy.isThrottling(throttle))
        #expect(!RetryPolicy.isThrottling(error(.service)))
    }
}

@Suite struct AdaptiveRateLimiterTests {
    /// Until the first throttle the limiter is off: nothing waits, however fast the sending.
    @Test func nothingWaitsBeforeTheFirstThrottle() {
        var limiter = AdaptiveRateLimiter(now: 1000)
        for step in 0..<200 {
            let t = 1000 + Double(step) * 0.01
            #expect(limiter.acquire(now: t) == .zero)
            limiter.update(throttled: false, now: t)
        }
        #expect(!limiter.enabled)
    }

    /// Sending 20 calls a second, then throttled: the allowed rate drops to 70 % of what was
    /// measured, and calls at the old pace must now wait.
    @Test func aThrottleCutsTheRateAndLaterCallsWait() {
        var limiter = AdaptiveRateLimiter(now: 0)
        var t = 0.0
        for _ in 0..<60 {
            _ = limiter.acquire(now: t)
            limiter.update(throttled: false, now: t)
            t += 0.05
        }
        let measured = limiter.measuredRate
        #expect(measured > 15 && measured < 25)
        limiter.update(throttled: true, now: t)
        #expect(limiter.enabled)
        #expect(abs(limiter.fillRate - measured * 0.7) < 0.001)
        var waits: [Duration] = []
        for _ in 0..<20 {
            waits.append(limiter.acquire(now: t))
            t += 0.01
        }
        #expect(waits.filter { $0 > .zero }.count >= 10)
        #expect(waits.last! > .milliseconds(100))
    }

    /// Throttle after throttle the rate keeps falling, never below 0.5 calls a second.
    @Test func repeatedThrottlesLowerTheRateToItsFloor() {
        var limiter = AdaptiveRateLimiter(now: 0)
        var t = 0.0
        var rates: [Double] = []
        for _ in 0..<30 {
            _ = limiter.acquire(now: t)
            limiter.update(throttled: true, now: t)
            rates.append(limiter.fillRate)
            t += 0.6
        }
        #expect(rates.last! == 0.5)
        #expect(zip(rates.dropFirst(2), rates.dropFirst(3)).allSatisfy { $0 >= $1 })
    }

    /// After a throttle, successes let the rate grow back along the cubic curve: a while later
    /// calls at the earlier pace pass without waiting again.
    @Test func successesRaiseTheRateAgain() {
        var limiter = AdaptiveRateLimiter(now: 0)
        var t = 0.0
        for _ in 0..<40 {
            limiter.update(throttled: false, now: t)
            t += 0.1
        }
        limiter.update(throttled: true, now: t)
        let cut = limiter.fillRate
        for _ in 0..<200 {
            t += limiter.acquire(now: t).seconds + 0.1
            limiter.update(throttled: false, now: t)
        }
        #expect(limiter.fillRate > cut)
        #expect(limiter.acquire(now: t + 0.1) == .zero)
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

// MARK: - Endpoints from the shared config

@Suite struct ConfiguredEndpointTests {
    static let config = """
        [default]
        region = eu-west-1

        [profile local]
        endpoint_url = http://127.0.0.1:4000
        services = local-services

        [profile ignoring]
        endpoint_url = http://127.0.0.1:4000
        ignore_configured_endpoint_urls = true

        [services local-services]
        s3 =
          endpoint_url = http://127.0.0.1:4001
        cloudwatch =
          endpoint_url = http://127.0.0.1:4002
          max_attempts = 4

        """

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var profile: String
        var env: [String: String] = [:]
        var service: AWSService
        var url: String
        var testDescription: String { name }
    }

    /// The documented order: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the services
    /// section, the profile's `endpoint_url`; the ignore switch (variable before profile) turns
    /// them all off.
    static let cases: [Case] = [
        Case(name: "profile global", profile: "local", service: .rds, url: "http://127.0.0.1:4000"),
        Case(
            name: "services section beats profile global", profile: "local", service: .s3, url: "http://127.0.0.1:4001"),
        Case(name: "service id key", profile: "local", service: .cloudwatch, url: "http://127.0.0.1:4002"),
        Case(
            name: "environment global beats the services section", profile: "local",
            env: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000"], service: .s3, url: "http://127.0.0.1:5000"),
        Case(
            name: "environment service beats environment global", profile: "local",
            env: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_RDS": "http://127.0.0.1:5001"],
            service: .rds, url: "http://127.0.0.1:5001"),
        Case(
            name: "no endpoint in the profile", profile: "default", service: .rds,
            url: "https://rds.eu-west-1.amazonaws.com"),
        Case(
            name: "profile ignores configured endpoints", profile: "ignoring",
            env: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000"], service: .rds,
            url: "https://rds.eu-west-1.amazonaws.com"),
        Case(
            name: "variable false beats profile true", profile: "ignoring",
            env: ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"], service: .rds, url: "http://127.0.0.1:4000"),
        Case(
            name: "variable true ignores the profile's", profile: "local",
            env: ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"], service: .s3,
            url: "https://s3.eu-west-1.amazonaws.com"),
    ]

    @Test(arguments: cases)
    func resolves(_ c: Case) throws {
        let home = try ConventionsHome()
        try home.write(".aws/config", Self.config)
        let settings = try SharedProfileSettings.load(profile: c.profile, environment: home.environment(c.env))
        let resolver = EndpointResolver(environment: c.env, configured: settings.endpoints)
        #expect(resolver.resolve(c.service, region: "eu-west-1").url.absoluteString == c.url)
    }

    @Test func theProfileSelectionAndItsRetrySettingsAreRead() throws {
        let home = try ConventionsHome()
        try home.write(
            ".aws/config",
            Self.config + "[profile tuned]\nmax_attempts = 6\nretry_mode = adaptive\nca_bundle = ~/ca.pem\n")
        let settings = try SharedProfileSettings.load(
            profile: nil, configuredProfile: "tuned", environment: home.environment())
        #expect(settings.maxAttempts == "6")
        #expect(settings.retryMode == "adaptive")
        #expect(settings.caBundle == "~/ca.pem")
        #expect(settings.source == home.path + "/.aws/config, profile tuned")
        let fromEnvironment = try SharedProfileSettings.load(
            profile: nil, configuredProfile: "tuned", environment: home.environment(["AWS_PROFILE": "local"]))
        #expect(fromEnvironment.maxAttempts == nil)
        #expect(fromEnvironment.endpoints.global?.absoluteString == "http://127.0.0.1:4000")
    }

    @Test(arguments: [
        (
            "[profile p]\nservices = missing\n",
            "/.aws/config, profile p: services = missing names no [services missing] section in "
        ),
        ("[profile p]\nendpoint_url = localhost:4566\n", "/.aws/config, profile p: endpoint_url is not an http(s) URL"),
        (
            "[profile p]\nservices = s\n[services s]\nsts =\n  endpoint_url = ftp://x\n",
            "/.aws/config, [services s] sts.endpoint_url is not an http(s) URL"
        ),
    ])
    func badEndpointsAreErrorsNamingFileAndProfile(text: String, message: String) throws {
        let home = try ConventionsHome()
        try home.write(".aws/config", text)
        #expect {
            try SharedProfileSettings.load(profile: "p", environment: home.environment())
        } throws: { error in
            (error as? CredentialsError)?.message.contains(message) ?? false
        }
    }
}

// MARK: - SSO profiles before the portal

@Suite struct SSOProfileTests {
    static let config = """
        [profile modern]
        sso_session = my-sso
        sso_account_id = 828879644785
        sso_role_name = MnemondReadOnly
        region = eu-west-1

        [sso-session my-sso]
        sso_start_url = https://my-sso-portal.awsapps.com/start
        sso_region = eu-west-1
        sso_registration_scopes = sso:account:access

        [profile legacy]
        sso_start_url = https://my-sso-portal.awsapps.com/start
        sso_region = eu-west-3
        sso_account_id = 828879644785
        sso_role_name = MnemondReadOnly

        [profile orphan]
        sso_session = nowhere
        sso_account_id = 1
        sso_role_name = R

        [profile half]
        sso_start_url = https://x.awsapps.com/start
        sso_region = eu-west-1

        """

    func profile(_ name: String, _ home: ConventionsHome) throws -> SSOProfile? {
        let config = try SharedConfig.load(home.environment())
        return try SSOProfile(#require(config.profile(name)), config: config)
    }

    /// The cache file is named after the SHA-1 of the session name (sso-session profiles) or of
    /// the start URL (legacy profiles), as `aws sso login` names it.
    @Test func theTokenCacheFileIsNamedAsTheCLINamesIt() throws {
        let home = try ConventionsHome()
        try home.write(".aws/config", Self.config)
        let modern = try #require(try profile("modern", home))
        #expect(modern.region == "eu-west-1")
        #expect(
            modern.tokenPath(home.environment())
                == home.path + "/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        let legacy = try #require(try profile("legacy", home))
        #expect(legacy.region == "eu-west-3")
        #expect(
            legacy.tokenPath(home.environment())
                == home.path + "/.aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json")
        #expect(legacy.accountID == "828879644785")
        #expect(legacy.roleName == "MnemondReadOnly")
    }

    @Test(arguments: [
        ("orphan", "names sso_session \"nowhere\" but there is no [sso-session nowhere] section"),
        ("half", "SSO profile \"half\" in "),
    ])
    func incompleteProfilesAreErrorsNamingWhatIsMissing(name: String, message: String) throws {
        let home = try ConventionsHome()
        try home.write(".aws/config", Self.config)
        #expect {
            try profile(name, home)
        } throws: { error in
            let text = (error as? CredentialsError)?.message ?? ""
            return text.contains(message) && (name != "half" || text.contains("lacks sso_account_id and sso_role_name"))
        }
    }

    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test(arguments: [
        (nil as String?, "the SSO token for profile modern is missing: run aws sso login --profile modern"),
        (
            "{\"accessToken\": \"\(ssoToken)\", \"expiresAt\": \"2026-11-17T08:26:39Z\"}",
            "the SSO token for profile modern has expired: run aws sso login --profile modern"
        ),
        ("{\"expiresAt\": \"2030-01-01T00:00:00Z\"}", "the SSO token for profile modern is missing: run aws sso login"),
        ("{\"accessToken\": \"\(ssoToken)\"", "the SSO token for profile modern is missing: run aws sso login"),
    ])
    func anUnusableTokenSaysToLogInAgainWithoutQuotingIt(cache: String?, message: String) throws {
        let home = try ConventionsHome()
        try home.write(".aws/config", Self.config)
        if let cache {
            try home.write(".aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json", cache)
        }
        let modern = try #require(try profile("modern", home))
        #expect {
            try modern.accessToken(home.environment(), now: Self.now)
        } throws: { error in
            let text = (error as? CredentialsError)?.message ?? ""
            return text.hasPrefix(message) && !text.contains(ssoToken)
                && (error as? CredentialsError)?.kind == .retrievalFailed
        }
    }

    @Test func aValidTokenIsReadFromTheCache() throws {
        let home = try ConventionsHome()
        try home.write(".aws/config", Self.config)
        try home.write(
            ".aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json",
            "{\"startUrl\": \"https://my-sso-portal.awsapps.com/start\", \"region\": \"eu-west-3\", \"accessToken\": \"\(ssoToken)\", \"expiresAt\": \"2026-11-19T20:26:39UTC\"}"
        )
        let legacy = try #require(try profile("legacy", home))
        // The legacy CLI wrote "…UTC" instead of "Z": accepted as UTC.
        #expect(try legacy.accessToken(home.environment(), now: Self.now) == ssoToken)
    }
}

// MARK: - The retry quota in the client, against a loopback server

/// A server that answers 503 to everything (Tests/Peers/http_recorder.py, scripted): in standard
/// mode each failing call spends 2 retries × 5 tokens, so after 50 calls the quota of 500 is
/// spent and later calls get one attempt; legacy mode has no quota and keeps retrying.
@Suite struct RetryQuotaClientTests {
    @Test(arguments: [(RetryMode.standard, 50 * 3 + 10), (RetryMode.legacy, 60 * 3)])
    func aSpentQuotaStopsRetriesInStandardModeOnly(mode: RetryMode, expectedRequests: Int) async throws {
        try await HTTPRecorder.with { recorder in
            let unavailable = ScriptedResponse(
                status: 503, headers: [(name: "Content-Type", value: "text/xml")],
                text:
                    "<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error></ErrorResponse>"
            )
            try await recorder.enqueue(responses: Array(repeating: unavailable, count: 200))
            let http = HTTPClient()
            let client = AWSClient(
                credentials: StaticCredentialProvider(
                    AWSCredentials(accessKeyID: "AKIDQUOTA", secretAccessKey: "quota-secret", source: "test")),
                http: http,
                endpoints: EndpointResolver(environment: ["AWS_ENDPOINT_URL": recorder.endpoint.absoluteString]),
                retry: RetryPolicy(mode: mode, maxAttempts: 3), sleep: { _ in }, random: { 0 })
            for _ in 0..<60 {
                await #expect(throws: AWSError.self) {
                    try await client.send(
                        QueryProtocol.operation(.rds, action: "DescribeDBInstances"), region: "eu-west-1")
                }
            }
            await http.shutdown()
            #expect(try await recorder.stats().requests == expectedRequests)
            let left = await client.retryQuotaAvailable(.rds, region: "eu-west-1")
            #expect(left == (mode == .standard ? 0 : RetryQuota.capacity))
            // Another service or region has its own quota.
            #expect(await client.retryQuotaAvailable(.rds, region: "eu-west-3") == RetryQuota.capacity)
        }
    }
}
