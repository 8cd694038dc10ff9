import Foundation
import MnemondModel
import Testing

@testable import MnemondConfig

/// `estates:`: one file, several accounts. Shared keys are each estate's defaults, an estate's own
/// key replaces the shared one whole, a shared store or textfile becomes one file per estate, and
/// every mistake is a located error naming the estate.
@Suite struct EstatesConfigTests {
    static let shared = """
        account_id: "828879644785"
        store:
          path: /var/lib/mnemond/mnemond.sqlite
        prometheus_textfile: /var/lib/node_exporter/mnemond.prom
        metrics:
          listen: 127.0.0.1:9464
        buckets:
          - name: mne-media-replica
            region: eu-west-3
            role: replica
            noncurrent_days: 180
        alerting:
          channels:
            alertmanager:
              url: http://127.0.0.1:9093
        """

    func parse(_ estates: String) throws(ConfigError) -> [Config] {
        try Config.parseEstates(Self.shared + "\n" + estates, file: "org.yaml")
    }

    func error(_ estates: String) -> String {
        do {
            _ = try parse(estates)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func eachEstateIsTheSharedKeysWithItsOwnOverThem() throws {
        let estates = try parse(
            """
            estates:
              - name: prod-eu
                role_arn: arn:aws:iam::111111111111:role/mnemond-reader
                external_id: org-7f3e
              - name: staging
                account_id: "222222222222"
                role_session_name: mnemond-staging-ro
                store:
                  path: /srv/staging.sqlite
                buckets:
                  - name: stg-media
                    region: eu-west-1
                    role: replica
                    noncurrent_days: 30
            """)
        #expect(estates.map { $0.estate?.name } == ["prod-eu", "staging"])
        let prod = estates[0]
        let staging = estates[1]
        #expect(prod.policy.accountID == "828879644785")
        #expect(prod.policy.buckets.map(\.name) == ["mne-media-replica"])
        #expect(
            prod.estate
                == Estate(
                    name: "prod-eu", roleARN: "arn:aws:iam::111111111111:role/mnemond-reader", externalID: "org-7f3e"))
        #expect(prod.estate?.sessionName == "mnemond-prod-eu")
        #expect(prod.storePath == "/var/lib/mnemond/mnemond-prod-eu.sqlite")
        #expect(prod.prometheusTextfile == "/var/lib/node_exporter/mnemond-prod-eu.prom")
        // The Alertmanager `estate` label defaults to the estate's name, not its account.
        #expect(prod.alerting.alertmanager?.estate == "prod-eu")
        #expect(prod.metrics?.listen.port == 9464)

        #expect(staging.policy.accountID == "222222222222")
        #expect(staging.policy.buckets.map(\.name) == ["stg-media"])
        #expect(staging.estate?.roleARN == nil)
        #expect(staging.estate?.sessionName == "mnemond-staging-ro")
        #expect(staging.storePath == "/srv/staging.sqlite")
        #expect(staging.prometheusTextfile == "/var/lib/node_exporter/mnemond-staging.prom")
        #expect(staging.alerting.alertmanager?.estate == "staging")
    }

    @Test func aFileWithoutEstatesIsOneUnnamedEstate() throws {
        let estates = try Config.parseEstates(Self.shared, file: "etc/mnemond.yaml")
        #expect(estates.count == 1)
        #expect(estates[0].estate == nil)
        #expect(estates[0].storePath == "/var/lib/mnemond/mnemond.sqlite")
        #expect(estates[0].alerting.alertmanager?.estate == "828879644785")
    }

    @Test func aCommandForOneEstateMustNameItWhenThereAreSeveral() {
        do {
            _ = try Config.parse(Self.shared + "\nestates:\n  - name: a\n  - name: b\n", file: "org.yaml")
            Issue.record("parsed")
        } catch {
            #expect("\(error)" == "org.yaml: the file lists 2 estates (a, b): name one with --estate")
        }
    }

    @Test func perEstatePathsKeepTheDirectoryAndExtension() {
        #expect(Config.perEstate("/var/lib/mnemond/mnemond.sqlite", "a") == "/var/lib/mnemond/mnemond-a.sqlite")
        #expect(Config.perEstate("state", "b") == "state-b")
        #expect(Config.perEstate("data/m.db", "c.1") == "data/m-c.1.db")
    }

    @Test(arguments: [
        ("estates: []", "org.yaml:16:10: estates must list at least one estate, found an empty list"),
        ("estates: {name: a}", "org.yaml:16:10: estates must list at least one estate, found a mapping"),
        ("estates:\n  - a", "org.yaml:17:5: estates[0] must be a mapping, found \"a\""),
        (
            "estates:\n  - role_arn: arn:aws:iam::111111111111:role/r",
            "org.yaml:17:5: missing key \"name\" in estates[0]"
        ),
        (
            "estates:\n  - name: a\n  - name: a",
            "org.yaml:18:5: estates[1]: estate \"a\" is listed twice"
        ),
        (
            "estates:\n  - name: ../etc",
            "org.yaml:17:11: estates[0].name must be 1 to 63 letters, digits, '.', '_' or '-' (not starting with '.'), found \"../etc\""
        ),
        (
            "estates:\n  - name: a\n    metrics: {listen: 127.0.0.1:1}",
            "org.yaml:18:5: estates[0].metrics: one metrics section serves every estate; set it at the top of the file"
        ),
        (
            "estates:\n  - name: a\n    role_arn: arn:aws:iam::1111:role/r",
            "org.yaml:18:15: estates[0].role_arn must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME), found \"arn:aws:iam::1111:role/r\""
        ),
        (
            "estates:\n  - name: a\n    external_id: org-1",
            "org.yaml:18:18: estates[0].external_id needs estates[0].role_arn: it is sent with AssumeRole"
        ),
        (
            "estates:\n  - name: a\n    role_arn: arn:aws:iam::111111111111:role/r\n    external_id: \"x y\"",
            "org.yaml:19:18: estates[0].external_id must be 2 to 1224 characters of letters, digits and +=,.@:/-_"
        ),
        (
            "estates:\n  - name: a\n    bukets: []",
            "org.yaml:18:5: estate \"a\": unknown key \"bukets\" (did you mean \"buckets\"?)"
        ),
        (
            "estates:\n  - name: a\n    store: {path: /s/x.sqlite}\n  - name: b\n    store: {path: /s/x.sqlite}",
            "org.yaml:19:5: estates[1]: estates \"a\" and \"b\" share the store /s/x.sqlite; give each its own store.path"
        ),
    ])
    func mistakesAreLocatedAndNameTheEstate(_ yaml: String, _ expected: String) {
        #expect(error(yaml) == expected)
    }
}
