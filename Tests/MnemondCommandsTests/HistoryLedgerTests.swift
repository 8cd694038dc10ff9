import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

@testable import MnemondCommands

/// `mnemond history recovery_rpo_seconds`: the ledger's measured RPO per scenario, read from a real
/// store file as the command reads it.
@Suite struct HistoryLedgerTests {
    static let now = Date(timeIntervalSince1970: 1_795_615_200)  // 2026-11-25 14:00 UTC

    @Test func theScenarioRPOIsShownPerScenarioWithItsStatistics() async throws {
        let path = temporaryDirectory("mnemond-history").appendingPathComponent("m.sqlite").path
        let store = try Store.open(path: path)
        // Scenario 3 over 12 h sampled every 5 min: the DR copy ages from 2 h to 14 h (copies stopped);
        // Scenario 2 stays at 2 h.
        var samples: [Sample] = []
        for step in 0...144 {
            let time = Self.now.addingTimeInterval(Double(step - 144) * 300)
            samples.append(
                Sample(
                    series: .recoveryRPOSeconds,
                    labels: ["scenario": "scenario-3", "resource": "eks-mnemonica-prod-vault-dr"], time: time,
                    value: 7200 + Double(step) * 300))
            samples.append(
                Sample(
                    series: .recoveryRPOSeconds,
                    labels: ["scenario": "scenario-2", "resource": "eks-mnemonica-prod-vault"], time: time, value: 7200)
            )
        }
        try await store.insertSamples(samples)
        // Run a minute after the newest sample (the window ends before `now`).
        let text = try await HistoryCommand.run(
            storePath: path, series: "recovery_rpo_seconds", resource: "scenario-3", since: "1d",
            window: .seconds(86_400), csv: false, now: Self.now + 60)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "recovery_rpo_seconds  resource=eks-mnemonica-prod-vault-dr scenario=scenario-3  (145 samples, "
                + "2026-11-25T02:00:00Z → 2026-11-25T14:00:00Z)")
        #expect(lines.dropFirst().first == "  min 2 h  median 8 h  p95 13 h 25 min  max 14 h  now 14 h")
        #expect(!text.contains("scenario=scenario-2"))
        let both = try await HistoryCommand.run(
            storePath: path, series: "recovery_rpo_seconds", resource: nil, since: "1d", window: .seconds(86_400),
            csv: false, now: Self.now + 60)
        #expect(
            both.contains("recovery_rpo_seconds  resource=eks-mnemonica-prod-vault scenario=scenario-2  (145 samples"))
        #expect(both.contains("  min 2 h  median 2 h  p95 2 h  max 2 h  now 2 h"))
    }
}
