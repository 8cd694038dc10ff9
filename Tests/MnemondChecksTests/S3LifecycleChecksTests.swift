import Foundation
import MnemondChecks
import MnemondModel
import Testing

private let replica = BucketPolicy(
    name: "mne-media-replica", region: "eu-west-3", role: .replica, noncurrentDays: 180, guide: "Phase 2")
private let source = BucketPolicy(
    name: "mne-media-prod", region: "eu-west-1", role: .source, noncurrentDays: 35, guide: "Phase 1")

struct NoncurrentCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bucket: BucketPolicy
    var rules: [LifecycleRule]
    var state: CheckState
    var message: String
    var found: String
    var testDescription: String { name }
}

@Suite struct S3LifecycleNoncurrentTests {
    static let cases: [NoncurrentCase] = [
        NoncurrentCase(
            name: "replica at the promised 180 d is OK", bucket: replica,
            rules: [LifecycleRule(id: "r", noncurrentExpirationDays: 180)], state: .ok,
            message: "mne-media-replica: noncurrent versions expire after 180 d as the guide requires", found: "180 d"),
        NoncurrentCase(
            name: "replica at 15 d loses versions: critical", bucket: replica,
            rules: [LifecycleRule(id: "r", noncurrentExpirationDays: 15)], state: .critical,
            message:
                "mne-media-replica: noncurrent versions expire after 15 d; guide requires 180 d (Phase 2) — versions older than 15 d are unrecoverable",
            found: "15 d"),
        NoncurrentCase(
            name: "source at 180 d keeps too long: warning", bucket: source,
            rules: [LifecycleRule(id: "s", noncurrentExpirationDays: 180)], state: .warning,
            message: "mne-media-prod: noncurrent versions expire after 180 d; guide requires 35 d (Phase 1)",
            found: "180 d"),
        NoncurrentCase(
            name: "no lifecycle at all: warning", bucket: replica, rules: [], state: .warning,
            message:
                "mne-media-replica: no lifecycle configuration — noncurrent versions are kept forever; guide requires expiry after 180 d (Phase 2)",
            found: "no lifecycle"),
        NoncurrentCase(
            name: "rules without noncurrent expiration: warning", bucket: replica,
            rules: [LifecycleRule(id: "t", transitions: [.init(days: 0, storageClass: "INTELLIGENT_TIERING")])],
            state: .warning,
            message:
                "mne-media-replica: no rule expires noncurrent versions — noncurrent versions are kept forever; guide requires expiry after 180 d (Phase 2)",
            found: "none"),
        NoncurrentCase(
            name: "a disabled rule does not count", bucket: replica,
            rules: [LifecycleRule(id: "r", enabled: false, noncurrentExpirationDays: 180)], state: .warning,
            message:
                "mne-media-replica: no rule expires noncurrent versions — noncurrent versions are kept forever; guide requires expiry after 180 d (Phase 2)",
            found: "none"),
        NoncurrentCase(
            name: "a prefix rule with fewer days is critical", bucket: replica,
            rules: [
                LifecycleRule(id: "all", noncurrentExpirationDays: 180),
                LifecycleRule(id: "tmp", prefix: "tmp/", noncurrentExpirationDays: 7),
            ],
            state: .critical,
            message:
                "mne-media-replica: noncurrent versions under prefix \"tmp/\" (rule tmp) expire after 7 d; guide requires 180 d (Phase 2)",
            found: "7 d"),
        NoncurrentCase(
            name: "the shortest whole-bucket rule wins", bucket: replica,
            rules: [
                LifecycleRule(id: "a", noncurrentExpirationDays: 180),
                LifecycleRule(id: "b", noncurrentExpirationDays: 30),
            ],
            state: .critical,
            message:
                "mne-media-replica: noncurrent versions expire after 30 d; guide requires 180 d (Phase 2) — versions older than 30 d are unrecoverable",
            found: "30 d"),
    ]

    @Test(arguments: cases)
    func noncurrentRetention(_ c: NoncurrentCase) {
        let finding = S3LifecycleChecks.noncurrentFinding(c.bucket, rules: c.rules)
        #expect(finding.state == c.state)
        #expect(finding.message == c.message)
        #expect(finding.found == c.found)
        #expect(finding.expected == "\(c.bucket.noncurrentDays) d")
        #expect((finding.runbook != nil) == (c.state != .ok))
    }

