import Foundation
import MnemondModel
import MnemondNotify
import Testing

/// What people read: subject lines, the e-mail text, Slack blocks, SNS structure and attributes.
@Suite struct RenderTests {
    static let firing = AlertItem(
        kind: .firing, check: "s3.lifecycle.noncurrent", resource: "mne-vault-replica", severity: .critical, episode: 2,
        idempotencyKey: "mn-0123456789abcdef",
        message:
            "mne-vault-replica: noncurrent versions expire after 15 d; guide requires 180 d (Phase 2B) — versions older than 15 d are unrecoverable",
        expected: "180 d", found: "15 d", guide: "Phase 2B",
        runbook:
            "Apply the guide's lifecycle for mne-vault-replica (Phase 2B): aws s3api put-bucket-lifecycle-configuration --bucket mne-vault-replica --region eu-north-1",
        since: t0, firingSince: t0 + 300)
    static let resolved = AlertItem(
        kind: .resolved, check: "s3.lifecycle.noncurrent", resource: "mne-vault-replica", severity: .critical,
        episode: 2,
        idempotencyKey: "mn-fedcba9876543210",
        message: "mne-vault-replica: noncurrent versions expire after 180 d as the guide requires", expected: "180 d",
        found: "180 d", guide: "Phase 2B", since: t0 + 7200, firingSince: t0 + 300, resolves: "mn-0123456789abcdef")

    static func message(_ items: [AlertItem]) -> AlertMessage {
        AlertMessage(
            idempotencyKey: IdempotencyKey.group(items.map(\.idempotencyKey)), createdAt: t0 + 600, items: items)
    }

    @Test(arguments: [
        ([firing], "[CRITICAL] mne-vault-replica: s3.lifecycle.noncurrent 15 d (want 180 d)"),
        ([resolved], "[RESOLVED] mne-vault-replica: s3.lifecycle.noncurrent 180 d (want 180 d)"),
    ])
    func subjectsSayWhatIsWrongWithTheResourceFirst(_ items: [AlertItem], _ subject: String) {
        #expect(TextRenderer.subject(Self.message(items)) == subject)
    }

