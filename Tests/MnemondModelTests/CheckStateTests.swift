import MnemondModel
import Testing

@Suite struct CheckStateTests {
    /// With AWS unreachable the summary said "55 unknown, 2 ok": the accepted object-lock risks
    /// counted as OK though nothing was evaluated.
    @Test(arguments: [
        (CheckState.ok, CheckState.ok), (.warning, .ok), (.critical, .ok), (.unknown, .unknown),
    ])
    func anAcceptedRiskNeverTurnsUnknownIntoOK(_ state: CheckState, _ counted: CheckState) {
        #expect(state.waived(byAcceptedRisk: true) == counted)
        #expect(state.waived(byAcceptedRisk: false) == state)
        let finding = Finding(
            check: "s3.object_lock", resource: "mne-media-replica", state: state, message: "m",
            acceptedRisk: AcceptedRisk(check: "s3.object_lock", reason: "deferred"))
        #expect(finding.effectiveState == counted)
    }

    @Test func worstRanksCriticalOverUnknownOverWarning() {
        #expect(CheckState.worst([.ok, .warning, .unknown]) == .unknown)
        #expect(CheckState.worst([.unknown, .critical]) == .critical)
        #expect(CheckState.worst([]) == .ok)
    }
}
