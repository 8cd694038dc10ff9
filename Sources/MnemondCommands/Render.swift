import Foundation
import MnemondModel
import MnemondStore

/// Text and JSON views of findings and stored states, for `check` and `status`.
public enum Render {
    public static func time(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(
                .colon
            ).timeZone(separator: .omitted))
    }

    static func label(_ state: CheckState, accepted: Bool) -> String {
        accepted ? "ACCEPTED" : state.description
    }

    /// `check` output: problems first (worst first), then the OK lines, then a summary line.
    public static func findingsText(_ outcome: CycleOutcome) -> String {
        let ordered = outcome.findings.sorted {
            ($1.effectiveState.badness, $0.check, $0.resource) < ($0.effectiveState.badness, $1.check, $1.resource)
        }
        var lines: [String] = []
        for f in ordered {
            lines.append(
                "\(label(f.state, accepted: f.acceptedRisk != nil).padding(toLength: 9, withPad: " ", startingAt: 0)) \(f.check)  \(f.message)"
            )
            if f.effectiveState != .ok, let runbook = f.runbook { lines.append("          fix: \(runbook)") }
            if let risk = f.acceptedRisk { lines.append("          accepted risk: \(risk.reason)") }
        }
        lines.append(summary(outcome.findings.map(\.effectiveState), overall: outcome.overall))
        return lines.joined(separator: "\n") + "\n"
    }

    static func summary(_ states: [CheckState], overall: CheckState) -> String {
        let counts = Dictionary(grouping: states, by: { $0 }).mapValues(\.count)
        let parts = [CheckState.critical, .warning, .unknown, .ok].compactMap { s in
            counts[s].map { "\($0) \(s.description.lowercased())" }
        }
        return "\(overall): \(parts.joined(separator: ", "))"
    }

    public struct FindingJSON: Encodable {
        var check: String
        var resource: String
        var state: String
        var message: String
        var expected: String?
        var found: String?
        var guide: String?
        var runbook: String?
        var acceptedRisk: AcceptedRisk?
        var since: Date?
        var lastEvaluated: Date?
        enum CodingKeys: String, CodingKey {
            case check, resource, state, message, expected, found, guide, runbook, since
            case acceptedRisk = "accepted_risk"
            case lastEvaluated = "last_evaluated"
        }
    }

    struct Document: Encodable {
        var state: String
        var exitCode: Int
        var evaluatedAt: Date?
        var findings: [FindingJSON]
        enum CodingKeys: String, CodingKey {
            case state, findings
            case exitCode = "exit_code"
            case evaluatedAt = "evaluated_at"
        }
    }

    static func json(_ document: Document) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self) + "\n"
    }

    public static func findingsJSON(_ outcome: CycleOutcome) -> String {
        json(
            Document(
                state: outcome.overall.description, exitCode: outcome.overall.rawValue, evaluatedAt: outcome.finishedAt,
                findings: outcome.findings.map {
                    FindingJSON(
                        check: $0.check.rawValue, resource: $0.resource, state: $0.state.description,
                        message: $0.message, expected: $0.expected, found: $0.found, guide: $0.guide,
                        runbook: $0.runbook, acceptedRisk: $0.acceptedRisk)
                }))
    }

    /// The overall Nagios state of stored states.
    public static func overall(_ states: [StoredState]) -> CheckState {
        CheckState.worst(states.map(\.effectiveState))
    }

    // `status` renders in Render+Status.swift.
}
