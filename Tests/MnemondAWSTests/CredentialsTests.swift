import Foundation
import MnemondHTTP
import MnemondSigV4
import MnemondTestSupport
import Synchronization
import Testing

@testable import MnemondAWS

// The credential chain against real files in a temp HOME, real processes, and real loopback
// HTTP (Tests/Peers/http_recorder.py). Only STS is a seam: a closure that records its calls.

/// Secrets planted in every input: no description or error may ever contain them.
private let secret = "fake-test-secret/not-a-real-aws-key/0001"
private let token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"

/// A temp HOME with `.aws/`, removed when the test ends. Its environment disables EC2
/// instance metadata unless a test turns it back on, so no test waits on 169.254.169.254.
private final class Sandbox {
    let home: String

    init() throws {
        home =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("mnemond-credentials-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: home) }

    var credentialsFile: String { home + "/.aws/credentials" }
    var configFile: String { home + "/.aws/config" }

    @discardableResult
    func write(_ relativePath: String, _ text: String, executable: Bool = false) throws -> String {
        let path = home + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        if executable {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        return path
    }

    func environment(_ variables: [String: String] = [:]) -> CredentialEnvironment {
        var all = ["PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"]
        all.merge(variables) { _, new in new }
        return CredentialEnvironment(variables: all, homeDirectory: home)
    }
}

/// The time the tests start at, and a clock they move by hand.
private let start = Date(timeIntervalSince1970: 1_795_000_000)

private final class ManualClock: Sendable {
    private let current = Mutex(start)
    func now() -> Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// One STS call as the chain made it.
private struct STSCall: Sendable, Equatable {
    var operation: String
    var roleARN: String
    var sessionName: String
    var externalID: String?
    /// The source credentials' access key id (AssumeRole) or the web identity token.
    var input: String
    var region: String
}

/// STS stand-in: records each call and answers session credentials whose access key id names
/// the role (`ASIA-<role name>`), so a chained call shows which credentials signed it.
private final class RecordingSTS: Sendable {
    private let log = Mutex<[STSCall]>([])
    let clock: ManualClock

    init(clock: ManualClock = ManualClock()) { self.clock = clock }

    var calls: [STSCall] { log.withLock { $0 } }

    var seam: STSCalls {
        STSCalls(
            assumeRole: { roleARN, sessionName, externalID, source, region in
                self.log.withLock {
                    $0.append(
                        STSCall(
                            operation: "AssumeRole", roleARN: roleARN, sessionName: sessionName,
                            externalID: externalID, input: source.signing.accessKeyID, region: region))
                }
                return self.answer(roleARN)
            },
            assumeRoleWithWebIdentity: { roleARN, sessionName, webToken, region in
                self.log.withLock {
                    $0.append(
                        STSCall(
                            operation: "AssumeRoleWithWebIdentity", roleARN: roleARN, sessionName: sessionName,
                            externalID: nil, input: webToken, region: region))
                }
                return self.answer(roleARN)
            })
    }

    private func answer(_ roleARN: String) -> AWSCredentials {
        let role = roleARN.split(separator: "/").last.map(String.init) ?? roleARN
        return AWSCredentials(
            accessKeyID: "ASIA-\(role)", secretAccessKey: secret, sessionToken: token,
            expiration: clock.now().addingTimeInterval(3600), source: "sts")
    }

    /// For tests whose configuration must not reach STS.
    static var unused: STSCalls {
        STSCalls(
            assumeRole: { _, _, _, _, _ in throw CredentialsError(.retrievalFailed, "unexpected AssumeRole") },
            assumeRoleWithWebIdentity: { _, _, _, _ in
                throw CredentialsError(.retrievalFailed, "unexpected AssumeRoleWithWebIdentity")
            })
    }
}

private let http = HTTPClient()

private func chain(
    _ sandbox: Sandbox, profile: String? = nil, configuredProfile: String? = nil, _ variables: [String: String] = [:],
    sts: STSCalls = RecordingSTS.unused, clock: ManualClock = ManualClock()
) -> any CredentialProvider {
    CredentialChain.standard(
        profile: profile, configuredProfile: configuredProfile, environment: sandbox.environment(variables), http: http,
        sts: sts, now: clock.now)
}

/// The error a provider throws; records an issue if it succeeds or throws something else.
private func failure(
    of provider: any CredentialProvider, sourceLocation: SourceLocation = #_sourceLocation
) async -> CredentialsError? {
    do {
        let credentials = try await provider.credentials()
        Issue.record("expected an error, got \(credentials)", sourceLocation: sourceLocation)
    } catch let error as CredentialsError {
        #expect(!error.message.contains(secret), sourceLocation: sourceLocation)
        #expect(!error.message.contains(token), sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a CredentialsError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

private let staticKeys = """
    [default]
    aws_access_key_id = AKIDDEFAULT
    aws_secret_access_key = \(secret)

    [prod]
    aws_access_key_id = AKIDPROD
    aws_secret_access_key = \(secret)
    aws_session_token = \(token)

    """

// MARK: - Shared config files

@Suite struct SharedConfigParserTests {
    @Test func readsSectionsKeysCommentsAndNestedBlocks() throws {
        let text =
            "\u{FEFF}# leading comment\r\n"
                + """
                [default]   ; trailing comment
                region = eu-west-1
                Output: json
                ; comment
                role_arn=arn:aws:iam::828879644785:role/mnemond
                s3 =
                  max_concurrent_requests = 20
                  addressing_style = path
                credential_process = /opt/bin/creds --url=https://x.example/#frag
                [profile prod]
                region = eu-west-3

                """
        let sections = try SharedConfigParser.parse(text, path: "/h/.aws/config")
        #expect(
            sections == [
                "default": [
                    "region": "eu-west-1", "output": "json",
                    "role_arn": "arn:aws:iam::828879644785:role/mnemond", "s3": "",
                    "s3.max_concurrent_requests": "20", "s3.addressing_style": "path",
                    "credential_process": "/opt/bin/creds --url=https://x.example/#frag",
                ],
                "profile prod": ["region": "eu-west-3"],
            ])
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var message: String
        var testDescription: String { name }
    }

    static let badFiles: [BadFile] = [
        BadFile(
            name: "unclosed header", text: "[default\nregion = eu-west-1\n",
            message: "/h/.aws/config:1: section header is missing its closing \"]\""),
        BadFile(
            name: "key before any section", text: "# keys\n\naws_access_key_id = AKID\n",
            message:
                "/h/.aws/config:3: key \"aws_access_key_id\" appears before any [section]; add a [default] or [profile NAME] header above it"
        ),
        BadFile(
            name: "line that is no key (never quoted: it may be a pasted secret)",
            text: "[default]\nregion = eu-west-1\n\(secret)\n",
            message: "/h/.aws/config:3: expected \"key = value\", \"[section]\" or a comment; fix the line"),
        BadFile(
            name: "missing key", text: "[default]\n= eu-west-1\n",
            message: "/h/.aws/config:2: missing key before \"=\""),
        BadFile(name: "empty section name", text: "[ ]\n", message: "/h/.aws/config:1: empty section name \"[]\""),
        BadFile(
            name: "text after header", text: "[default] region\n",
            message: "/h/.aws/config:1: unexpected text after the section header's \"]\""),
    ]

    @Test(arguments: badFiles)
    func parseErrorNamesFileAndLine(_ bad: BadFile) {
        #expect(throws: CredentialsError.invalid(bad.message)) {
            try SharedConfigParser.parse(bad.text, path: "/h/.aws/config")
        }
    }

    @Test func parseErrorInTheRealFileStopsTheChain() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/config", "[default]\nregion = eu-west-1\n[profile broken\n")
        let error = try #require(await failure(of: chain(sandbox)))
        #expect(error.kind == .invalidConfiguration)
        #expect(error.message == "\(sandbox.configFile):3: section header is missing its closing \"]\"")
    }
}

// MARK: - Environment and static profiles

@Suite struct StaticCredentialTests {
    @Test func environmentKeysAreUsedFirst() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        let credentials = try await chain(
            sandbox,
            ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token]
        ).credentials()
        #expect(
            credentials
                == AWSCredentials(
                    accessKeyID: "AKIDENV", secretAccessKey: secret, sessionToken: token, source: "environment"))
    }

    @Test func awsProfileDoesNotOverrideEnvironmentKeys() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        let credentials = try await chain(
            sandbox, ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": secret, "AWS_PROFILE": "prod"]
        ).credentials()
        #expect(credentials.source == "environment")
    }

