import Foundation
import MnemondAWS
import MnemondConfig
import MnemondDaemon
import MnemondTestSupport
import Testing

/// What works for the AWS CLI works for mnemond: `mnemond check --once` against the simulator's
/// target estate, with its endpoint, credentials, proxy or retry behaviour coming only from the
/// conventions under test. Every run must end as a fully answered target cycle does
/// (`guideTargetDRTopicPolicyGap` and nothing else) unless the test says otherwise.
@Suite(.serialized, .timeLimit(.minutes(15))) struct AWSConventionsTests {
    /// The simulator's environment with a fresh HOME; `endpoint: false` drops AWS_ENDPOINT_URL.
    static func environment(_ simulator: AWSSimulator, home: URL, endpoint: Bool = true) -> [String: String] {
        var environment = simulator.environment
        environment["HOME"] = home.path
        if !endpoint { environment["AWS_ENDPOINT_URL"] = nil }
        return environment
    }

    static func write(_ text: String, to relativePath: String, in home: URL) throws {
        let url = home.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static func check(_ environment: [String: String], _ extra: [String] = []) async throws -> CLIResult {
        let db = temporaryDirectory().appendingPathComponent("mnemond.sqlite").path
        return try await CLI.run(
            ["check", "--once", "--config", repoConfig, "--db", db] + extra, environment: environment)
    }

    /// The target estate's outcome: every AWS call answered, one critical (the guide's own gap).
    static func expectAnswered(_ result: CLIResult, sourceLocation: SourceLocation = #_sourceLocation) {
        let context = Comment(rawValue: "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr.suffix(3000))")
        #expect(result.status == 2, context, sourceLocation: sourceLocation)
        #expect(
            result.stdout.split(separator: "\n").last?.hasPrefix("CRITICAL: 1 critical, ") == true, context,
            sourceLocation: sourceLocation)
        let gap = result.stdout.split(separator: "\n").filter { $0.hasPrefix("CRITICAL ") }
        #expect(
            gap.count == 1 && gap[0].contains("alerting.eventbridge")
                && gap[0].contains("mnemonica-backup-job-failures-dr (eu-west-3)"), context,
            sourceLocation: sourceLocation)
        #expect(!result.stdout.contains("UNKNOWN"), context, sourceLocation: sourceLocation)
    }

    /// Log lines of one event (`msg=retrying`, `msg="rate limited"`) about one action.
    static func events(_ message: String, action: String? = nil, in stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { line in
            (line.contains("msg=\(message) ") || line.contains("msg=\"\(message)\""))
                && (action.map { line.contains($0) } ?? true)
        }
    }

    // MARK: Endpoints from the shared config

    @Test func theProfilesEndpointURLAloneReachesTheSimulator() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let home = temporaryDirectory("mnemond-conventions")
        try Self.write(
            "[profile sim]\nregion = eu-west-1\nendpoint_url = \(simulator.endpoint.absoluteString)\n",
            to: ".aws/config", in: home)
        var environment = Self.environment(simulator, home: home, endpoint: false)
        environment["AWS_PROFILE"] = "sim"
        Self.expectAnswered(try await Self.check(environment))
    }

    /// `services = NAME` sends RDS to the fault proxy (forwarding unchanged) while the profile's
    /// `endpoint_url` serves the rest; `AWS_ENDPOINT_URL_RDS` then beats the services section.
    @Test func theServicesSectionBeatsTheProfileAndTheEnvironmentBeatsBoth() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        defer { Task { await proxy.stop() } }
        let home = temporaryDirectory("mnemond-conventions")
        // AWS_CONFIG_FILE, not ~/.aws/config: the variable names the file as for the CLI.
        let configFile = home.appendingPathComponent("elsewhere/aws-config")
        try Self.write(
            """
            [default]
            endpoint_url = \(simulator.endpoint.absoluteString)
            services = through-proxy

            [services through-proxy]
            rds =
              endpoint_url = \(proxy.endpoint.absoluteString)

            """, to: "elsewhere/aws-config", in: home)
        var environment = Self.environment(simulator, home: home, endpoint: false)
        environment["AWS_CONFIG_FILE"] = configFile.path
        Self.expectAnswered(try await Self.check(environment))
        let viaSection = try await proxy.stats()
        #expect(viaSection.forwarded > 0, "RDS did not go to the services section's endpoint")

        try await proxy.reset()
        environment["AWS_ENDPOINT_URL_RDS"] = simulator.endpoint.absoluteString
        Self.expectAnswered(try await Self.check(environment))
        #expect(try await proxy.stats().forwarded == 0, "AWS_ENDPOINT_URL_RDS did not beat the services section")
    }

    // MARK: Retry modes

    /// Twice throttled, then answered: with the default 3 attempts the call succeeds on its
    /// third, and every finding is as in a cycle without faults.
    @Test func aTwiceThrottledCallSucceedsOnItsThirdAttempt() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        defer { Task { await proxy.stop() } }
        try await proxy.set(.init("throttling", match: "Action=DescribeDBInstances", times: 2))
        var environment = simulator.environment
        environment["AWS_ENDPOINT_URL_RDS"] = proxy.endpoint.absoluteString
        let result = try await Self.check(environment, ["--log-level", "debug"])
        Self.expectAnswered(result)
        #expect(try await proxy.stats().faulted == 2)
        let retries = Self.events("retrying", action: "rds:DescribeDBInstances", in: result.stderr)
        #expect(retries.count == 2, "\(retries)")
        #expect(retries.allSatisfy { $0.contains("Throttling") })
    }

    /// Always throttled: the one DescribeDBInstances call (the RDS and the recovery-path
    /// collectors share its answer) gets exactly its attempts — the setting's, else the mode's
    /// default (3, or 5 in legacy mode) — and then its checks are UNKNOWN naming the action and
    /// the code.
    @Test(arguments: [
        (["AWS_MAX_ATTEMPTS": "1"], 1), (["AWS_MAX_ATTEMPTS": "2"], 2), ([:], 3),
        (["AWS_RETRY_MODE": "legacy"], 5),
    ])
    func eachCallMakesTheDocumentedNumberOfAttempts(settings: [String: String], attempts: Int) async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        defer { Task { await proxy.stop() } }
        try await proxy.set(.init("throttling", match: "Action=DescribeDBInstances"))
        var environment = simulator.environment
        environment["AWS_ENDPOINT_URL_RDS"] = proxy.endpoint.absoluteString
        environment.merge(settings) { $1 }
        let result = try await Self.check(environment)
        #expect(result.status == 3 || result.status == 2, "\(result.stderr.suffix(2000))")
        #expect(try await proxy.stats().faulted == attempts)
        let unknown = result.stdout.split(separator: "\n").filter { $0.hasPrefix("UNKNOWN") }
        #expect(
            unknown.contains { $0.contains("rds.backup_retention") && $0.contains("Throttling") }, "\(result.stdout)")
    }

    /// Adaptive mode: each throttle lowers the client's send rate for that service and region
    /// (the rate limiter's waits follow from it), where standard mode only backs off; the call
    /// still succeeds. Counts and order only: whether a retry then has to wait for a token depends
    /// on how long its jittered backoff and the machine took (the waits themselves are unit-tested
    /// with an injected clock in `AdaptiveRateLimiterTests`).
    @Test func adaptiveModeLowersTheRateOnThrottlingStandardDoesNot() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        defer { Task { await proxy.stop() } }
        var environment = simulator.environment
        environment["AWS_ENDPOINT_URL_RDS"] = proxy.endpoint.absoluteString

        for mode in ["standard", "adaptive"] {
            try await proxy.reset()
            try await proxy.set(.init("throttling", match: "Action=DescribeDBInstances", times: 2))
            environment["AWS_RETRY_MODE"] = mode
            let result = try await Self.check(environment, ["--log-level", "debug"])
            Self.expectAnswered(result)
            #expect(try await proxy.stats().faulted == 2)
            let retries = Self.events("retrying", action: "rds:DescribeDBInstances", in: result.stderr)
            #expect(retries.count == 2, "both throttles retried in \(mode) mode: \(retries)")
            let lowered = Self.events("send rate lowered", in: result.stderr)
            let limited = Self.events("rate limited", in: result.stderr)
            if mode == "standard" {
                #expect(lowered.isEmpty, "\(lowered)")
                #expect(limited.isEmpty, "\(limited)")
                continue
            }
            // One lowering per throttle, for RDS in eu-west-1 only: other services and regions
            // keep their own limiter.
            #expect(lowered.count == 2, "\(result.stderr.suffix(3000))")
            #expect(lowered.allSatisfy { $0.contains("rds:DescribeDBInstances") && $0.contains("region=eu-west-1") })
            #expect(limited.allSatisfy { $0.contains("rds:") }, "\(limited)")
            // No wait before the first throttle: the limiter is off until then.
            let lines = result.stderr.split(separator: "\n")
            let firstLowered = try #require(lowered.first.flatMap { lines.firstIndex(of: $0) })
            for wait in limited { #expect(lines.firstIndex(of: wait)! > firstLowered) }
        }
    }

    /// A retry mode the CLI would refuse stops the command before any AWS call (exit 78),
    /// naming where it was read: the variable, or the shared config file and profile.
    @Test func aBadRetryModeIsAConfigErrorNamingItsSource() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let home = temporaryDirectory("mnemond-conventions")
        try Self.write("[default]\nretry_mode = fast\n", to: ".aws/config", in: home)
        var environment = Self.environment(simulator, home: home)
        let fromProfile = try await Self.check(environment)
        #expect(fromProfile.status == 78, "\(fromProfile.stderr)")
        #expect(
            fromProfile.stderr.contains(
                "\(home.path)/.aws/config, profile default: retry_mode must be legacy, standard or adaptive, found \"fast\""
            ), "\(fromProfile.stderr)")
        let validate = try await CLI.run(["config", "validate", "--config", repoConfig], environment: environment)
        #expect(validate.status == 78)
        #expect(validate.stderr.contains("profile default: retry_mode must be"), "\(validate.stderr)")
        environment["AWS_RETRY_MODE"] = "quick"
        let fromVariable = try await Self.check(environment)
        #expect(fromVariable.status == 78)
        #expect(
            fromVariable.stderr.contains("AWS_RETRY_MODE must be legacy, standard or adaptive, found \"quick\""),
            "\(fromVariable.stderr)")
    }

    /// The selected profile's `max_attempts`, `retry_mode`, `ca_bundle` and `endpoint_url` reach
    /// the runtime the commands build; the environment still beats them.
    @Test func theProfilesSettingsReachTheRuntimeBelowTheEnvironment() async throws {
        let home = temporaryDirectory("mnemond-conventions")
        try Self.write(
            """
            [profile tuned]
            max_attempts = 7
            retry_mode = adaptive
            ca_bundle = /etc/ssl/private-ca.pem
            endpoint_url = http://127.0.0.1:1

            """, to: ".aws/config", in: home)
        let config = try Config.load(path: repoConfig)
        let db = temporaryDirectory().appendingPathComponent("mnemond.sqlite").path
        let options = RuntimeOptions(profile: "tuned", dbPath: db, environment: ["HOME": home.path])
        let settings = try Runtime.awsSettings(config: config, options: options)
        #expect(
            settings.effective == .init(caBundle: "/etc/ssl/private-ca.pem", maxAttempts: 7, retryMode: .adaptive))
        let runtime = try Runtime.build(config: config, options: options)
        #expect(runtime.aws.retry.mode == .adaptive)
        #expect(runtime.aws.retry.maxAttempts == 7)
        #expect(runtime.aws.endpoints.resolve(.rds, region: "eu-west-1").url.absoluteString == "http://127.0.0.1:1")
        await runtime.shutdown()

        let overridden = RuntimeOptions(
            profile: "tuned", dbPath: db,
            environment: ["HOME": home.path, "AWS_MAX_ATTEMPTS": "2", "AWS_CA_BUNDLE": "/tmp/other.pem"])
        #expect(
            try Runtime.awsSettings(config: config, options: overridden).effective
                == .init(caBundle: "/tmp/other.pem", maxAttempts: 2, retryMode: .adaptive))
    }

    // MARK: Proxies

    /// Upper-case HTTP_PROXY (which curl alone ignores) carries every AWS request of the cycle;
    /// NO_PROXY naming the simulator's address takes them all off it again.
    @Test func upperCaseHTTPProxyCarriesTheRequestsUnlessNoProxyNamesTheHost() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let proxy = try await ForwardProxy.start()
        defer { Task { await proxy.stop() } }
        var environment = simulator.environment
        environment["HTTP_PROXY"] = proxy.endpoint.absoluteString
        Self.expectAnswered(try await Self.check(environment))
        let seen = try await proxy.requests()
        let simulatorHost = "\(simulator.endpoint.host!):\(simulator.endpoint.port!)"
        #expect(seen.count > 20, "\(seen.count) requests went through the proxy")
        #expect(seen.allSatisfy { $0.host == simulatorHost })
        #expect(Set(seen.map(\.method)) == ["GET", "POST"])

        environment["NO_PROXY"] = simulator.endpoint.host!
        Self.expectAnswered(try await Self.check(environment))
        #expect(try await proxy.requests().count == seen.count, "NO_PROXY did not bypass the proxy")
    }

    /// A proxy's user and password go to the proxy and nowhere else: not to the log at trace
    /// level, not to a finding when the proxy refuses them.
    @Test func proxyCredentialsAreUsedAndNeverShown() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let password = "Pr0xy-S3cret-9f2c"
        let proxy = try await ForwardProxy.start(auth: "mnemond:\(password)")
        defer { Task { await proxy.stop() } }
        let port = proxy.endpoint.port!
        var environment = simulator.environment
        environment["HTTP_PROXY"] = "http://mnemond:\(password)@127.0.0.1:\(port)"
        let good = try await Self.check(environment, ["--log-level", "trace"])
        Self.expectAnswered(good)
        let seen = try await proxy.requests()
        #expect(!seen.isEmpty && seen.allSatisfy(\.authorized))

        environment["HTTP_PROXY"] = "http://mnemond:wrong-\(password)@127.0.0.1:\(port)"
        let refused = try await Self.check(environment, ["--log-level", "trace"])
        #expect(refused.status == 3, "\(refused.stdout)")
        #expect(refused.stdout.contains("UNKNOWN"))
        for result in [good, refused] {
            #expect(!result.stdout.contains(password) && !result.stderr.contains(password))
        }
    }

    // MARK: SSO

    static let ssoAccount = "828879644785"
    static let ssoRole = "MnemondReadOnly"
    static let ssoToken = "aoaAAAAAGzExampleSSOAccessToken-0f9e8d7c6b5a"

    /// The cache file names `aws sso login` gives: the SHA-1 (hex) of the session name, and of
    /// the legacy profile's start URL (computed independently of mnemond).
    static let cacheFiles = [
        "11eaf49bcd1a5e1b4177ccaaf2c0127342b37a06",  // "mnemonica"
        "9a0b9b8bee79ed97aa59a206f438a68e55169b6e",  // "https://mnemonica-legacy.awsapps.com/start"
    ]

    static func tokenCache(expiresAt: Date) -> String {
        """
        {"startUrl": "https://mnemonica.awsapps.com/start", "region": "eu-west-1", \
        "accessToken": "\(ssoToken)", "expiresAt": "\(ISO8601DateFormatter().string(from: expiresAt))"}
        """
    }

    /// An sso-session profile and a legacy one, the portal on loopback (`AWS_ENDPOINT_URL_SSO`),
    /// no keys in the environment.
    static func ssoHome(_ simulator: AWSSimulator, expiresAt: Date) throws -> URL {
        let home = temporaryDirectory("mnemond-sso")
        try write(
            """
            [profile watch]
            sso_session = mnemonica
            sso_account_id = \(ssoAccount)
            sso_role_name = \(ssoRole)
            region = eu-west-1

            [sso-session mnemonica]
            sso_start_url = https://mnemonica.awsapps.com/start
            sso_region = eu-west-1
            sso_registration_scopes = sso:account:access

            [profile watch-legacy]
            sso_start_url = https://mnemonica-legacy.awsapps.com/start
            sso_region = eu-west-1
            sso_account_id = \(ssoAccount)
            sso_role_name = \(ssoRole)

            """, to: ".aws/config", in: home)
        for name in cacheFiles {
            try write(tokenCache(expiresAt: expiresAt), to: ".aws/sso/cache/\(name).json", in: home)
        }
        return home
    }

    static func ssoEnvironment(_ simulator: AWSSimulator, _ portal: SSOPortal, home: URL, profile: String)
        -> [String: String]
    {
        var environment = Self.environment(simulator, home: home)
        environment["AWS_ACCESS_KEY_ID"] = nil
        environment["AWS_SECRET_ACCESS_KEY"] = nil
        environment["AWS_ENDPOINT_URL_SSO"] = portal.endpoint.absoluteString
        environment["AWS_PROFILE"] = profile
        return environment
    }

    static func startPortal(_ simulator: AWSSimulator) async throws -> SSOPortal {
        try await SSOPortal.start(
            token: ssoToken, account: ssoAccount, role: ssoRole, accessKeyID: simulator.accessKeyID,
            secretAccessKey: simulator.secretAccessKey)
    }

    @Test(arguments: ["watch", "watch-legacy"])
    func anSSOProfileUsesTheCLIsCachedTokenForRoleCredentials(profile: String) async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let portal = try await Self.startPortal(simulator)
        defer { Task { await portal.stop() } }
        let home = try Self.ssoHome(simulator, expiresAt: Date().addingTimeInterval(8 * 3600))
        let result = try await Self.check(
            Self.ssoEnvironment(simulator, portal, home: home, profile: profile), ["--log-level", "trace"])
        Self.expectAnswered(result)
        let calls = try await portal.calls()
        #expect(!calls.isEmpty)
        #expect(calls.allSatisfy { $0.authorized && $0.roleName == Self.ssoRole && $0.accountID == Self.ssoAccount })
        // Role credentials are cached until they expire (an hour): not fetched per request.
        #expect(calls.count <= 2, "\(calls.count) GetRoleCredentials calls for one cycle")
        #expect(!result.stdout.contains(Self.ssoToken) && !result.stderr.contains(Self.ssoToken))
    }

    @Test func anExpiredTokenSaysToLogInAgainAndNeverReachesThePortal() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let portal = try await Self.startPortal(simulator)
        defer { Task { await portal.stop() } }
        let home = try Self.ssoHome(simulator, expiresAt: Date().addingTimeInterval(-60))
        let result = try await Self.check(Self.ssoEnvironment(simulator, portal, home: home, profile: "watch"))
        #expect(result.status == 3, "\(result.stdout)\n\(result.stderr.suffix(2000))")
        #expect(
            result.stdout.contains("the SSO token for profile watch has expired: run aws sso login --profile watch"),
            "\(result.stdout)")
        #expect(try await portal.calls().isEmpty)
        #expect(!result.stdout.contains(Self.ssoToken) && !result.stderr.contains(Self.ssoToken))
    }

    /// A token the portal no longer accepts (revoked, or expired early) says the same.
    @Test func aTokenThePortalRefusesSaysToLogInAgain() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let portal = try await SSOPortal.start(
            token: "another-token", account: Self.ssoAccount, role: Self.ssoRole, accessKeyID: simulator.accessKeyID,
            secretAccessKey: simulator.secretAccessKey)
        defer { Task { await portal.stop() } }
        let home = try Self.ssoHome(simulator, expiresAt: Date().addingTimeInterval(3600))
        let result = try await Self.check(Self.ssoEnvironment(simulator, portal, home: home, profile: "watch-legacy"))
        #expect(result.status == 3)
        #expect(
            result.stdout.contains(
                "the SSO token for profile watch-legacy has expired or was revoked: run aws sso login --profile watch-legacy"
            ), "\(result.stdout)")
        #expect(result.stdout.contains("UnauthorizedException"))
        #expect(try await portal.calls().allSatisfy { !$0.authorized })
        #expect(!result.stdout.contains(Self.ssoToken) && !result.stderr.contains(Self.ssoToken))
    }
}
