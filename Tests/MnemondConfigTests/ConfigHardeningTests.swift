import Foundation
import MnemondConfig
import MnemondModel
import Testing

/// Hostile and mistaken config files: messages stay bounded, bytes that are not UTF-8 are named
/// by offset, and closed sets (storage classes, CloudWatch metrics, ARN accounts, control
/// characters in names) fail at load with the line, not later as a finding.
@Suite struct ConfigHardeningTests {
    static let valid = ConfigTests.valid

    static let replicated = """
        account_id: "828879644785"
        buckets:
          - name: mne-media-prod
            region: eu-west-1
            role: source
            noncurrent_days: 35
            replication:
              destination: mne-media-replica
              storage_class: DEEP_ARCHIVE
          - name: mne-media-replica
            region: eu-west-3
            role: replica
            noncurrent_days: 180
        """

    static let monitored =
        valid + """

            monitoring:
              alarms:
                - name: lag
                  metric: ReplicationLatency
                  dimensions: {SourceBucket: mne-media-prod, DestinationBucket: mne-vault-replica, RuleId: r1}
                  topic: arn:aws:sns:eu-west-1:828879644785:alerts
            """

    static let backedUp =
        valid + """

            backup:
              region: eu-west-1
              plan: mnemonica-daily
              rule: daily
              schedule: cron(0 */6 * * ? *)
              interval_hours: 6
              retention_days: 35
              vault: mnemonica-vault
              resource_arn: arn:aws:rds:eu-west-1:828879644785:db:mnemonica-prod
              dr: {region: eu-west-3, vault: mnemonica-dr, retention_days: 90}
            """

    func loadError(_ text: String) -> ConfigError? {
        do {
            _ = try Config.parse(text, file: "mnemond.yaml")
            return nil
        } catch {
            return error
        }
    }

    func loadError(data: Data) -> ConfigError? {
        do {
            _ = try Config.parse(data: data, file: "mnemond.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func theCasesBelowStartFromConfigsThatLoad() throws {
        for text in [Self.valid, Self.replicated, Self.monitored, Self.backedUp] {
            _ = try Config.parse(text, file: "mnemond.yaml")
            _ = try Config.parse(data: Data(text.utf8), file: "mnemond.yaml")
        }
    }

    // MARK: bounded messages

    @Test func aTenMegabyteBadValueIsQuotedToAHundredCharactersWithItsLength() throws {
        let huge = String(repeating: "x", count: 10_000_000)
        let text = Self.valid.replacingOccurrences(of: "region: eu-north-1", with: "region: \(huge)")
        let error = try #require(loadError(text))
        #expect(
            error.description
                == "mnemond.yaml:9:13: buckets[1].region \"\(String(repeating: "x", count: 100))…\" (10000000 characters) is not an AWS region name (e.g. eu-west-1)"
        )
    }

    @Test func aTenMegabyteUnknownKeyIsQuotedToAHundredCharacters() throws {
        // An explicit key ("? key"): YAML allows a plain "key:" of at most 1024 characters.
        let huge = String(repeating: "k", count: 10_000_000)
        let error = try #require(loadError(Self.valid + "\n? \(huge)\n: 1\n"))
        #expect(
            error.description
                == "mnemond.yaml:12:3: unknown key \"\(String(repeating: "k", count: 100))…\" (10000000 characters)")
    }

    @Test func aTenMegabytePlainKeyIsAYAMLErrorThatDoesNotEchoIt() throws {
        let huge = String(repeating: "k", count: 10_000_000)
        let error = try #require(loadError(Self.valid + "\n\(huge): 1\n"))
        #expect(error.description == "mnemond.yaml:12:10000001: invalid YAML: could not find expected ':'")
    }

    @Test func aTenMegabyteLineThatIsNotYAMLIsNotEchoed() throws {
        let huge = String(repeating: "y", count: 10_000_000)
        let error = try #require(loadError(Self.valid + "\n  bad: [\(huge)\n"))
        #expect(error.line != nil)
        #expect(error.description.utf8.count < 300)
        #expect(error.description.hasPrefix("mnemond.yaml:"))
    }

    @Test func aDuplicateKeyNamesTheKeyAndBothLinesNotTheFile() throws {
        let text = Self.valid.replacingOccurrences(
            of: "    noncurrent_days: 35\n", with: "    noncurrent_days: 35\n    noncurrent_days: 36\n")
        let error = try #require(loadError(text))
        #expect(error.description == "mnemond.yaml:7:5: duplicate key \"noncurrent_days\" on lines 6 and 7")
    }