    @Test func explicitProfileSkipsEnvironmentKeys() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        let credentials = try await chain(
            sandbox, profile: "prod", ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": secret]
        ).credentials()
        #expect(credentials.signing.accessKeyID == "AKIDPROD")
        #expect(credentials.signing.sessionToken == token)
        #expect(credentials.source == "profile prod")
        #expect(credentials.expiration == nil)
    }

    @Test func halfAKeyPairInTheEnvironmentIsAnError() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        let error = try #require(await failure(of: chain(sandbox, ["AWS_ACCESS_KEY_ID": "AKIDENV"])))
        #expect(
            error.message
                == "environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; export both or neither")
    }

    @Test func defaultProfileFromTheCredentialsFile() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        let credentials = try await chain(sandbox).credentials()
        #expect(
            credentials
                == AWSCredentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: secret, source: "profile default"))
    }

    @Test func awsProfileSelectsAProfileFromTheConfigFile() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(
            ".aws/config",
            """
            [default]
            region = eu-west-1
            [profile mnemonica]
            aws_access_key_id = AKIDCONFIG
            aws_secret_access_key = \(secret)
            [mnemonica]
            aws_access_key_id = AKIDNOTAPROFILE
            """)
        let credentials = try await chain(sandbox, ["AWS_PROFILE": "mnemonica"]).credentials()
        #expect(credentials.signing.accessKeyID == "AKIDCONFIG")
        #expect(credentials.source == "profile mnemonica")
    }

    @Test func filesComeFromTheirVariables() async throws {
        let sandbox = try Sandbox()
        let credentialsPath = try sandbox.write("elsewhere/creds", staticKeys)
        let configPath = try sandbox.write(
            "elsewhere/conf", "[profile ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = x\n")
        let variables = ["AWS_SHARED_CREDENTIALS_FILE": credentialsPath, "AWS_CONFIG_FILE": configPath]
        #expect(try await chain(sandbox, profile: "prod", variables).credentials().signing.accessKeyID == "AKIDPROD")
        #expect(try await chain(sandbox, profile: "ops", variables).credentials().signing.accessKeyID == "AKIDOPS")
    }

    @Test func credentialsFileWinsOverConfigFile() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        try sandbox.write(
            ".aws/config", "[profile prod]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = other\n")
        #expect(try await chain(sandbox, profile: "prod").credentials().signing.accessKeyID == "AKIDPROD")
    }

    @Test func unknownProfileNamesTheFilesAndTheProfile() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        try sandbox.write(".aws/config", "[profile ops]\nregion = eu-west-3\n")
        let error = try #require(await failure(of: chain(sandbox, ["AWS_PROFILE": "staging"])))
        #expect(error.kind == .invalidConfiguration)
        #expect(
            error.message
                == "profile \"staging\" (from AWS_PROFILE) not found in \(sandbox.credentialsFile) or \(sandbox.configFile); profiles there: default, ops, prod"
        )
        let explicit = try #require(await failure(of: chain(sandbox, profile: "nope")))
        #expect(
            explicit.message.hasPrefix("profile \"nope\" (from --profile) not found in \(sandbox.credentialsFile) or"))
        // The config's aws.profile is named as such, never as AWS_PROFILE.
        let configured = try #require(await failure(of: chain(sandbox, configuredProfile: "mnemonica")))
        #expect(
            configured.message.hasPrefix(
                "profile \"mnemonica\" (from the config's aws.profile) not found in \(sandbox.credentialsFile) or"))
    }

    /// `--profile` beats AWS_PROFILE, which beats the config's aws.profile, as the AWS CLI ranks them.
    @Test func theConfigsProfileRanksBelowTheArgumentAndAWSPROFILE() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        #expect(
            try await chain(sandbox, configuredProfile: "prod").credentials().signing.accessKeyID == "AKIDPROD")
        let environment = try #require(
            await failure(of: chain(sandbox, configuredProfile: "prod", ["AWS_PROFILE": "staging"])))
        #expect(environment.message.hasPrefix("profile \"staging\" (from AWS_PROFILE)"))
        let argument = try #require(
            await failure(of: chain(sandbox, profile: "nope", configuredProfile: "prod", ["AWS_PROFILE": "prod"])))
        #expect(argument.message.hasPrefix("profile \"nope\" (from --profile)"))
    }

    @Test func halfAKeyPairInAProfileIsAnError() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", "[default]\naws_access_key_id = AKIDHALF\n")
        let error = try #require(await failure(of: chain(sandbox)))
        #expect(
            error.message
                == "\(sandbox.credentialsFile): profile \"default\" has aws_access_key_id but no aws_secret_access_key; add it or remove both"
        )
    }
}

