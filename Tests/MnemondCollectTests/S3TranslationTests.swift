import Foundation
import MnemondAWS
import MnemondModel
import Testing

@testable import MnemondCollect

/// S3's answers (as recorded from S3 and the simulator) → typed observations.
@Suite struct S3TranslationTests {
    @Test func lifecycleRulesKeepTheFieldsThePromisesNeed() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Rule>
                <ID>intelligent-tiering-35d</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>
                <Transition><Days>0</Days><StorageClass>INTELLIGENT_TIERING</StorageClass></Transition>
                <NoncurrentVersionExpiration><NoncurrentDays>35</NoncurrentDays></NoncurrentVersionExpiration>
              </Rule>
              <Rule>
                <ID>tmp</ID><Filter><And><Prefix>tmp/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>
                <Status>Disabled</Status><Expiration><Days>30</Days></Expiration>
                <AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>
              </Rule>
              <Rule><ID>legacy</ID><Prefix>logs/</Prefix><Status>Enabled</Status>
                <NoncurrentVersionExpiration><NoncurrentDays>10</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration>
              </Rule>
            </LifecycleConfiguration>
            """
        let rules = try S3Collector.lifecycleRules(try XMLTree.parse(Data(xml.utf8)))
        #expect(rules.count == 3)
        #expect(
            rules[0]
                == LifecycleRule(
                    id: "intelligent-tiering-35d", enabled: true, prefix: "", noncurrentExpirationDays: 35,
                    transitions: [.init(days: 0, storageClass: "INTELLIGENT_TIERING")]))
        #expect(rules[0].coversWholeBucket)
        #expect(rules[1].enabled == false)
        #expect(rules[1].prefix == "tmp/")
        #expect(rules[1].hasNarrowingFilter)
        #expect(rules[1].expirationDays == 30)
        #expect(rules[1].abortIncompleteMultipartDays == 7)
        #expect(rules[2].prefix == "logs/")
        #expect(rules[2].newerNoncurrentVersions == 3)
        #expect(!rules[2].coversWholeBucket)
    }

    @Test(arguments: [
        ("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", VersioningStatus.enabled),
        ("<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>", .suspended),
        ("<VersioningConfiguration/>", .never),
    ])
    func versioningStatus(xml: String, status: VersioningStatus) throws {
        #expect(try S3Collector.versioning(try XMLTree.parse(Data(xml.utf8))) == status)
    }

    @Test func anAWSErrorBecomesUnavailableWithActionAndCode() {
        let error = AWSError(
            kind: .service, service: "s3", action: "GetBucketVersioning", region: "eu-north-1",
            resource: "mne-vault-replica", status: 403, code: "AccessDenied", message: "Access Denied")
        let reason = Unavailable(
            error, action: "s3:GetBucketVersioning", resource: "mne-vault-replica", region: "eu-north-1")
        #expect(
            reason.description
                == "s3:GetBucketVersioning on mne-vault-replica (eu-north-1): AccessDenied — Access Denied (HTTP 403)")
    }
}