    @Test func aKeyWrittenOncePlainAndOnceQuotedIsADuplicate() throws {
        let quoted = Self.valid.replacingOccurrences(
            of: "    noncurrent_days: 35\n", with: "    noncurrent_days: 35\n    \"noncurrent_days\": 36\n")
        let error = try #require(loadError(quoted))
        #expect(error.description.hasPrefix("mnemond.yaml:"))
        #expect(error.description.contains("duplicate key \"noncurrent_days\""))
        let single = try #require(loadError(Self.valid + "\n'account_id': \"111111111111\"\n"))
        #expect(single.description.contains("duplicate key \"account_id\""))
    }

    @Test func plainScalarsThatYAMLCouldTypeAreReadAsWritten() throws {
        // A plain `yes` is a boolean to YAML's default resolver; mnemond's reader gives values
        // their types, so a bucket named yes is the text the file holds.
        let text = Self.valid.replacingOccurrences(of: "mne-media-prod", with: "yes")
        let config = try Config.parse(text, file: "mnemond.yaml")
        #expect(config.policy.buckets.map(\.name) == ["yes", "mne-vault-replica"])
    }

    @Test func aDuplicateTopLevelKeyNamesBothLines() throws {
        let error = try #require(loadError(Self.valid + "\naccount_id: \"111111111111\"\n"))
        #expect(error.description == "mnemond.yaml:12:1: duplicate key \"account_id\" on lines 1 and 12")
    }

    // MARK: bytes