// MARK: - Roles

@Suite struct AssumeRoleTests {
    @Test func roleProfileAssumesTheRoleWithItsSourceProfilesKeys() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        try sandbox.write(
            ".aws/config",
            """
            [profile mnemonica]
            role_arn = arn:aws:iam::828879644785:role/mnemond-readonly
            source_profile = prod
            external_id = ext-42
            role_session_name = mnemond-host1
            region = eu-west-1
            """)
        let sts = RecordingSTS()
        let credentials = try await chain(sandbox, profile: "mnemonica", sts: sts.seam).credentials()
        #expect(
            sts.calls == [
                STSCall(
                    operation: "AssumeRole", roleARN: "arn:aws:iam::828879644785:role/mnemond-readonly",
                    sessionName: "mnemond-host1", externalID: "ext-42", input: "AKIDPROD", region: "eu-west-1")
            ])
        #expect(credentials.signing.accessKeyID == "ASIA-mnemond-readonly")
        #expect(credentials.source == "profile mnemonica (role arn:aws:iam::828879644785:role/mnemond-readonly)")
    }

    @Test func roleWinsOverStaticKeysInTheSameProfileAndRegionComesFromTheEnvironment() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(
            ".aws/credentials",
            """
            [default]
            aws_access_key_id = AKIDSELF
            aws_secret_access_key = \(secret)
            role_arn = arn:aws:iam::1:role/self
            source_profile = default
            """)
        let sts = RecordingSTS()
        let credentials = try await chain(sandbox, ["AWS_REGION": "eu-north-1"], sts: sts.seam).credentials()
        #expect(sts.calls.map(\.input) == ["AKIDSELF"])
        #expect(sts.calls.map(\.region) == ["eu-north-1"])
        #expect(sts.calls.map(\.sessionName) == ["mnemond-\(Int(start.timeIntervalSince1970))"])
        #expect(credentials.signing.accessKeyID == "ASIA-self")
    }

    @Test func chainedRolesAreAssumedInOrder() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        try sandbox.write(
            ".aws/config",
            """
            [profile hop]
            role_arn = arn:aws:iam::1:role/hop
            source_profile = prod
            [profile target]
            role_arn = arn:aws:iam::2:role/target
            source_profile = hop
            """)
        let sts = RecordingSTS()
        let credentials = try await chain(sandbox, profile: "target", sts: sts.seam).credentials()
        #expect(sts.calls.map(\.roleARN) == ["arn:aws:iam::1:role/hop", "arn:aws:iam::2:role/target"])
        #expect(sts.calls.map(\.input) == ["AKIDPROD", "ASIA-hop"])
        #expect(sts.calls.map(\.region) == ["us-east-1", "us-east-1"])
        #expect(credentials.signing.accessKeyID == "ASIA-target")
    }

    @Test func sourceProfileLoopIsReported() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(
            ".aws/config",
            """
            [profile a]
            role_arn = arn:aws:iam::1:role/a
            source_profile = b
            [profile b]
            role_arn = arn:aws:iam::1:role/b
            source_profile = a
            """)
        let error = try #require(await failure(of: chain(sandbox, profile: "a", sts: RecordingSTS().seam)))
        #expect(error.kind == .invalidConfiguration)
        #expect(
            error.message
                == "profile \"a\": source_profile loop \"a\" → \"b\" → \"a\" in \(sandbox.credentialsFile) or \(sandbox.configFile); point one of them at a profile with keys"
        )
    }

    @Test func credentialSourceEnvironmentSignsTheAssumeRole() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(
            ".aws/config",
            "[profile ci]\nrole_arn = arn:aws:iam::1:role/ci\ncredential_source = Environment\n")
        let sts = RecordingSTS()
        let credentials = try await chain(
            sandbox, profile: "ci", ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": secret], sts: sts.seam
        ).credentials()
        #expect(sts.calls.map(\.input) == ["AKIDENV"])
        #expect(credentials.source == "profile ci (role arn:aws:iam::1:role/ci)")
    }

    @Test func roleWithoutASourceIsAnError() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/config", "[default]\nrole_arn = arn:aws:iam::1:role/x\n")
        let error = try #require(await failure(of: chain(sandbox)))
        #expect(
            error.message
                == "profile \"default\" in \(sandbox.configFile) has role_arn but neither source_profile nor credential_source; add one"
        )
    }

    @Test func stsFailureNamesProfileRoleAndRegion() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/credentials", staticKeys)
        try sandbox.write(".aws/config", "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = prod\n")
        let denied = STSCalls(
            assumeRole: { _, _, _, _, _ in throw CredentialsError(.retrievalFailed, "AccessDenied: not authorized") },
            assumeRoleWithWebIdentity: { _, _, _, _ in throw CredentialsError(.retrievalFailed, "unused") })
        let error = try #require(await failure(of: chain(sandbox, profile: "r", sts: denied)))
        #expect(error.kind == .retrievalFailed)
        #expect(
            error.message
                == "profile \"r\": sts:AssumeRole into arn:aws:iam::1:role/r (us-east-1) with credentials from profile prod failed: AccessDenied: not authorized"
        )
    }
}

