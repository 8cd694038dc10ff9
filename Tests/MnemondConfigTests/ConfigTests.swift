import Foundation
import MnemondChecks
import MnemondConfig
import MnemondModel
import Testing

/// Config errors are asserted verbatim: the message is the interface an operator reads.
@Suite struct ConfigTests {
    static let valid = """
        account_id: "828879644785"
        buckets:
          - name: mne-media-prod
            region: eu-west-1
            role: source
            noncurrent_days: 35
            guide: Phase 1
          - name: mne-vault-replica
            region: eu-north-1
            role: replica
            noncurrent_days: 180
        """

    @Test func theShippedConfigEncodesTheGuidesFourBuckets() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("etc/mnemond.yaml")
        let config = try Config.load(path: url.path)
        #expect(config.policy.accountID == "828879644785")
        // No profile: the service takes the default chain (instance role, IRSA, task role).
        #expect(config.aws.profile == nil)
        let promises = config.policy.buckets.map { "\($0.name) \($0.region) \($0.role.rawValue) \($0.noncurrentDays)" }
        #expect(
            promises == [
                "mne-media-prod eu-west-1 source 35", "mne-vault-prod eu-west-1 source 35",
                "mne-media-replica eu-west-3 replica 180", "mne-vault-replica eu-north-1 replica 180",
            ])
    }

    @Test func aValidConfigDecodesWithDefaults() throws {
        let config = try Config.parse(Self.valid, file: "etc/mnemond.yaml")
        #expect(config.policy.buckets.count == 2)
        #expect(config.policy.buckets[1].guide == "the guide")
        #expect(config.storePath == "/var/lib/mnemond/mnemond.sqlite")
        #expect(config.aws.maxConcurrentRequests == 8)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var error: String
        var testDescription: String { name }
    }

    static let invalid: [Invalid] = [
        Invalid(
            name: "misspelt key with suggestion",
            yaml: valid.replacingOccurrences(of: "    noncurrent_days: 180", with: "    noncurent_days: 180"),
            error:
                #"etc/mnemond.yaml:11:5: unknown key "noncurent_days" in buckets[1] (did you mean "noncurrent_days"?)"#),
        Invalid(
            name: "wrong type",
            yaml: valid.replacingOccurrences(of: "noncurrent_days: 35", with: "noncurrent_days: thirty-five"),
            error: #"etc/mnemond.yaml:6:22: buckets[0].noncurrent_days must be a whole number, found "thirty-five""#),
        Invalid(
            name: "missing region",
            yaml: valid.replacingOccurrences(of: "    region: eu-north-1\n", with: ""),
            error: #"etc/mnemond.yaml:8:5: missing key "region" in buckets[1]"#),
        Invalid(
            name: "not a region",
            yaml: valid.replacingOccurrences(of: "region: eu-north-1", with: "region: stockholm"),
            error: #"etc/mnemond.yaml:9:13: buckets[1].region "stockholm" is not an AWS region name (e.g. eu-west-1)"#),
        Invalid(
            name: "bad role",
            yaml: valid.replacingOccurrences(of: "role: replica", with: "role: copy"),
            error: #"etc/mnemond.yaml:10:11: buckets[1].role must be one of "source", "replica", found "copy""#),
        Invalid(
            name: "unknown top-level key",
            yaml: "acount_id: \"828879644785\"\n" + valid.split(separator: "\n").dropFirst().joined(separator: "\n"),
            error: #"etc/mnemond.yaml:1:1: unknown key "acount_id" (did you mean "account_id"?)"#),
        Invalid(
            name: "account id unquoted with too few digits",
            yaml: valid.replacingOccurrences(of: "\"828879644785\"", with: "8288796"),
            error: #"etc/mnemond.yaml:1:13: account_id must be 12 digits (quote it), found "8288796""#),
        Invalid(
            name: "YAML syntax error",
            yaml: valid + "\n  - name: [unclosed\n",
            error: "etc/mnemond.yaml:13:1: invalid YAML: did not find expected ',' or ']'"),
        Invalid(
            name: "accepted risk naming an unknown check",
            yaml: valid + "\naccepted_risks:\n  - check: s3.lifecycle.noncurent\n    reason: x\n",
            error:
                #"etc/mnemond.yaml:13:12: accepted_risks[0].check: unknown check "s3.lifecycle.noncurent" (did you mean "s3.lifecycle.noncurrent"?)"#
        ),
        Invalid(
            name: "duplicate bucket",
            yaml: valid
                + "\n  - name: mne-media-prod\n    region: eu-west-1\n    role: source\n    noncurrent_days: 35\n",
            error: #"etc/mnemond.yaml:12:5: buckets[2]: bucket "mne-media-prod" is listed twice"#),
    ]

    @Test(arguments: invalid)
    func invalidConfigNamesFileLineAndKey(_ c: Invalid) {
        let catalog = Catalog.all.map(\.id)
        #expect(throws: ConfigError.self) {
            try Config.parse(c.yaml, file: "etc/mnemond.yaml").validated(knownChecks: catalog)
        }
        do {
            _ = try Config.parse(c.yaml, file: "etc/mnemond.yaml").validated(knownChecks: catalog)
        } catch {
            #expect(error.description == c.error)
        }
    }

    @Test func aMissingFileSaysSo() {
        do {
            _ = try Config.load(path: "/nonexistent/mnemond.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/mnemond.yaml: cannot read:"))
        }
    }
}

@Suite struct RecoveryPathConfigTests {
    static let withBackup =
        ConfigTests.valid + """

            backup:
              region: eu-west-1
              plan: p
              rule: r
              schedule: "cron(0 */6 * * ? *)"
              interval_hours: 6
              retention_days: 180
              vault: v
              resource_arn: arn:aws:rds:eu-west-1:828879644785:db:eks-mnemonica-prod
              dr: {region: eu-west-3, vault: v-dr, retention_days: 180}
            """

    @Test func defaultsFollowTheGuidesRestoreCommands() throws {
        let recovery = try #require(try Config.parse(Self.withBackup, file: "etc/mnemond.yaml").policy.recoveryPath)
        #expect(recovery.restoreRoleARN == "arn:aws:iam::828879644785:role/service-role/AWSBackupDefaultServiceRole")
        #expect(recovery.drInstance == "eks-mnemonica-prod-dr")
        #expect(recovery.sourceInstance == "eks-mnemonica-prod" && recovery.sourceRegion == "eu-west-1")
        #expect(recovery.dbSubnetGroup == nil)
    }

    @Test func theLandingZoneNamesAreConfigurable() throws {
        let text =
            Self.withBackup + """

                recovery_path:
                  dr_instance: restored
                  dr_landing_zone: {db_subnet_group: dr-subnets, option_group: dr-options}
                """
        let recovery = try #require(try Config.parse(text, file: "etc/mnemond.yaml").policy.recoveryPath)
        #expect(recovery.drInstance == "restored")
        #expect(
            recovery.dbSubnetGroup == "dr-subnets" && recovery.optionGroup == "dr-options"
                && recovery.dbParameterGroup == nil)
    }

    @Test func aRestoreRoleThatIsNotARoleARNIsAnError() {
        let text = Self.withBackup + "\nrecovery_path:\n  restore_role_arn: AWSBackupDefaultServiceRole\n"
        #expect {
            try Config.parse(text, file: "etc/mnemond.yaml")
        } throws: { error in
            "\(error)"
                == #"etc/mnemond.yaml:23:21: recovery_path.restore_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), found "AWSBackupDefaultServiceRole""#
        }
    }

    @Test func theS3RecoveryOperatorHasNoDefaultAndTakesANameOrAnARN() throws {
        #expect(
            try Config.parse(Self.withBackup, file: "etc/mnemond.yaml").policy.recoveryPath?.s3RecoveryOperatorRole
                == nil)
        for role in ["mnemonica-recovery-operator", "arn:aws:iam::828879644785:role/ops/mnemonica-recovery-operator"] {
            let text = Self.withBackup + "\nrecovery_path:\n  s3_recovery_operator_role: \(role)\n"
            #expect(
                try Config.parse(text, file: "etc/mnemond.yaml").policy.recoveryPath?.s3RecoveryOperatorRole == role)
        }
        let shipped = try Config.load(path: repoConfig).policy.recoveryPath
        #expect(shipped?.s3RecoveryOperatorRole == "mnemonica-recovery-operator")
    }

    @Test func anS3RecoveryOperatorThatIsNeitherANameNorAnARNIsAnError() {
        let text = Self.withBackup + "\nrecovery_path:\n  s3_recovery_operator_role: \"on call\"\n"
        #expect {
            try Config.parse(text, file: "etc/mnemond.yaml")
        } throws: { error in
            "\(error)"
                == #"etc/mnemond.yaml:23:30: recovery_path.s3_recovery_operator_role must be an IAM role name or ARN (arn:aws:iam::ACCOUNT:role/NAME), found "on call""#
        }
    }

    @Test func withoutBackupTheSectionIsAnError() {
        #expect(throws: ConfigError.self) {
            try Config.parse(ConfigTests.valid + "\nrecovery_path:\n  dr_instance: x\n", file: "etc/mnemond.yaml")
        }
    }
}

