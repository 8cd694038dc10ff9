import Foundation
import MnemondModel
import Testing

@testable import MnemondCommands

@Suite struct SystemdStatusLineTests {
    @Test func statusLineSummarisesTheCycleAndTheNextRun() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        func finding(_ state: CheckState, accepted: Bool = false) -> Finding {
            Finding(
                check: "s3.versioning", resource: UUID().uuidString, state: state, message: "",
                acceptedRisk: accepted ? AcceptedRisk(check: "s3.versioning", reason: "deferred") : nil)
        }
        let findings =
            Array(repeating: finding(.ok), count: 42) + [finding(.critical), finding(.warning, accepted: true)]
        #expect(SystemdStatusLine.after(findings, next: now + 240, now: now) == "43 ok, 1 critical, next in 4 min")
        #expect(SystemdStatusLine.after([], next: nil, now: now) == "0 ok")
    }
}

@Suite struct TextfileWindowTests {
    /// After a cycle, gauges of series no longer measured leave the file; S3's daily storage
    /// values (stamped with their day, published days late) stay for 4 days.
    @Test func dailyStorageValuesStayForFourDaysOthersForTwoIntervals() {
        let end = Date(timeIntervalSince1970: 1_796_047_200)
        let window = PrometheusTextfile.window(finishedAt: end, longestInterval: 900)
        let samples = [
            Sample(series: .rdsPitrLagSeconds, time: end - 60, value: 1),
            Sample(series: .rdsPitrLagSeconds, labels: ["instance": "gone"], time: end - 3600, value: 2),
            Sample(series: .s3Objects, labels: ["bucket": "b"], time: end - 3 * 86400, value: 3),
            Sample(series: .s3BucketBytes, labels: ["bucket": "b"], time: end - 5 * 86400, value: 4),
        ]
        #expect(window.since == end - 4 * 86400)
        #expect(PrometheusTextfile.current(samples, window).map(\.value) == [1, 3])
    }
}