// MARK: - credential_process

@Suite struct CredentialProcessTests {
    @Test func processOutputWithExpirationIsUsed() async throws {
        let sandbox = try Sandbox()
        let script = try sandbox.write(
            "bin/cred helper.sh",
            """
            #!/bin/sh
            [ "$1" = "--account" ] || { echo "bad arguments: $*" >&2; exit 64; }
            printf '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "2026-11-25T12:30:00Z"}\\n' "$SECRET" "$TOKEN"
            """, executable: true)
        try sandbox.write(".aws/config", "[profile proc]\ncredential_process = \"\(script)\" --account 828879644785\n")
        let credentials = try await chain(sandbox, profile: "proc", ["SECRET": secret, "TOKEN": token]).credentials()
        #expect(
            credentials
                == AWSCredentials(
                    accessKeyID: "AKIDPROC", secretAccessKey: secret, sessionToken: token,
                    expiration: Date(timeIntervalSince1970: 1_795_609_800), source: "profile proc (credential_process)")
        )
    }

    @Test func failingProcessReportsProfileAndFirstStderrLineNotItsOutput() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(
            ".aws/config",
            """
            [profile proc]
            credential_process = echo '{"Version": 1, "SecretAccessKey": "\(secret)"}'; echo 'session expired: run vault login' >&2; echo detail >&2; exit 3
            """)
        let error = try #require(await failure(of: chain(sandbox, profile: "proc")))
        #expect(error.kind == .retrievalFailed)
        #expect(
            error.message
                == "profile \"proc\" in \(sandbox.configFile): credential_process exited with status 3: session expired: run vault login"
        )
    }

    /// A helper waiting for a person (a browser login, a PIN) must not stall the daemon's cycle.
    @Test func aHangingProcessIsKilledAtItsDeadlineAndNamed() async throws {
        let error = try await #require(throws: CredentialsError.self) {
            try await CredentialProcess.credentials(
                command: "echo 'waiting for the browser login' >&2; exec sleep 600", profile: "sso-helper",
                file: "/home/ops/.aws/config", environment: CredentialEnvironment(variables: [:], homeDirectory: "/"),
                timeout: .seconds(1))
        }
        #expect(
            error.message
                == "profile \"sso-helper\" in /home/ops/.aws/config: credential_process did not finish within 1 s and was killed (stderr: waiting for the browser login)"
        )
    }

    struct BadOutput: Sendable, CustomTestStringConvertible {
        var name: String
        var stdout: String
        var problem: String
        var testDescription: String { name }
    }

    static let badOutputs: [BadOutput] = [
        BadOutput(
            name: "not JSON", stdout: "AccessKeyId=AKID SecretAccessKey=\(secret)",
            problem: "is not a JSON object (expected {\"Version\": 1, \"AccessKeyId\": …})"),
        BadOutput(
            name: "missing key id", stdout: "{\"Version\": 1, \"SecretAccessKey\": \"\(secret)\"}",
            problem: "lacks AccessKeyId"),
        BadOutput(
            name: "wrong version",
            stdout: "{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"\(secret)\"}",
            problem: "has Version 2; only Version 1 is supported"),
        BadOutput(
            name: "bad expiration",
            stdout:
                "{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"\(secret)\", \"Expiration\": \"soon\"}",
            problem: "has an Expiration that is not an ISO 8601 time"),
    ]

    @Test(arguments: badOutputs)
    func badOutputIsDescribedWithoutQuotingIt(_ bad: BadOutput) async throws {
        let sandbox = try Sandbox()
        let output = try sandbox.write("out.txt", bad.stdout)
        try sandbox.write(
            ".aws/credentials", "[default]\ncredential_process = cat '\(output)'; echo 'helper: v2 format' >&2\n")
        let error = try #require(await failure(of: chain(sandbox)))
        #expect(
            error.message
                == "profile \"default\" in \(sandbox.credentialsFile): credential_process output \(bad.problem) (stderr: helper: v2 format)"
        )
    }
}

