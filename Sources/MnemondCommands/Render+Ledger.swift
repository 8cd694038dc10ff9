import Foundation
import MnemondModel
import MnemondStore

/// The recoverability ledger in `mnemond status`: one line per recovery scenario with its measured
/// RPO and promise ("Scenario 3 — region loss: RPO 6 h 40 min, promise ≤ 6 h …, newest DR copy of
/// …"), then when the next recovery point is due.
extension Render {
    public static func ledgerLines(_ states: [StoredState]) -> [String] {
        let scenarios = states.filter { $0.check == "recovery.rpo" }.sorted { $0.resource < $1.resource }
        var lines = scenarios.map { "  \($0.message)" }
        if let absence = states.first(where: { $0.check == "backup.absence" }) {
            // "eks-mnemonica-prod: …; next recovery point due by …": the resource stays in front.
            lines.append("  Backups of \(absence.message)")
        }
        return lines.isEmpty ? [] : ["Recoverability ledger:"] + lines
    }
}