    @Test func unavailableEvidenceIsUnknownNamingActionAndCode() {
        let policy = Policy(accountID: "828879644785", buckets: [replica, source])
        let denied = Unavailable(
            action: "s3:GetBucketLifecycleConfiguration", resource: "mne-media-replica", region: "eu-west-3",
            code: "AccessDenied", message: "Access Denied (HTTP 403)")
        let observations = Observations(
            collectedAt: Date(),
            buckets: [
                BucketObservation(
                    bucket: "mne-media-replica", region: "eu-west-3", versioning: .value(.enabled),
                    lifecycle: .unavailable(denied)),
                BucketObservation(
                    bucket: "mne-media-prod", region: "eu-west-1", versioning: .value(.enabled),
                    lifecycle: .value([LifecycleRule(noncurrentExpirationDays: 35)])),
            ])
        let findings = Catalog.evaluate(policy, observations, now: Date())
            .filter { $0.check == "s3.lifecycle.noncurrent" }
        let byBucket = Dictionary(uniqueKeysWithValues: findings.map { ($0.resource, $0) })
        #expect(byBucket["mne-media-replica"]?.state == .unknown)
        #expect(
            byBucket["mne-media-replica"]?.message
                == "mne-media-replica: cannot evaluate — s3:GetBucketLifecycleConfiguration on mne-media-replica (eu-west-3): AccessDenied — Access Denied (HTTP 403)"
        )
        #expect(byBucket["mne-media-prod"]?.state == .ok)
    }

    @Test func aBucketMissingFromTheObservationsIsUnknown() {
        let policy = Policy(accountID: "828879644785", buckets: [replica])
        let findings = Catalog.evaluate(policy, Observations(collectedAt: Date()), now: Date())
            .filter { $0.resource == "mne-media-replica" }
        #expect(Set(findings.map(\.check)).isSuperset(of: ["s3.versioning", "s3.lifecycle.noncurrent"]))
        #expect(findings.allSatisfy { $0.state == .unknown && $0.message.contains("no observation was collected") })
    }

    @Test func acceptedRiskIsAttachedAndCountsAsOKUntilItExpires() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let risk = AcceptedRisk(
            check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", reason: "migration in progress",
            until: now.addingTimeInterval(3600))
        let policy = Policy(accountID: "828879644785", buckets: [replica], acceptedRisks: [risk])
        let observations = Observations(
            collectedAt: now,
            buckets: [
                BucketObservation(
                    bucket: "mne-media-replica", region: "eu-west-3", versioning: .value(.enabled),
                    lifecycle: .value([LifecycleRule(noncurrentExpirationDays: 15)]))
            ])
        let during = Catalog.evaluate(policy, observations, now: now).first { $0.check == "s3.lifecycle.noncurrent" }!
        #expect(during.state == .critical)
        #expect(during.effectiveState == .ok)
        let after = Catalog.evaluate(policy, observations, now: now.addingTimeInterval(7200))
            .first { $0.check == "s3.lifecycle.noncurrent" }!
        #expect(after.acceptedRisk == nil)
        #expect(after.effectiveState == .critical)
    }
}

@Suite struct S3VersioningTests {
    @Test(arguments: [
        (VersioningStatus.enabled, CheckState.ok), (.suspended, .critical), (.never, .critical),
    ])
    func versioningMustBeEnabled(status: VersioningStatus, state: CheckState) {
        let policy = Policy(accountID: "828879644785", buckets: [source])
        let observations = Observations(
            collectedAt: Date(),
            buckets: [
                BucketObservation(
                    bucket: "mne-media-prod", region: "eu-west-1", versioning: .value(status), lifecycle: .value([]))
            ])
        let finding = Catalog.evaluate(policy, observations, now: Date()).first { $0.check == "s3.versioning" }!
        #expect(finding.state == state)
        #expect(finding.resource == "mne-media-prod")
        #expect(finding.found == status.rawValue)
    }
}

@Suite struct CheckStateTests {
    @Test func criticalOutranksUnknownOutranksWarning() {
        #expect(CheckState.worst([.ok, .warning, .unknown]) == .unknown)
        #expect(CheckState.worst([.unknown, .critical]) == .critical)
        #expect(CheckState.worst([]) == .ok)
    }

    @Test func secretsNeverPrint() {
        let secret = Secret("fake-test-secret/not-a-real-aws-key/0002")
        #expect("\(secret)" == "***")
        #expect(String(reflecting: secret) == "***")
        #expect(!"\(Mirror(reflecting: secret).children.map { "\($0.value)" })".contains("wJalr"))
    }
}
