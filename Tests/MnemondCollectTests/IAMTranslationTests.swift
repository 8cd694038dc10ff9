import Foundation
import MnemondAWS
import MnemondModel
import Testing

@testable import MnemondCollect

@Suite struct IAMTranslationTests {
    @Test func policyDocumentsNormaliseStringsToLists() throws {
        let json = """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]},
              {"Effect":"Deny","NotAction":["s3:Get*"],"NotResource":"arn:aws:s3:::b","Condition":{"Bool":{"aws:SecureTransport":"false"}}}
            ]}
            """
        let statements = try IAMCollector.statements(json)
        #expect(statements.count == 2)
        #expect(
            statements[0]
                == PolicyStatement(
                    sid: "A", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"]))
        #expect(statements[1].notActions == ["s3:Get*"])
        #expect(statements[1].notResources == ["arn:aws:s3:::b"])
        #expect(statements[1].hasCondition)
    }

    @Test func aSingleStatementObjectIsAccepted() throws {
        let statements = try IAMCollector.statements(#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#)
        #expect(statements.map(\.effect) == ["Deny"])
    }

    @Test func garbageIsAnErrorNotAnEmptyPolicy() {
        #expect(throws: (any Error).self) { try IAMCollector.statements("not json") }
    }
}

@Suite struct RecoveryPathTranslationTests {
    @Test func resourcePolicyPrincipalsAreFlattened() throws {
        let json = """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::828879644785:root"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::828879644785:role/a"],"Service":"backup.amazonaws.com"},
               "Action":["kms:Decrypt"],"Resource":"*"},
              {"Effect":"Deny","Principal":"*","NotAction":"backup:Get*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"1"}}}
            ]}
            """
        let statements = try RecoveryPathCollector.resourceStatements(json)
        #expect(
            statements.map(\.principals) == [
                ["arn:aws:iam::828879644785:root"], ["arn:aws:iam::828879644785:role/a", "backup.amazonaws.com"], ["*"],
            ])
        #expect(statements[0].sid == "Root" && statements[0].actions == ["kms:*"])
        #expect(statements[2].notActions == ["backup:Get*"] && statements[2].hasCondition)
        #expect(throws: (any Error).self) { try RecoveryPathCollector.resourceStatements("[]") }
    }
}

@Suite struct PolicySimulationTranslationTests {
    static let wanted = ["s3:GetObject", "s3:RestoreObject"]

    static func result(_ action: String, _ decision: String) -> IAM.EvaluationResult {
        IAM.EvaluationResult(action: action, decision: decision, matchedPolicies: ["p"], missingContextValues: [])
    }

    @Test func decisionsAreTyped() throws {
        let decided = try RecoveryPathCollector.decisions(
            [Self.result("s3:GetObject", "allowed"), Self.result("s3:RestoreObject", "explicitDeny")],
            wanted: Self.wanted)
        #expect(decided.map(\.decision) == [.allowed, .explicitDeny])
        #expect(decided[1].matchedPolicies == ["p"])
    }

    @Test func anUnknownDecisionIsUnreadableNamingTheField() {
        #expect(throws: UnreadableField("EvaluationResults[1].EvalDecision", "maybe")) {
            try RecoveryPathCollector.decisions(
                [Self.result("s3:GetObject", "allowed"), Self.result("s3:RestoreObject", "maybe")], wanted: Self.wanted)
        }
    }

    @Test func aMissingActionIsUnreadableNotAllowed() {
        #expect(throws: UnreadableField("EvaluationResults", "no result for s3:RestoreObject")) {
            try RecoveryPathCollector.decisions([Self.result("s3:GetObject", "allowed")], wanted: Self.wanted)
        }
    }

    @Test func anUnreadablePolicyDocumentIsAnInvalidResponseOfItsCall() {
        let reason = Unavailable(
            IAMCollector.PolicyDocumentError(description: "policy document is not a JSON object"),
            action: "iam:GetPolicyVersion", resource: "arn:aws:iam::828879644785:policy/p", region: "us-east-1")
        #expect(reason.code == "InvalidResponse" && reason.action == "iam:GetPolicyVersion")
        // Already translated: kept as it is.
        let again = Unavailable(reason, action: "iam:GetRole", resource: "r", region: "us-east-1")
        #expect(again == reason)
    }
}
