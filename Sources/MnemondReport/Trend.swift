import Foundation
import MnemondModel

/// This period against the previous one, on the few numbers that say whether things got better.
enum Trend {
    struct Figures: Equatable {
        var compliance: Double?
        var criticalSeconds: TimeInterval
        var incidents: Int
        var pitrP95: Double?
        var snapshotMax: Double?
        var replicationP95: Double?
        var successRate: Double?
        var failedJobs: Int?
        var storedBytes: Double?
    }

    static func lines(current: Figures, previous: Figures) -> [RecoveryReport.TrendLine] {
        var lines: [RecoveryReport.TrendLine] = []
        /// `lowerIsBetter`: nil when neither direction is better (storage grows by design).
        func add(
            _ metric: String, _ a: Double?, _ b: Double?, lowerIsBetter: Bool?, format: (Double) -> String,
            change: (Double, Double) -> String
        ) {
            guard a != nil || b != nil else { return }
            var better: Bool?
            var changeText = "—"
            if let a, let b {
                if a == b {
                    changeText = "same"
                } else {
                    changeText = change(a, b)
                    if let lowerIsBetter { better = lowerIsBetter ? a < b : a > b }
                }
            }
            lines.append(
                RecoveryReport.TrendLine(
                    metric: metric, current: a.map(format) ?? "no data", previous: b.map(format) ?? "no data",
                    better: better, change: changeText))
        }
        func arrow(_ a: Double, _ b: Double) -> String { a > b ? "▲" : "▼" }
        let points = { (a: Double, b: Double) in
            "\(arrow(a, b)) \(String(format: "%.2f", abs(a - b) * 100)) pt"
        }
        let durationChange = { (a: Double, b: Double) in "\(arrow(a, b)) \(DurationText.human(abs(a - b)))" }
        add(
            "Time every check was OK", current.compliance, previous.compliance, lowerIsBetter: false,
            format: ReportFormat.percent, change: points)
        add(
            "Not recoverable (CRITICAL)", current.criticalSeconds, previous.criticalSeconds, lowerIsBetter: true,
            format: DurationText.human, change: durationChange)
        add(
            "Incidents (warning or critical)", Double(current.incidents), Double(previous.incidents),
            lowerIsBetter: true, format: { String(Int($0)) }, change: { a, b in "\(arrow(a, b)) \(Int(abs(a - b)))" })
        add(
            "PITR lag p95 (worst instance)", current.pitrP95, previous.pitrP95, lowerIsBetter: true,
            format: DurationText.human, change: durationChange)
        add(
            "Largest snapshot gap (worst vault)", current.snapshotMax, previous.snapshotMax, lowerIsBetter: true,
            format: DurationText.human, change: durationChange)
        add(
            "Replication latency p95 (worst pair)", current.replicationP95, previous.replicationP95,
            lowerIsBetter: true, format: DurationText.human, change: durationChange)
        add(
            "Backup job success rate", current.successRate, previous.successRate, lowerIsBetter: false,
            format: ReportFormat.percent, change: points)
        add(
            "Failed backup jobs", current.failedJobs.map(Double.init), previous.failedJobs.map(Double.init),
            lowerIsBetter: true, format: { String(Int($0)) }, change: { a, b in "\(arrow(a, b)) \(Int(abs(a - b)))" })
        add(
            "Stored in S3 (all buckets)", current.storedBytes, previous.storedBytes, lowerIsBetter: nil,
            format: ReportFormat.bytes, change: { a, b in ReportFormat.bytesChange(a - b, from: b) })
        return lines
    }
}
