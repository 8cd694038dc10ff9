import Foundation
import MnemondModel
import MnemondNotify
import MnemondStore
import Testing

/// Alerts of a daemon that watches several estates: every message names its estate, and an
/// estate whose credentials resolve to the wrong account pages once, for the account.
@Suite struct EstateAlertTests {
    static func finding(_ check: CheckID, _ resource: String, _ state: CheckState) -> Finding {
        Finding(check: check, resource: resource, state: state, message: "\(resource): \(check) is \(state)")
    }

    static let wrongAccount = [
        finding("account.identity", "account", .critical),
        finding("s3.versioning", "mne-media-prod", .unknown),
        finding("rds.pitr_lag", "eks-mnemonica-prod", .unknown),
    ]

    @Test func theWrongAccountPagesOnceAndHoldsTheUnknownsItCauses() {
        let rules = AlertRules(unknown: SeverityRule(for: .evaluations(1), repeat: .seconds(3600)))
        let pipeline = AlertPipeline(rules: rules, channels: ["sns"], estate: "charlie")
        // A pitr alert was already firing before the credentials went wrong.
        var plan = pipeline.plan(
            findings: [Self.finding("rds.pitr_lag", "eks-mnemonica-prod", .critical)], previous: [], silences: [],
            now: t0)
        plan = pipeline.plan(
            findings: [Self.finding("rds.pitr_lag", "eks-mnemonica-prod", .critical)],
            previous: plan.commit.records, silences: [], now: t0 + 60)
        #expect(plan.commit.records.map(\.phase) == [.firing])
        let before = plan.commit.records
        var sent: [AlertMessage] = []
        var records = before
        for minute in 2...5 {
            plan = pipeline.plan(
                findings: Self.wrongAccount, previous: records, silences: [], now: t0 + TimeInterval(minute * 60))
            // Only the account's record is written: the others stay as they were stored.
            #expect(plan.commit.records.map(\.check) == ["account.identity"])
            records = before.filter { $0.check != "account.identity" } + plan.commit.records
            if let message = plan.message { sent.append(message) }
        }
        #expect(sent.count == 1, "\(sent.map(\.items))")
        #expect(sent.first?.items.map(\.check) == ["account.identity"])
        #expect(sent.first?.estate == "charlie")
        // The pitr alert neither resolved nor changed while it could not be evaluated.
        #expect(records.first { $0.check == "rds.pitr_lag" } == before[0])
    }

    @Test func withTheRightAccountUnknownsPageAsTheirRuleSays() {
        let rules = AlertRules(unknown: SeverityRule(for: .evaluations(1), repeat: .seconds(3600)))
        let pipeline = AlertPipeline(rules: rules, channels: ["sns"])
        let findings = [Self.finding("account.identity", "account", .ok)] + Self.wrongAccount.dropFirst()
        let plan = pipeline.plan(findings: findings, previous: [], silences: [], now: t0)
        #expect(plan.message?.items.map(\.check).sorted() == ["rds.pitr_lag", "s3.versioning"])
        #expect(plan.message?.estate == nil)
    }

    @Test func everyRenderingNamesTheEstate() throws {
        var message = AlertMessage(
            idempotencyKey: "mn-0000000000000001", createdAt: t0,
            items: [
                AlertItem(
                    kind: .firing, check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", severity: .critical,
                    episode: 1, idempotencyKey: "mn-0000000000000002", message: "noncurrent 15 d", expected: "180 d",
                    found: "15 d")
            ], estate: "bravo")
        #expect(
            TextRenderer.subject(message)
                == "[CRITICAL] bravo / mne-media-replica: s3.lifecycle.noncurrent 15 d (want 180 d)")
        #expect(TextRenderer.body(message).contains("\nEstate: bravo\n"))
        let sns = SNSRenderer.publication(message)
        let structure = try #require(
            try JSONSerialization.jsonObject(with: Data(sns.message.utf8)) as? [String: String])
        #expect(structure["email"]?.contains("Estate: bravo") == true)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data((structure["sqs"] ?? "").utf8)) as? [String: Any])
        #expect(document["estate"] as? String == "bravo")
        let slack = String(decoding: SlackRenderer.payload(message), as: UTF8.self)
        #expect(slack.contains("[bravo] "), "\(slack.prefix(300))")
        // Queued before estates existed: decodes with no estate.
        message.estate = nil
        let old = message.json()
        #expect(!old.contains("estate"))
        #expect(try AlertMessage.decode(old).estate == nil)
    }
}
