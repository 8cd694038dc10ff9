import Foundation
import MnemondModel
import MnemondNotify
import Testing

/// A ledger breach as people read it: every channel shows the measured RPO and the promise.
@Suite struct LedgerAlertRenderTests {
    static let breach = AlertItem(
        kind: .firing, check: "recovery.rpo", resource: "scenario-3", severity: .critical, episode: 1,
        idempotencyKey: "mn-5c3a000000000001",
        message:
            "Scenario 3 — region loss: RPO 20 h, promise ≤ 6 h (limit 14 h with the plan's start window 1 h, "
            + "completion window 6 h, copy grace 60 min), newest DR copy of 2026-11-24 18:00 UTC in "
            + "eks-mnemonica-prod-vault-dr",
        expected: "≤ 6 h", found: "20 h", guide: "Recovery Procedures, Scenario 3",
        runbook: "Guide Phase 6 Step 6.4 (Check DR region copy): aws backup list-copy-jobs --region eu-west-1",
        since: t0, firingSince: t0 + 300)

    static var message: AlertMessage {
        AlertMessage(
            idempotencyKey: IdempotencyKey.group([breach.idempotencyKey]), createdAt: t0 + 600, items: [breach])
    }

    @Test func theSubjectAndTheMailShowTheMeasuredRPOAndThePromise() {
        #expect(TextRenderer.subject(Self.message) == "[CRITICAL] scenario-3: recovery.rpo 20 h (want <= 6 h)")
        let body = TextRenderer.body(Self.message)
        #expect(body.contains("CRITICAL FIRING: recovery.rpo on scenario-3\n"))
        #expect(body.contains("  what:      Scenario 3 — region loss: RPO 20 h, promise ≤ 6 h (limit 14 h"))
        #expect(body.contains("  found:     20 h\n  expected:  ≤ 6 h\n"))
    }

    @Test func slackAndSNSCarryTheSameValues() throws {
        let slack = String(decoding: SlackRenderer.payload(Self.message), as: UTF8.self)
        for needle in ["*Found*\\n20 h", "*Expected*\\n≤ 6 h", "RPO 20 h, promise ≤ 6 h"] {
            #expect(slack.contains(needle), "\(needle) missing in \(slack)")
        }
        let publication = SNSRenderer.publication(Self.message)
        let structure = try #require(
            try JSONSerialization.jsonObject(with: Data(publication.message.utf8)) as? [String: String])
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(structure["https"]!.utf8)) as? [String: Any])
        let alert = try #require((json["alerts"] as? [[String: Any]])?.first)
        #expect(alert["found"] as? String == "20 h")
        #expect(alert["expected"] as? String == "≤ 6 h")
        #expect(structure["email"]?.contains("found:     20 h") == true)
    }
}