/// `aws.ca_bundle` and `aws.max_attempts`, with AWS_CA_BUNDLE and AWS_MAX_ATTEMPTS beating them
/// as with the AWS CLI.
@Suite struct AWSSettingsTests {
    static func config(_ aws: String) throws -> Config {
        try Config.parse(
            """
            account_id: "828879644785"
            aws:
            \(aws)
            buckets:
              - name: b
                region: eu-west-1
                role: source
                noncurrent_days: 35
            """, file: "t.yaml")
    }

    @Test func theConfigSetsThemAndTheEnvironmentBeatsIt() throws {
        let config = try Self.config("  ca_bundle: /etc/ssl/private-ca.pem\n  max_attempts: 5")
        #expect(config.aws.caBundle == "/etc/ssl/private-ca.pem")
        #expect(
            try config.aws.effective(environment: [:])
                == .init(caBundle: "/etc/ssl/private-ca.pem", maxAttempts: 5, retryMode: .standard))
        let overridden = try config.aws.effective(environment: [
            "AWS_CA_BUNDLE": "/tmp/other.pem", "AWS_MAX_ATTEMPTS": "8",
        ])
        #expect(overridden == .init(caBundle: "/tmp/other.pem", maxAttempts: 8, retryMode: .standard))
        let defaults = try Self.config("  max_concurrent_requests: 4")
        #expect(
            try defaults.aws.effective(environment: [:]) == .init(caBundle: nil, maxAttempts: 3, retryMode: .standard))
    }

    /// Unset, `aws.max_concurrent_requests` scales with the buckets: 8 up to 64 buckets, one
    /// more per 8 buckets, at most 32. A value in the config is kept whatever the estate.
    @Test func concurrencyScalesWithTheBucketsUnlessSet() throws {
        #expect(Config.AWS.defaultMaxConcurrentRequests(buckets: 1) == 8)
        #expect(Config.AWS.defaultMaxConcurrentRequests(buckets: 64) == 8)
        #expect(Config.AWS.defaultMaxConcurrentRequests(buckets: 100) == 13)
        #expect(Config.AWS.defaultMaxConcurrentRequests(buckets: 256) == 32)
        #expect(Config.AWS.defaultMaxConcurrentRequests(buckets: 1_000) == 32)
        let buckets = (0..<200).map {
            "  - {name: b\($0), region: eu-west-1, role: source, noncurrent_days: 35}"
        }.joined(separator: "\n")
        let large = try Config.parse(
            "account_id: \"828879644785\"\nbuckets:\n\(buckets)\n", file: "t.yaml")
        #expect(large.aws.maxConcurrentRequests == 25)
        let set = try Config.parse(
            "account_id: \"828879644785\"\naws:\n  max_concurrent_requests: 4\nbuckets:\n\(buckets)\n", file: "t.yaml")
        #expect(set.aws.maxConcurrentRequests == 4)
        #expect(try Self.config("  request_timeout_seconds: 30").aws.maxConcurrentRequests == 8)
    }

    @Test func outOfRangeValuesAreErrorsNamingTheirSource() throws {
        #expect(throws: ConfigError.self) { try Self.config("  max_attempts: 0") }
        let config = try Self.config("  max_attempts: 2")
        do {
            _ = try config.aws.effective(environment: ["AWS_MAX_ATTEMPTS": "many"])
            Issue.record("AWS_MAX_ATTEMPTS=many was accepted")
        } catch {
            #expect(error.description.contains("AWS_MAX_ATTEMPTS must be a whole number from 1 to 20, found \"many\""))
        }
    }

    /// Each setting from the first source that sets it: environment, this config, the shared
    /// config's profile, the default (5 attempts in the legacy mode, as botocore's).
    @Test(arguments: [
        (aws: "  max_concurrent_requests: 4", env: [String: String](), profile: false, expected: (3, "standard")),
        (aws: "  max_concurrent_requests: 4", env: [:], profile: true, expected: (7, "adaptive")),
        (aws: "  retry_mode: legacy", env: [:], profile: false, expected: (5, "legacy")),
        (aws: "  retry_mode: legacy", env: [:], profile: true, expected: (7, "legacy")),
        (aws: "  max_attempts: 2", env: [:], profile: true, expected: (2, "adaptive")),
        (
            aws: "  retry_mode: standard", env: ["AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "4"], profile: true,
            expected: (4, "adaptive")
        ),
    ])
    func retrySettingsFollowTheCLIsPrecedence(
        aws: String, env: [String: String], profile: Bool, expected: (Int, String)
    ) throws {
        let shared = Config.AWS.SharedProfile(
            source: "/h/.aws/config, profile p", caBundle: "/p.pem", maxAttempts: "7", retryMode: "adaptive")
        let effective = try Self.config(aws).aws.effective(environment: env, profile: profile ? shared : nil)
        #expect(effective.maxAttempts == expected.0)
        #expect(effective.retryMode.rawValue == expected.1)
        #expect(effective.caBundle == (profile ? "/p.pem" : nil))
    }

    @Test(arguments: [
        (
            env: ["AWS_RETRY_MODE": "fast"], profile: nil as String?,
            message: "environment: AWS_RETRY_MODE must be legacy, standard or adaptive, found \"fast\""
        ),
        (
            env: [:], profile: "fast",
            message: "/h/.aws/config, profile p: retry_mode must be legacy, standard or adaptive, found \"fast\""
        ),
    ])
    func aBadRetryModeNamesItsSource(env: [String: String], profile: String?, message: String) throws {
        let config = try Self.config("  max_concurrent_requests: 4")
        do {
            _ = try config.aws.effective(
                environment: env,
                profile: profile.map { .init(source: "/h/.aws/config, profile p", retryMode: $0) })
            Issue.record("retry mode \(env) \(profile ?? "") was accepted")
        } catch {
            #expect(error.description == message)
        }
        #expect(throws: ConfigError.self) { try Self.config("  retry_mode: fast") }
    }

    @Test func aBadMaxAttemptsInTheProfileNamesFileAndProfile() throws {
        let config = try Self.config("  max_concurrent_requests: 4")
        do {
            _ = try config.aws.effective(
                environment: [:], profile: .init(source: "/h/.aws/config, profile p", maxAttempts: "0"))
            Issue.record("max_attempts = 0 was accepted")
        } catch {
            #expect(
                error.description
                    == "/h/.aws/config, profile p: max_attempts must be a whole number from 1 to 20, found \"0\"")
        }
        // The environment's value wins, so the profile's bad one is never read.
        #expect(
            try config.aws.effective(
                environment: ["AWS_MAX_ATTEMPTS": "4"], profile: .init(source: "p", maxAttempts: "0")
            ).maxAttempts == 4)
    }
}