    @Test(arguments: [
        ([0xFF], "0xFF"), ([0xC3, 0x28], "0xC3"), ([0xED, 0xA0, 0x80], "0xED"), ([0xF4, 0x90, 0x80, 0x80], "0xF4"),
        ([0xE2, 0x82], "0xE2"),
    ])
    func invalidUTF8NamesTheByteOffset(bytes: [UInt8], shownByte: String) throws {
        // "guide: Phase 1" is on line 7; the bad bytes replace the "1".
        var data = Data(Self.valid.utf8)
        let range = try #require(data.range(of: Data("Phase 1".utf8)))
        let offset = range.upperBound - 1
        data.replaceSubrange((offset)..<(offset + 1), with: bytes)
        let error = try #require(loadError(data: data))
        #expect(
            error.description
                == "mnemond.yaml:7:18: invalid UTF-8 at byte offset \(offset) (\(shownByte)): the file must be UTF-8")
    }

    @Test func loadReadsTheBytesAndNamesTheOffsetToo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hardening-\(UUID()).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var data = Data(Self.valid.utf8)
        data.append(contentsOf: [0x20, 0x23, 0x20, 0xC0, 0x0A])  // " # " then an overlong lead byte, on line 11
        try data.write(to: URL(fileURLWithPath: path))
        do {
            _ = try Config.load(path: path)
            Issue.record("a file that is not UTF-8 loaded")
        } catch {
            #expect(
                error.message
                    == "invalid UTF-8 at byte offset \(Self.valid.utf8.count + 3) (0xC0): the file must be UTF-8")
            #expect(error.line == 11)
        }
    }

    @Test func aRawControlByteIsAYAMLErrorNamingItsOffset() throws {
        let text = Self.valid.replacingOccurrences(of: "Phase 1", with: "Phase\u{01}1")
        let offset = try #require(Array(text.utf8).firstIndex(of: 0x01))
        let error = try #require(loadError(text))
        #expect(error.line == 7)
        #expect(error.message == "invalid YAML: control characters are not allowed at byte offset \(offset)")
    }

    // MARK: closed sets

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var error: String
        var testDescription: String { name }
    }

    static let closedSets: [Case] = [
        Case(
            name: "storage class not in S3's set",
            yaml: replicated.replacingOccurrences(
                of: "storage_class: DEEP_ARCHIVE", with: "storage_class: DEEP_ARCHIVES"),
            error:
                #"mnemond.yaml:9:22: buckets[0].replication.storage_class must be one of "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS", "FSX_ONTAP", found "DEEP_ARCHIVES""#
        ),
        Case(
            name: "storage class in lower case",
            yaml: replicated.replacingOccurrences(of: "storage_class: DEEP_ARCHIVE", with: "storage_class: glacier"),
            error:
                #"mnemond.yaml:9:22: buckets[0].replication.storage_class must be one of "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS", "FSX_ONTAP", found "glacier""#
        ),
        Case(
            name: "CloudWatch metric the checks cannot place",
            yaml: monitored.replacingOccurrences(of: "metric: ReplicationLatency", with: "metric: ReplicationLatancy"),
            error:
                #"mnemond.yaml:15:15: monitoring.alarms[0].metric must be one of "BucketSizeBytes", "BytesPendingReplication", "NumberOfObjects", "OperationsFailedReplication", "OperationsPendingReplication", "ReplicationLatency", found "ReplicationLatancy""#
        ),
        Case(
            name: "dimension the metric is not published with",
            yaml: monitored.replacingOccurrences(of: "RuleId: r1", with: "BucketName: r1"),
            error:
                #"mnemond.yaml:16:88: unknown key "BucketName" in monitoring.alarms[0].dimensions"#
        ),
        Case(
            name: "topic ARN with an 11-digit account",
            yaml: monitored.replacingOccurrences(of: ":828879644785:alerts", with: ":82887964478:alerts"),
            error:
                #"mnemond.yaml:17:14: monitoring.alarms[0].topic: the account in "arn:aws:sns:eu-west-1:82887964478:alerts" must be 12 digits, found "82887964478""#
        ),
        Case(
            name: "topic ARN with letters for an account",
            yaml: monitored.replacingOccurrences(of: ":828879644785:alerts", with: ":ACCOUNT:alerts"),
            error:
                #"mnemond.yaml:17:14: monitoring.alarms[0].topic: the account in "arn:aws:sns:eu-west-1:ACCOUNT:alerts" must be 12 digits, found "ACCOUNT""#
        ),
        Case(
            name: "backup resource in another account",
            yaml: backedUp.replacingOccurrences(
                of: "rds:eu-west-1:828879644785:db", with: "rds:eu-west-1:111122223333:db"),
            error:
                #"mnemond.yaml:20:17: backup.resource_arn: the account in "arn:aws:rds:eu-west-1:111122223333:db:mnemonica-prod" is 111122223333, not account_id 828879644785"#
        ),
        Case(
            name: "backup resource that is not an ARN",
            yaml: backedUp.replacingOccurrences(
                of: "arn:aws:rds:eu-west-1:828879644785:db:mnemonica-prod", with: "mnemonica-prod"),
            error:
                #"mnemond.yaml:20:17: backup.resource_arn must be an ARN (arn:aws:SERVICE:REGION:ACCOUNT:…), found "mnemonica-prod""#
        ),
        Case(
            name: "account_id in non-ASCII digits",
            yaml: valid.replacingOccurrences(of: "\"828879644785\"", with: "\"٨٢٨٨٧٩٦٤٤٧٨٥\""),
            error: #"mnemond.yaml:1:13: account_id must be 12 digits (quote it), found "٨٢٨٨٧٩٦٤٤٧٨٥""#
        ),
        Case(
            name: "NUL in a bucket name",
            yaml: valid.replacingOccurrences(of: "- name: mne-media-prod", with: "- name: \"mne-media\\0prod\""),
            error:
                #"mnemond.yaml:3:11: buckets[0].name contains the control character U+0000 at character 10: "mne-media\u{0}prod""#
        ),
        Case(
            name: "escape sequence in a vault name",
            yaml: backedUp.replacingOccurrences(of: "vault: mnemonica-vault", with: "vault: \"mnemonica\\e[31m\""),
            error:
                #"mnemond.yaml:19:10: backup.vault contains the control character U+001B at character 10: "mnemonica\u{1B}[31m""#
        ),
        Case(
            name: "line break in a bucket name",
            yaml: valid.replacingOccurrences(of: "- name: mne-media-prod", with: "- name: \"mne-media\\nprod\""),
            error:
                #"mnemond.yaml:3:11: buckets[0].name contains whitespace (U+000A) at character 10: "mne-media\u{A}prod""#
        ),
        Case(
            name: "space in an RDS identifier",
            yaml: valid + "\nrds:\n  - {identifier: \"mnemonica prod\", region: eu-west-1, retention_days: 7}\n",
            error:
                #"mnemond.yaml:13:18: rds[0].identifier contains whitespace (U+0020) at character 10: "mnemonica prod""#
        ),
    ]

    @Test(arguments: closedSets)
    func closedSetsAreConfigErrorsNamingTheLine(_ c: Case) throws {
        let error = try #require(loadError(c.yaml))
        #expect(error.description == c.error)
    }

    @Test func everyStorageClassOfS3Loads() throws {
        for storageClass in [
            "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
            "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS", "FSX_ONTAP",
        ] {
            let text = Self.replicated.replacingOccurrences(of: "DEEP_ARCHIVE", with: storageClass)
            let config = try Config.parse(text, file: "mnemond.yaml")
            #expect(config.policy.buckets[0].replication?.storageClass == storageClass)
        }
    }

    @Test func anS3ResourceARNHasNoAccountAndLoads() throws {
        let text = Self.backedUp.replacingOccurrences(
            of: "arn:aws:rds:eu-west-1:828879644785:db:mnemonica-prod", with: "arn:aws:s3:::mne-media-prod")
        let config = try Config.parse(text, file: "mnemond.yaml")
        #expect(config.policy.backup?.resourceARN == "arn:aws:s3:::mne-media-prod")
    }
}
