import Foundation
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
        #expect(statements[0] == PolicyStatement(sid: "A", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"]))
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
        #expect(statements.map(\.principals) == [
            ["arn:aws:iam::828879644785:root"], ["arn:aws:iam::828879644785:role/a", "backup.amazonaws.com"], ["*"],
        ])
        #expect(statements[0].sid == "Root" && statements[0].actions == ["kms:*"])
        #expect(statements[2].notActions == ["backup:Get*"] && statements[2].hasCondition)
        #expect(throws: (any Error).self) { try RecoveryPathCollector.resourceStatements("[]") }
    }
}