// MARK: - Web identity

@Suite struct WebIdentityTests {
    @Test func tokenFileIsReadAgainAtEveryRefresh() async throws {
        let sandbox = try Sandbox()
        let tokenFile = try sandbox.write("eks/token", "jwt-1\n")
        let clock = ManualClock()
        let sts = RecordingSTS(clock: clock)
        let provider = chain(
            sandbox,
            [
                "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::1:role/eks-mnemond",
                "AWS_ROLE_SESSION_NAME": "pod-1", "AWS_DEFAULT_REGION": "eu-west-1",
            ], sts: sts.seam, clock: clock)

        let first = try await provider.credentials()
        #expect(first.source == "web identity")
        #expect(first.expiration == start.addingTimeInterval(3600))
        try sandbox.write("eks/token", "jwt-2")  // EKS rotates the projected token
        clock.advance(by: 3600 - 299)  // inside the 5-minute refresh window
        let second = try await provider.credentials()

        #expect(
            sts.calls == [
                STSCall(
                    operation: "AssumeRoleWithWebIdentity", roleARN: "arn:aws:iam::1:role/eks-mnemond",
                    sessionName: "pod-1", input: "jwt-1", region: "eu-west-1"),
                STSCall(
                    operation: "AssumeRoleWithWebIdentity", roleARN: "arn:aws:iam::1:role/eks-mnemond",
                    sessionName: "pod-1", input: "jwt-2", region: "eu-west-1"),
            ])
        #expect(second.expiration == start.addingTimeInterval(2 * 3600 - 299))
    }

    @Test func profileWithWebIdentityTokenFile() async throws {
        let sandbox = try Sandbox()
        try sandbox.write("token", "jwt-profile")
        try sandbox.write(
            ".aws/config",
            "[profile eks]\nweb_identity_token_file = ~/token\nrole_arn = arn:aws:iam::1:role/w\nregion = eu-west-3\n")
        let sts = RecordingSTS()
        let credentials = try await chain(sandbox, profile: "eks", sts: sts.seam).credentials()
        #expect(sts.calls.map(\.input) == ["jwt-profile"])
        #expect(sts.calls.map(\.region) == ["eu-west-3"])
        #expect(credentials.source == "profile eks (web identity)")
    }

    @Test func missingTokenFileIsAnError() async throws {
        let sandbox = try Sandbox()
        let error = try #require(
            await failure(
                of: chain(
                    sandbox,
                    ["AWS_WEB_IDENTITY_TOKEN_FILE": sandbox.home + "/nope", "AWS_ROLE_ARN": "arn:aws:iam::1:role/w"])))
        #expect(error.message == "web identity: web identity token file \(sandbox.home)/nope does not exist")
    }
}

// MARK: - Container and EC2 instance metadata (real loopback HTTP)

private func credentialJSON(_ accessKeyID: String, expiration: String = "2026-11-25T18:00:00Z") -> String {
    """
    {"Code": "Success", "LastUpdated": "2026-11-25T12:00:00Z", "Type": "AWS-HMAC", "AccessKeyId": "\(accessKeyID)",
     "SecretAccessKey": "\(secret)", "Token": "\(token)", "Expiration": "\(expiration)", "RoleArn": "arn:aws:iam::1:role/r"}
    """
}

