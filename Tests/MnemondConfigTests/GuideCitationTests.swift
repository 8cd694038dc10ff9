import Foundation
import MnemondConfig
import MnemondModel
import Testing

/// The shipped configuration promises only what the guide says, and says where.
@Suite struct GuideCitationTests {
    /// The guide's headings: "Phase 2A: S3 Vault Source Bucket Configuration ¶" → "Phase 2A".
    static func headings() throws -> Set<String> {
        let guide = try String(contentsOfFile: guideFixture, encoding: .utf8)
        var found: Set<String> = []
        for line in guide.split(separator: "\n") where line.hasSuffix("¶") {
            for kind in ["Phase ", "Step "] where line.hasPrefix(kind) {
                if let colon = line.firstIndex(of: ":") { found.insert(String(line[..<colon])) }
            }
        }
        return found
    }

    /// Every "Phase N" / "Step N.M" in the file, comments included.
    static func citations(_ text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\b(Phase|Step) [0-9][0-9A-Z]*(\.[0-9]+)?"#)
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).map { String(text[Range($0.range, in: text)!]) }
    }

    @Test func everyPhaseOrStepTheShippedConfigCitesIsAHeadingOfTheGuide() throws {
        let headings = try Self.headings()
        #expect(headings.contains("Step 2A.1"))
        let cited = Self.citations(try String(contentsOfFile: repoConfig, encoding: .utf8))
        #expect(cited.count > 10)
        let unknown = Set(cited).subtracting(headings)
        #expect(unknown.isEmpty, "cited but not in the guide: \(unknown.sorted())")
    }

    @Test func theShippedConfigRequiresEncryptionOnlyWhereTheGuideStatesIt() throws {
        let config = try Config.load(path: repoConfig)
        let promised = config.policy.buckets.compactMap { bucket in bucket.encryption.map { (bucket.name, $0.guide) } }
        #expect(promised.map(\.0) == ["mne-vault-prod", "mne-vault-replica"])
        #expect(promised.map(\.1) == ["Step 2A.1", "Step 2B.1"])
    }

    @Test func anEncryptionPromiseWithoutGuideStaysValid() throws {
        let yaml = """
            account_id: "828879644785"
            buckets:
              - name: mne-vault-prod
                region: eu-west-1
                role: source
                noncurrent_days: 35
                guide: Phase 2A
                encryption: {algorithm: AES256, bucket_key: true}
            """
        let config = try Config.parse(yaml, file: "old.yaml")
        #expect(config.policy.buckets.first?.encryption == EncryptionPromise(algorithm: "AES256", bucketKey: true))
    }
}