    @Test func subjectsFitSNSsLimitAndStayASCII() {
        var items: [AlertItem] = []
        for i in 0..<12 {
            var item = Self.firing
            item.resource = "mne-very-long-bucket-name-number-\(i)"
            item.idempotencyKey = "mn-\(i)"
            items.append(item)
        }
        var repeatItem = Self.firing
        repeatItem.kind = .repeat
        repeatItem.found = "15 d — shorter…"
        for message in [
            Self.message(items), Self.message([repeatItem]), AlertMessage.test(at: t0, host: "backup-monitor"),
        ] {
            let subject = TextRenderer.subject(message)
            #expect(subject.count < 100, "\(subject)")
            #expect(subject.allSatisfy { $0.isASCII && !$0.isNewline }, "\(subject)")
        }
        #expect(
            TextRenderer.subject(Self.message(items)).hasPrefix(
                "[CRITICAL] 12 firing: mne-very-long-bucket-name-number-0 s3"))
        #expect(TextRenderer.subject(Self.message(items)).hasSuffix("..."))
        #expect(
            TextRenderer.subject(Self.message([repeatItem]))
                == "[CRITICAL, still firing] mne-vault-replica: s3.lifecycle.noncurrent 15 d - shorter... (want 180 d)")
        #expect(
            TextRenderer.subject(AlertMessage.test(at: t0, host: "backup-monitor"))
                == "[TEST] mnemond test alert from backup-monitor - no action needed")
    }

    @Test func thePlainTextBodyCarriesEveryField() {
        let body = TextRenderer.body(Self.message([Self.firing, Self.resolved]))
        let expected = """
            mnemond: 1 critical, 1 resolved — can we still recover what the backup guide promises?

            CRITICAL FIRING: s3.lifecycle.noncurrent on mne-vault-replica
              what:      mne-vault-replica: noncurrent versions expire after 15 d; guide requires 180 d (Phase 2B) — versions older than 15 d are unrecoverable
              found:     15 d
              expected:  180 d
              guide:     Phase 2B
              since:     2026-09-21T14:13:20Z (10 min)
              runbook:   Apply the guide's lifecycle for mne-vault-replica (Phase 2B): aws s3api put-bucket-lifecycle-configuration --bucket mne-vault-replica --region eu-north-1
              key:       mn-0123456789abcdef (episode 2)

            RESOLVED (was CRITICAL): s3.lifecycle.noncurrent on mne-vault-replica
              what:      mne-vault-replica: noncurrent versions expire after 180 d as the guide requires
              found:     180 d
              expected:  180 d
              guide:     Phase 2B
              resolved:  2026-09-21T16:13:20Z
              fired:     2026-09-21T14:18:20Z (lasted 1 h 55 min)
              resolves:  mn-0123456789abcdef
              key:       mn-fedcba9876543210 (episode 2)

            Sent 2026-09-21T14:23:20Z. Idempotency key: \(IdempotencyKey.group(["mn-0123456789abcdef", "mn-fedcba9876543210"])) — a message whose key you have already seen is a repeated delivery of the same notification.

            """
        #expect(body == expected)
    }

    @Test func slackBlocksCarrySeverityColourFieldsRunbookAndKey() throws {
        let data = SlackRenderer.payload(Self.message([Self.firing]))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            document["text"] as? String == "[CRITICAL] mne-vault-replica: s3.lifecycle.noncurrent 15 d (want 180 d)")
        let attachment = try #require((document["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["color"] as? String == "#D0021B")
        let blocks = try #require(attachment["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header")
        let text = String(decoding: data, as: UTF8.self)
        for needle in [
            ":red_circle: CRITICAL — s3.lifecycle.noncurrent on mne-vault-replica", "*Expected*\\n180 d",
            "*Found*\\n15 d", "*Since*\\n2026-09-21T14:13:20Z (10 min)", "*Guide*\\nPhase 2B",
            "*Runbook*\\nApply the guide's lifecycle", "key `mn-0123456789abcdef` · episode 2",
        ] {
            #expect(text.contains(needle), "\(needle) missing in \(text)")
        }
    }

    @Test func aSlackResolveReferencesTheOriginalAndIsGreen() throws {
        let data = SlackRenderer.payload(Self.message([Self.resolved]))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(":white_check_mark: RESOLVED — s3.lifecycle.noncurrent on mne-vault-replica"))
        #expect(text.contains("resolves `mn-0123456789abcdef`"))
        #expect(text.contains("*Fired*\\n2026-09-21T14:18:20Z (lasted 1 h 55 min)"))
        #expect(text.contains("\"color\":\"#2EB886\""))
        #expect(!text.contains("Runbook"))
    }

    @Test func slackTextIsEscaped() {
        var item = Self.firing
        item.message = "a <b> & c"
        let text = String(decoding: SlackRenderer.payload(Self.message([item])), as: UTF8.self)
        #expect(text.contains("a &lt;b&gt; &amp; c"))
    }

    @Test func snsGetsTextForEmailAndJSONForMachines() throws {
        let message = Self.message([Self.firing])
        let publication = SNSRenderer.publication(message)
        #expect(publication.subject == TextRenderer.subject(message))
        let structure = try #require(
            try JSONSerialization.jsonObject(with: Data(publication.message.utf8)) as? [String: String])
        #expect(Set(structure.keys) == ["default", "email", "email-json", "http", "https", "sqs", "lambda"])
        #expect(structure["default"] == TextRenderer.body(message))
        #expect(structure["email"] == TextRenderer.body(message))
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(structure["https"]!.utf8)) as? [String: Any])
        #expect(json["idempotency_key"] as? String == message.idempotencyKey)
        #expect(json["severity"] as? String == "CRITICAL")
        let alert = try #require((json["alerts"] as? [[String: Any]])?.first)
        #expect(alert["resource"] as? String == "mne-vault-replica")
        #expect(alert["found"] as? String == "15 d")
        #expect(alert["expected"] as? String == "180 d")
        #expect(alert["idempotency_key"] as? String == "mn-0123456789abcdef")
        #expect(
            publication.attributes == [
                "severity": "CRITICAL", "check": "s3.lifecycle.noncurrent", "resource": "mne-vault-replica",
                "kind": "firing", "idempotency_key": "mn-0123456789abcdef",
            ])
        #expect(SNSRenderer.attributes(Self.message([Self.resolved]))["severity"] == "OK")
        #expect(SNSRenderer.attributes(Self.message([Self.firing, Self.resolved]))["kind"] == "mixed")
    }

    @Test func theTestMessageIsLabelledEverywhere() {
        let message = AlertMessage.test(at: t0, host: "backup-monitor")
        #expect(
            TextRenderer.body(message).hasPrefix("THIS IS A TEST of mnemond's alert delivery. No action is needed."))
        let slack = String(decoding: SlackRenderer.payload(message), as: UTF8.self)
        #expect(slack.contains(":test_tube: TEST — mnemond alert delivery"))
        #expect(SNSRenderer.attributes(message)["kind"] == "test")
        #expect(SNSRenderer.attributes(message)["severity"] == "TEST")
    }

    @Test func theOutboxPayloadRoundTrips() throws {
        let message = Self.message([Self.firing, Self.resolved])
        #expect(try AlertMessage.decode(message.json()) == message)
    }
}