@Suite struct ContainerTests {
    @Test func fullURIWithAuthorizationTokenFileReReadEachTime() async throws {
        try await HTTPRecorder.with { recorder in
            let sandbox = try Sandbox()
            let tokenFile = try sandbox.write("pod-identity/token", "pod-token-1")
            let environment = sandbox.environment([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": recorder.url("/v1/credentials").absoluteString,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored-when-a-file-is-set",
            ])
            try await recorder.enqueue(responses: [
                ScriptedResponse(text: credentialJSON("ASIACONTAINER1")),
                ScriptedResponse(text: credentialJSON("ASIACONTAINER2")),
            ])
            let provider = ContainerCredentialProvider(environment: environment, http: http)

            let first = try await provider.credentials()
            try sandbox.write("pod-identity/token", "pod-token-2")
            let second = try await provider.credentials()

            #expect(
                first
                    == AWSCredentials(
                        accessKeyID: "ASIACONTAINER1", secretAccessKey: secret, sessionToken: token,
                        expiration: Date(timeIntervalSince1970: 1_795_629_600), source: "container"))
            #expect(second.signing.accessKeyID == "ASIACONTAINER2")
            let requests = try await recorder.requests()
            #expect(requests.map(\.method) == ["GET", "GET"])
            #expect(requests.map(\.path) == ["/v1/credentials", "/v1/credentials"])
            #expect(requests.map { $0.header("Authorization") } == ["pod-token-1", "pod-token-2"])
        }
    }

    @Test func chainUsesTheContainerWhenNothingEarlierIsConfigured() async throws {
        try await HTTPRecorder.with { recorder in
            let sandbox = try Sandbox()
            try await recorder.enqueue(responses: [ScriptedResponse(text: credentialJSON("ASIACHAIN"))])
            let credentials = try await chain(
                sandbox,
                [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": recorder.url("/creds").absoluteString,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "static-token",
                ]
            ).credentials()
            #expect(credentials.source == "container")
            #expect(try await recorder.requests().map { $0.header("Authorization") } == ["static-token"])
        }
    }

    @Test func refusedAnswerIsReportedWithStatusAndServerMessage() async throws {
        try await HTTPRecorder.with { recorder in
            let sandbox = try Sandbox()
            try await recorder.enqueue(responses: [
                ScriptedResponse(status: 401, text: #"{"code": "InvalidToken", "message": "token expired"}"#)
            ])
            let error = try #require(
                await failure(
                    of: chain(sandbox, ["AWS_CONTAINER_CREDENTIALS_FULL_URI": recorder.url("/creds").absoluteString])))
            let origin = "http://127.0.0.1:\(recorder.endpoint.port!)"
            #expect(error.kind == .retrievalFailed)
            #expect(error.message == "container: \(origin) answered HTTP 401: InvalidToken: token expired")
        }
    }

    struct Endpoint: Sendable, CustomTestStringConvertible {
        var variables: [String: String]
        var url: String?
        var testDescription: String { variables.map { "\($0)=\($1)" }.joined(separator: " ") }
    }

    static let endpoints: [Endpoint] = [
        Endpoint(
            variables: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"],
            url: "http://169.254.170.2/v2/credentials/abc"),
        Endpoint(
            variables: [
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/x",
            ], url: "http://169.254.170.2/v2/credentials/abc"),
        Endpoint(
            variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials"],
            url: "http://169.254.170.23/v1/credentials"),
        Endpoint(
            variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://[fd00:ec2::23]/v1/credentials"],
            url: "http://[fd00:ec2::23]/v1/credentials"),
        Endpoint(
            variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.2:8080/c"], url: "http://127.0.0.2:8080/c"
        ),
        Endpoint(variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost/c"], url: "http://localhost/c"),
        Endpoint(variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://[::1]:8080/c"], url: "http://[::1]:8080/c"),
        Endpoint(
            variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://creds.example.com/c"],
            url: "https://creds.example.com/c"),
        Endpoint(variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://creds.example.com/c"], url: nil),
        Endpoint(variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.169.254/c"], url: nil),
        Endpoint(variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1.evil.example/c"], url: nil),
    ]

    @Test(arguments: endpoints)
    func plainHTTPIsOnlyAllowedToLocalAgents(_ endpoint: Endpoint) throws {
        let environment = CredentialEnvironment(variables: endpoint.variables, homeDirectory: "/nonexistent")
        if let url = endpoint.url {
            #expect(try ContainerCredentialProvider.endpoint(environment)?.absoluteString == url)
        } else {
            #expect(throws: CredentialsError.self) { try ContainerCredentialProvider.endpoint(environment) }
        }
    }
}

@Suite struct InstanceMetadataTests {
    @Test func imdsV2GetsATokenThenTheRoleThenItsCredentials() async throws {
        try await HTTPRecorder.with { recorder in
            let sandbox = try Sandbox()
            try await recorder.enqueue(responses: [
                ScriptedResponse(text: "imds-session-token"),
                ScriptedResponse(text: "mnemond-instance-role\n"),
                ScriptedResponse(text: credentialJSON("ASIAIMDS")),
            ])
            let credentials = try await chain(
                sandbox,
                [
                    "AWS_EC2_METADATA_DISABLED": "false",
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT": recorder.endpoint.absoluteString + "/",
                ]
            ).credentials()

            #expect(credentials.signing.accessKeyID == "ASIAIMDS")
            #expect(credentials.signing.sessionToken == token)
            #expect(credentials.source == "EC2 instance metadata (role mnemond-instance-role)")
            let requests = try await recorder.requests()
            #expect(
                requests.map { "\($0.method) \($0.path)" } == [
                    "PUT /latest/api/token",
                    "GET /latest/meta-data/iam/security-credentials/",
                    "GET /latest/meta-data/iam/security-credentials/mnemond-instance-role",
                ])
            #expect(requests[0].header("x-aws-ec2-metadata-token-ttl-seconds") == "21600")
            #expect(requests[0].header("x-aws-ec2-metadata-token") == nil)
            #expect(
                requests[1...].map { $0.header("x-aws-ec2-metadata-token") } == [
                    "imds-session-token", "imds-session-token",
                ])
        }
    }

    @Test func tokenRefusedWith403FallsBackToIMDSv1() async throws {
        try await HTTPRecorder.with { recorder in
            let environment = try Sandbox().environment([
                "AWS_EC2_METADATA_DISABLED": "false",
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": recorder.endpoint.absoluteString,
            ])
            try await recorder.enqueue(responses: [
                ScriptedResponse(status: 403, text: ""), ScriptedResponse(text: "r"),
                ScriptedResponse(text: credentialJSON("ASIAV1")),
            ])
            let provider = InstanceMetadataCredentialProvider(environment: environment, http: http)
            #expect(try await provider.credentials().signing.accessKeyID == "ASIAV1")
            #expect(try await recorder.requests().map { $0.header("x-aws-ec2-metadata-token") } == [nil, nil, nil])
        }
    }

    @Test func disabledMetadataIsNeverCalled() async throws {
        try await HTTPRecorder.with { recorder in
            let sandbox = try Sandbox()
            let error = try #require(
                await failure(
                    of: chain(
                        sandbox,
                        [
                            "AWS_EC2_METADATA_DISABLED": "TRUE",
                            "AWS_EC2_METADATA_SERVICE_ENDPOINT": recorder.endpoint.absoluteString,
                        ])))
            #expect(error.kind == .noCredentials)
            #expect(error.message.contains("EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)"))
            #expect(try await recorder.requests().isEmpty)
        }
    }

    @Test func noRoleAttachedIsNotConfigured() async throws {
        try await HTTPRecorder.with { recorder in
            let environment = try Sandbox().environment([
                "AWS_EC2_METADATA_DISABLED": "false",
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": recorder.endpoint.absoluteString,
            ])
            try await recorder.enqueue(responses: [
                ScriptedResponse(text: "t"), ScriptedResponse(status: 404, text: ""),
            ])
            let provider = InstanceMetadataCredentialProvider(environment: environment, http: http)
            let error = try #require(await failure(of: provider))
            #expect(error == .notConfigured("EC2 instance metadata (no IAM role attached to this instance)"))
        }
    }
}

// MARK: - The chain's report

@Suite struct ChainReportTests {
    @Test func nothingFoundListsEverySourceTried() async throws {
        let sandbox = try Sandbox()
        let error = try #require(await failure(of: chain(sandbox)))
        #expect(error.kind == .noCredentials)
        #expect(
            error.message
                == "no AWS credentials found; tried: environment (AWS_ACCESS_KEY_ID not set), web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set), profile \"default\" in \(sandbox.credentialsFile) or \(sandbox.configFile) (neither file exists), container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set), EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true); configure one of them (keys in the environment, a profile via `aws configure`, or an attached IAM role)"
        )
    }

    @Test func unreachableMetadataIsOneTriedEntryAndExplicitProfileSaysWhyEnvironmentWasSkipped() async throws {
        let sandbox = try Sandbox()
        try sandbox.write(".aws/config", "[profile quiet]\nregion = eu-west-1\n")
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let error = try #require(
            await failure(
                of: chain(
                    sandbox, profile: "quiet",
                    ["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1"])))
        #expect(error.kind == .noCredentials)
        #expect(
            error.message.hasPrefix(
                "no AWS credentials found; tried: environment (skipped: profile \"quiet\" was requested explicitly), web identity (profile \"quiet\" has no web_identity_token_file), profile \"quiet\" in \(sandbox.credentialsFile) or \(sandbox.configFile) (no aws_access_key_id, credential_process, role_arn, web_identity_token_file or sso_session), container ("
            ))
        #expect(
            error.message.contains(
                ", EC2 instance metadata (no answer from http://127.0.0.1:1 within 1.0 seconds: PUT 127.0.0.1:1: connect: "
            ))
    }
}

