import Foundation
import MnemondModel
import MnemondNotify
import MnemondStore
import Testing

/// Issue 10's paging semantics: what counts towards `for: N`, what a grouped message puts first,
/// that every message fits its channel, that keys are unique per installation, and that an alert
/// whose resource left the config resolves.
@Suite struct PagingTests {
    static let pitr: CheckID = "rds.pitr_lag"

    static func pitrFinding(_ state: CheckState) -> Finding {
        Finding(
            check: pitr, resource: "eks-mnemonica-prod", state: state,
            message: "eks-mnemonica-prod: LatestRestorableTime is 40 min old", expected: "< 30 min", found: "40 min")
    }

    @Test func forCountsFreshEvidenceNotReEvaluations() {
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["sns"])
        // One bad PITR sample; then five cycles of other families re-evaluate the same sample.
        var plan = pipeline.plan(findings: [Self.pitrFinding(.critical)], previous: [], silences: [], now: t0)
        for minute in 1...5 {
            plan = pipeline.plan(
                findings: [Self.pitrFinding(.critical)], previous: plan.commit.records, silences: [],
                now: t0 + TimeInterval(minute * 60), unchanged: [Self.pitr])
            #expect(plan.commit.records[0].phase == .pending, "re-evaluation \(minute) must not fire")
            #expect(plan.commit.records[0].failingCount == 1)
            #expect(plan.message == nil)
        }
        #expect(plan.reasons[0].contains("(evidence unchanged since its last collection)"), "\(plan.reasons)")
        // The second PITR collection is the second piece of evidence: `for: 2` is reached.
        plan = pipeline.plan(
            findings: [Self.pitrFinding(.critical)], previous: plan.commit.records, silences: [], now: t0 + 360)
        #expect(plan.commit.records[0].phase == .firing)
        #expect(plan.message?.items.map(\.kind) == [.firing])
    }

    static func item(_ check: CheckID, _ severity: CheckState, resource: String = "r", kind: NotificationKind = .firing)
        -> AlertItem
    {
        AlertItem(
            kind: kind, check: check, resource: resource, severity: severity, episode: 1,
            idempotencyKey: IdempotencyKey.of([check.rawValue, resource, kind.rawValue]),
            message: "\(resource): \(check) is \(severity)")
    }

    @Test func theWorstComesFirstAndTheHeaderCountsEachSeverity() throws {
        // As the 21-item Slack message: plumbing warnings sorted before the lost versions.
        var items = (0..<8).map { Self.item("alerting.alarms", .warning, resource: "alarm-\($0)") }
        items += (0..<10).map { Self.item("backup.job_failures", .warning, resource: "job-\($0)") }
        items.append(Self.item("account.identity", .unknown))
        items.append(Self.item("iam.app_role", .critical))
        items.append(Self.item("rds.pitr_lag", .critical, resource: "eks-mnemonica-prod"))
        items.append(Self.item("s3.lifecycle.noncurrent", .critical, resource: "mne-media-replica"))
        items.append(Self.item("s3.replication.config", .warning, resource: "mne-media-prod"))
        items.append(Self.item("s3.versioning", .ok, resource: "mne-vault-prod", kind: .resolved))
        let message = try #require(Grouping.message(items.shuffled(), at: t0))
        #expect(
            message.items.prefix(5).map(\.check.rawValue) == [
                "s3.lifecycle.noncurrent", "rds.pitr_lag", "iam.app_role", "s3.replication.config",
                "backup.job_failures",
            ])
        #expect(message.items.suffix(2).map(\.check.rawValue) == ["account.identity", "s3.versioning"])
        #expect(message.items.firstIndex { $0.check == "alerting.alarms" }! > 12)
        #expect(Grouping.counts(message) == "3 critical, 19 warning, 1 unknown, 1 resolved")
        let header = try slackHeader(SlackRenderer.payload(message))
        #expect(header.hasSuffix("CRITICAL — 3 critical, 19 warning, 1 unknown, 1 resolved"), "\(header)")
        #expect(TextRenderer.body(message).hasPrefix("mnemond: 3 critical, 19 warning, 1 unknown, 1 resolved — "))
        // The Slack message that must cut shows the lost versions, never only the plumbing.
        let shown = try slackSections(SlackRenderer.payload(message))
        #expect(shown.first { $0.contains("`s3.lifecycle.noncurrent`") } != nil)
        #expect(shown.contains { $0.contains("`alerting.alarms`") } == false)
    }

    /// 300 UNKNOWN findings whose AWS error text is 2 KB each: the message that says "mnemond lost
    /// its permissions" must still be deliverable on every channel.
    static func hugeMessage() -> AlertMessage {
        let error = "AccessDenied: User: arn:aws:sts::828879644785:assumed-role/mnemond/i-0abc is not authorized "
        let items = (0..<300).map { i -> AlertItem in
            var item = item(
                CheckID("s3.check_\(i % 30)"), i < 3 ? .critical : i < 21 ? .warning : .unknown,
                resource: "mne-bucket-\(i)")
            item.message = "mne-bucket-\(i): cannot evaluate — " + String(repeating: error, count: 22).prefix(2048)
            item.found = String(repeating: "f", count: 2048)
            item.runbook = String(repeating: "r", count: 2048)
            return item
        }
        return Grouping.message(items, at: t0)!
    }

    @Test func everyMessageFitsItsChannel() throws {
        let message = Self.hugeMessage()
        // SNS: the whole Publish (message, subject, attributes) within 256 KB, subject < 100.
        let publication = SNSRenderer.publication(message)
        #expect(SNSRenderer.size(publication) <= 262_144, "\(SNSRenderer.size(publication)) bytes")
        #expect(publication.subject.count < 100)
        let structure = try #require(
            try JSONSerialization.jsonObject(with: Data(publication.message.utf8)) as? [String: String])
        let text = try #require(structure["email"])
        let omitted = 300 - text.components(separatedBy: "\n  key:").count + 1
        #expect(omitted > 0 && omitted < 300)
        #expect(text.contains("…and \(omitted) more — `mnemond status`"), "\(text.suffix(400))")
        #expect(text.contains("mnemond: 3 critical, 18 warning, 279 unknown — "))
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(structure["https"]!.utf8)) as? [String: Any])
        #expect(document["omitted"] as? Int == omitted)
        #expect((document["alerts"] as? [Any])?.count == 300 - omitted)
        // The same message renders the same way: the overflow line is deterministic.
        #expect(SNSRenderer.publication(message) == publication)

        // Slack: ≤ 50 blocks, sections ≤ 3000, fields ≤ 2000, header ≤ 150, with the overflow line.
        let slack = try #require(
            try JSONSerialization.jsonObject(with: SlackRenderer.payload(message)) as? [String: Any])
        let attachment = try #require((slack["attachments"] as? [[String: Any]])?.first)
        let blocks = try #require(attachment["blocks"] as? [[String: Any]])
        #expect(blocks.count <= 50)
        for block in blocks {
            if let text = (block["text"] as? [String: Any])?["text"] as? String {
                #expect(text.count <= (block["type"] as? String == "header" ? 150 : 3000))
            }
            for field in block["fields"] as? [[String: Any]] ?? [] {
                #expect((field["text"] as? String ?? "").count <= 2000)
            }
        }
        #expect(try slackSections(SlackRenderer.payload(message)).contains { $0.hasPrefix("…and 292 more — ") })

        // The plain text, cut the same way, and every item text bounded.
        #expect(TextRenderer.body(message, showing: 10).contains("…and 290 more — `mnemond status`"))
        #expect(TextRenderer.subject(message).count < 100)
    }

    @Test func idempotencyKeysAreUniquePerInstallation() async throws {
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["sns"], account: "828879644785")
        func firingKey(_ store: Store, at time: Date) async throws -> String {
            _ = try await pipeline.run(findings: [finding("C")], store: store, now: time)
            let plan = try await pipeline.run(findings: [finding("C")], store: store, now: time + 300)
            return try #require(plan.message?.items.first?.idempotencyKey)
        }
        // Two fresh stores, the same fault: a receiver de-duplicating by key must see two pages.
        let a = try temporaryStore()
        let b = try temporaryStore()
        #expect(try await a.installationID() != b.installationID())
        let keyA = try await firingKey(a, at: t0)
        let keyB = try await firingKey(b, at: t0)
        #expect(keyA != keyB)
        // The account is part of the identity too: staging and production of one estate differ.
        let staging = AlertPipeline(rules: AlertRules(), channels: ["sns"], account: "111122223333")
        func planKey(_ p: AlertPipeline) -> String? {
            let first = p.plan(findings: [finding("C")], previous: [], silences: [], now: t0, installation: "same")
            return p.plan(
                findings: [finding("C")], previous: first.commit.records, silences: [], now: t0 + 300,
                installation: "same"
            ).message?.items.first?.idempotencyKey
        }
        #expect(planKey(staging) != nil && planKey(staging) != planKey(pipeline))
        // One store keeps its identity across reopening: keys are stable for the same notification.
        let reopened = try Store.open(path: a.path)
        #expect(try await reopened.installationID() == a.installationID())
        let records = try await reopened.alertRecords()
        #expect(records.first?.firingKey == keyA)
        #expect(
            keyA
                == IdempotencyKey.alert(
                    check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", episode: 1, kind: "firing",
                    installation: "\(try await reopened.installationID())/828879644785"))
        #expect(
            keyA
                != IdempotencyKey.alert(
                    check: "s3.lifecycle.noncurrent", resource: "mne-media-replica", episode: 1, kind: "firing",
                    installation: "\(try await reopened.installationID())/111122223333"))
    }

    @Test func alertsForResourcesRemovedFromTheConfigResolve() throws {
        let pipeline = AlertPipeline(rules: AlertRules(), channels: ["slack"])
        let both = [finding("C", resource: "mne-media-replica"), finding("C", resource: "mne-vault-replica")]
        var plan = pipeline.plan(findings: both, previous: [], silences: [], now: t0)
        plan = pipeline.plan(findings: both, previous: plan.commit.records, silences: [], now: t0 + 300)
        #expect(plan.message?.items.count == 2)
        // A pending alert of a third resource, then the config (reloaded) names only media-replica.
        plan = pipeline.plan(
            findings: both + [finding("W", resource: "mne-media-prod")], previous: plan.commit.records, silences: [],
            now: t0 + 600)
        let smaller = [finding("C", resource: "mne-media-replica")]
        plan = pipeline.plan(findings: smaller, previous: plan.commit.records, silences: [], now: t0 + 900)
        let message = try #require(plan.message)
        #expect(message.items.map(\.kind) == [.resolved])
        let item = message.items[0]
        #expect(item.resource == "mne-vault-replica")
        #expect(item.message.contains("no longer configured"))
        #expect(item.resolves != nil)
        #expect(TextRenderer.body(message).contains("no longer configured"))
        #expect(
            plan.reasons.contains(
                "s3.lifecycle.noncurrent/mne-vault-replica: resolved: no longer configured; "
                    + "notify resolved: episode 1 cleared"))
        let byResource = Dictionary(uniqueKeysWithValues: plan.commit.records.map { ($0.resource, $0) })
        #expect(byResource["mne-vault-replica"]?.phase == .inactive)
        #expect(byResource["mne-media-prod"]?.phase == .inactive, "a pending alert is dropped without a page")
        #expect(byResource["mne-media-replica"]?.phase == .firing)
        // Nothing more is said about it afterwards.
        plan = pipeline.plan(findings: smaller, previous: plan.commit.records, silences: [], now: t0 + 1200)
        #expect(plan.message == nil)
    }
}

func slackBlocks(_ data: Data) throws -> [[String: Any]] {
    let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let attachment = try #require((document["attachments"] as? [[String: Any]])?.first)
    return try #require(attachment["blocks"] as? [[String: Any]])
}

func slackHeader(_ data: Data) throws -> String {
    try #require(try slackBlocks(data).first.flatMap { ($0["text"] as? [String: Any])?["text"] as? String })
}

func slackSections(_ data: Data) throws -> [String] {
    try slackBlocks(data).compactMap { block in
        block["type"] as? String == "section" ? (block["text"] as? [String: Any])?["text"] as? String : nil
    }
}
