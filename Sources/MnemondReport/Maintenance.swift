import Foundation
import MnemondModel
import MnemondStore

/// Guide, "Maintenance Tasks": what is due weekly, monthly and quarterly, and when each was last
/// seen done. mnemond sees restore tests (AWS Backup restore jobs, through the
/// `backup.restore_tested` results); the weekly reviews are this report; the rest is outside what
/// the store can know and is listed for a person to confirm.
enum Maintenance {
    /// A task the store cannot observe.
    struct Manual {
        var cadence: String
        var task: String
    }

    static let weekly = [
        "Review AWS Backup job success rate",
        "Check S3 replication metrics for any lag",
        "Verify latest restorable time for RDS PITR",
    ]

    static let manual = [
        Manual(cadence: "monthly", task: "Test file recovery from source bucket (0-35 days scenario)"),
        Manual(cadence: "monthly", task: "Review storage costs and optimize if needed"),
        Manual(cadence: "monthly", task: "Audit IAM access logs"),
        Manual(cadence: "quarterly", task: "Test Deep Archive restoration (Scenario 2)"),
        Manual(cadence: "quarterly", task: "Conduct RDS PITR test restore"),
        Manual(cadence: "quarterly", task: "Review and update backup retention policies if needed"),
    ]

    /// A restore that is due within this many days is "due soon".
    static let dueSoonDays = 7.0

    /// `newest COMPLETED restore job is 12 d 3 h old (2026-11-12 09:00 UTC)` → that time. The
    /// check's message is the evidence the store keeps (restore jobs are not stored themselves).
    static func restoreTime(in message: String) -> Date? {
        guard let close = message.range(of: " UTC)", options: .backwards),
            let open = message[..<close.lowerBound].range(of: "(", options: .backwards)
        else { return nil }
        let text = String(message[open.upperBound..<close.lowerBound])
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: text)
    }

    /// `≤ 30 d` → 30.
    static func days(in expected: String?) -> Int? {
        guard let expected else { return nil }
        return Int(expected.filter(\.isNumber))
    }

    static func lines(
        results: [ResultHistory], policy: Policy?, risks: [RecoveryReport.RiskLine], generatedAt: Date, asOf: Date
    ) -> [RecoveryReport.MaintenanceLine] {
        var lines = weekly.map {
            RecoveryReport.MaintenanceLine(
                cadence: "weekly", task: $0, evidence: "this report", lastDone: generatedAt, due: nil, status: .covered)
        }
        // Restore tests per region: the primary region monthly, the DR region quarterly (the
        // intervals come from the config, or from what the check promised).
        let restores = results.filter { $0.check == "backup.restore_tested" }
        var regions = restores.map(\.resource)
        if let backup = policy?.backup {
            regions =
                [backup.region, backup.drRegion] + regions.filter { $0 != backup.region && $0 != backup.drRegion }
        }
        var seen = Set<String>()
        for region in regions where seen.insert(region).inserted {
            let history = restores.first { $0.resource == region }
            let last = history?.points.filter { $0.time <= asOf }.max { $0.time < $1.time }
            let isDR = policy?.backup.map { region == $0.drRegion && region != $0.region } ?? false
            let interval =
                policy?.backup.map { isDR ? $0.drRestoreTestDays : $0.restoreTestDays }
                ?? days(in: last?.expected) ?? 30
            let quarterly = isDR || interval >= 80
            let task =
                quarterly
                ? "Perform full disaster recovery test (Scenario 3): restore in \(region)"
                : "Restore test from an AWS Backup snapshot in \(region)"
            let done = last.flatMap { restoreTime(in: $0.message) }
            let due = done.map { $0.addingTimeInterval(Double(interval) * 86400) }
            let status: RecoveryReport.MaintenanceLine.Status
            if let due {
                if due <= asOf {
                    status = .overdue
                } else if due.timeIntervalSince(asOf) <= dueSoonDays * 86400 {
                    status = .dueSoon
                } else {
                    status = .ok
                }
            } else {
                status = .overdue  // never seen done within the collector's window
            }
            lines.append(
                RecoveryReport.MaintenanceLine(
                    cadence: quarterly ? "quarterly" : "monthly", task: task,
                    evidence: "backup.restore_tested \(region) (AWS Backup restore jobs, every \(interval) d)",
                    lastDone: done, due: due, status: status))
        }
        // The Object Lock decision is re-evaluated quarterly; the accepted risk's expiry is its
        // review date.
        if let lock = risks.first(where: { $0.check == "s3.object_lock" }) {
            let status: RecoveryReport.MaintenanceLine.Status
            if let until = lock.until {
                status =
                    until <= asOf ? .overdue : until.timeIntervalSince(asOf) <= dueSoonDays * 86400 ? .dueSoon : .ok
            } else {
                status = .notObservable
            }
            lines.append(
                RecoveryReport.MaintenanceLine(
                    cadence: "quarterly", task: "Re-evaluate Object Lock implementation decision",
                    evidence: lock.until == nil
                        ? "accepted risk s3.object_lock has no review date (until)"
                        : "accepted risk s3.object_lock until",
                    lastDone: nil, due: lock.until, status: status))
        }
        // Monthly before quarterly, as the guide lists them.
        lines += manual.map { task in
            RecoveryReport.MaintenanceLine(
                cadence: task.cadence, task: task.task, evidence: "not observable by mnemond — confirm by hand",
                lastDone: nil, due: nil, status: .notObservable)
        }
        return lines.enumerated().sorted { a, b in
            let order = ["weekly": 0, "monthly": 1, "quarterly": 2]
            return (order[a.element.cadence] ?? 3, a.offset) < (order[b.element.cadence] ?? 3, b.offset)
        }.map(\.element)
    }
}