// MARK: - Cache

/// Counts fetches; each fetch waits until the test opens the gate, and answers credentials
/// that expire `lifetime` after the clock's now (nil: long-term keys).
private final class CountingProvider: CredentialProvider {
    let name = "counting"
    let clock: ManualClock
    let lifetime: TimeInterval?
    private let state = Mutex<(fetches: Int, failing: Bool, gate: CheckedContinuation<Void, Never>?, gated: Bool)>(
        (0, false, nil, false))

    init(clock: ManualClock, lifetime: TimeInterval?, gated: Bool = false) {
        self.clock = clock
        self.lifetime = lifetime
        state.withLock { $0.gated = gated }
    }

    var fetches: Int { state.withLock { $0.fetches } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func openGate() {
        let waiter = state.withLock { state in
            state.gated = false
            defer { state.gate = nil }
            return state.gate
        }
        waiter?.resume()
    }

    func credentials() async throws -> AWSCredentials {
        let (number, failing) = state.withLock {
            $0.fetches += 1
            return ($0.fetches, $0.failing)
        }
        await withCheckedContinuation { continuation in
            let wait = state.withLock {
                if $0.gated { $0.gate = continuation }
                return $0.gated
            }
            if !wait { continuation.resume() }
        }
        if failing { throw CredentialsError(.retrievalFailed, "fetch \(number) failed") }
        return AWSCredentials(
            accessKeyID: "AKID\(number)", secretAccessKey: secret, sessionToken: token,
            expiration: lifetime.map { clock.now().addingTimeInterval($0) }, source: "counting")
    }
}

@Suite struct CredentialCacheTests {
    @Test func twentyConcurrentCallersShareOneFetch() async throws {
        let clock = ManualClock()
        let base = CountingProvider(clock: clock, lifetime: 3600, gated: true)
        let cache = CachingCredentialProvider(base, now: clock.now)
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask { try await cache.credentials().signing.accessKeyID }
            }
            // Every caller is inside the cache (one fetching, 19 joined) before the fetch ends.
            while await cache.joinedRefreshWaiters < 19 { await Task.yield() }
            base.openGate()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(base.fetches == 1)
        #expect(keys == Array(repeating: "AKID1", count: 20))
    }

    @Test func refreshesOnlyWithinFiveMinutesOfExpiry() async throws {
        let clock = ManualClock()
        let base = CountingProvider(clock: clock, lifetime: 3600)
        let cache = CachingCredentialProvider(base, now: clock.now)

        #expect(try await cache.credentials().signing.accessKeyID == "AKID1")
        clock.advance(by: 3600 - 301)
        #expect(try await cache.credentials().signing.accessKeyID == "AKID1")
        clock.advance(by: 2)
        #expect(try await cache.credentials().signing.accessKeyID == "AKID2")
        #expect(try await cache.credentials().signing.accessKeyID == "AKID2")
        #expect(base.fetches == 2)
    }

    @Test func longTermKeysAreCachedForever() async throws {
        let clock = ManualClock()
        let base = CountingProvider(clock: clock, lifetime: nil)
        let cache = CachingCredentialProvider(base, now: clock.now)
        _ = try await cache.credentials()
        clock.advance(by: 10 * 365 * 86400)
        _ = try await cache.credentials()
        #expect(base.fetches == 1)
    }

    @Test func failedRefreshKeepsServingUnexpiredCredentialsThenFails() async throws {
        let clock = ManualClock()
        let base = CountingProvider(clock: clock, lifetime: 3600)
        let cache = CachingCredentialProvider(base, now: clock.now)
        _ = try await cache.credentials()
        base.setFailing(true)
        clock.advance(by: 3600 - 60)
        #expect(try await cache.credentials().signing.accessKeyID == "AKID1")
        clock.advance(by: 60)
        await #expect(throws: CredentialsError(.retrievalFailed, "fetch 3 failed")) { try await cache.credentials() }
        base.setFailing(false)
        #expect(try await cache.credentials().signing.accessKeyID == "AKID4")
    }
}

// MARK: - Secrets

@Suite struct CredentialSecretTests {
    @Test func noTextualFormShowsTheSecretOrToken() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLEKEY12", secretAccessKey: secret, sessionToken: token,
            expiration: Date(timeIntervalSince1970: 1_795_629_600), source: "profile mnemonica")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [
            String(describing: credentials), String(reflecting: credentials), dumped, "\(credentials.signing)",
            "\([credentials])",
        ] {
            #expect(!text.contains(secret))
            #expect(!text.contains(token))
        }
        #expect(
            credentials.description
                == "AWSCredentials(source: profile mnemonica, expiration: 2026-11-25T18:00:00Z, signing: SigV4Credentials(accessKeyID: ASIAEXAMPLEKEY12, secretAccessKey: ***, sessionToken: ***))"
        )
    }
}

// MARK: - SSO (IAM Identity Center) against a loopback portal (Tests/Peers/sso_portal.py)

@Suite struct SSOTests {
    static let ssoToken = "aoaAAAAAGzUnitTestSSOAccessToken"
    static let config = """
        [profile watch]
        sso_session = mnemonica
        sso_account_id = 828879644785
        sso_role_name = MnemondReadOnly

        [sso-session mnemonica]
        sso_start_url = https://mnemonica.awsapps.com/start
        sso_region = eu-west-1

        [profile audit]
        role_arn = arn:aws:iam::828879644785:role/mnemond-audit
        source_profile = watch
        region = eu-west-3

        """

    /// sha1("mnemonica"), the file `aws sso login` writes for that session.
    static let cacheFile = ".aws/sso/cache/11eaf49bcd1a5e1b4177ccaaf2c0127342b37a06.json"

    fileprivate func withPortal(_ body: (Sandbox, SSOPortal) async throws -> Void) async throws {
        let portal = try await SSOPortal.start(
            token: Self.ssoToken, account: "828879644785", role: "MnemondReadOnly", accessKeyID: "ASIASSOROLE",
            secretAccessKey: secret)
        let sandbox = try Sandbox()
        try sandbox.write(".aws/config", Self.config)
        // The clock of these tests is fixed in 2026-11; the token expires a day later.
        try sandbox.write(
            Self.cacheFile,
            "{\"accessToken\": \"\(Self.ssoToken)\", \"expiresAt\": \"\(ISO8601DateFormatter().string(from: start.addingTimeInterval(86400)))\"}"
        )
        do {
            try await body(sandbox, portal)
        } catch {
            await portal.stop()
            throw error
        }
        await portal.stop()
    }

    /// The role credentials come from GetRoleCredentials with the cached token, carry the
    /// portal's expiration, and are cached: a second call does not reach the portal.
    @Test func anSSOProfileExchangesTheCachedTokenOnce() async throws {
        try await withPortal { sandbox, portal in
            let provider = chain(
                sandbox, profile: "watch", ["AWS_ENDPOINT_URL_SSO": portal.endpoint.absoluteString])
            let first = try await provider.credentials()
            let second = try await provider.credentials()
            #expect(first.signing.accessKeyID == "ASIASSOROLE")
            #expect(first.signing.sessionToken == "sso-session-token")
            #expect(first.source == "sso profile watch")
            #expect(first.expiration != nil)
            #expect(second == first)
            let calls = try await portal.calls()
            #expect(calls.count == 1)
            #expect(calls.map(\.roleName) == ["MnemondReadOnly"] && calls.map(\.accountID) == ["828879644785"])
            #expect(calls.allSatisfy { $0.authorized })
            #expect(!"\(first)".contains(Self.ssoToken))
        }
    }

    /// An SSO profile as a `source_profile`: its role credentials sign the AssumeRole, as botocore
    /// chains them.
    @Test func anSSOProfileCanBeASourceProfile() async throws {
        try await withPortal { sandbox, portal in
            let sts = RecordingSTS()
            let credentials = try await chain(
                sandbox, profile: "audit", ["AWS_ENDPOINT_URL_SSO": portal.endpoint.absoluteString], sts: sts.seam
            ).credentials()
            #expect(sts.calls.map(\.input) == ["ASIASSOROLE"])
            #expect(sts.calls.map(\.region) == ["eu-west-3"])
            #expect(credentials.signing.accessKeyID == "ASIA-mnemond-audit")
        }
    }

    /// A role the SSO user may not use: the portal's 403 names the action, role and account.
    @Test func aForbiddenRoleNamesTheActionRoleAndAccount() async throws {
        try await withPortal { sandbox, portal in
            try sandbox.write(".aws/config", Self.config.replacingOccurrences(of: "MnemondReadOnly", with: "Admin"))
            let error = await failure(
                of: chain(sandbox, profile: "watch", ["AWS_ENDPOINT_URL_SSO": portal.endpoint.absoluteString]))
            #expect(
                error?.message
                    == "sso:GetRoleCredentials for role Admin in account 828879644785 (profile watch): ForbiddenException"
            )
            #expect(!(error?.message.contains(Self.ssoToken) ?? true))
        }
    }
}
