import Foundation
import MnemondHTTP
import Testing

@testable import MnemondAWS

@Suite struct EndpointTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var env: [String: String]
        var service: AWSService
        var region: String
        var bucket: String?
        var url: String
        var signingRegion: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "regional", env: [:], service: .rds, region: "eu-west-1", url: "https://rds.eu-west-1.amazonaws.com",
            signingRegion: "eu-west-1"),
        Case(
            name: "cloudwatch prefix", env: [:], service: .cloudwatch, region: "eu-west-3",
            url: "https://monitoring.eu-west-3.amazonaws.com", signingRegion: "eu-west-3"),
        Case(
            name: "global IAM signs us-east-1", env: [:], service: .iam, region: "eu-west-1",
            url: "https://iam.amazonaws.com", signingRegion: "us-east-1"),
        Case(
            name: "S3 virtual host", env: [:], service: .s3, region: "eu-north-1", bucket: "mne-vault-replica",
            url: "https://mne-vault-replica.s3.eu-north-1.amazonaws.com", signingRegion: "eu-north-1"),
        Case(
            name: "S3 dotted bucket falls back to path style", env: [:], service: .s3, region: "eu-west-1",
            bucket: "a.b.c", url: "https://s3.eu-west-1.amazonaws.com/a.b.c", signingRegion: "eu-west-1"),
        Case(
            name: "global override", env: ["AWS_ENDPOINT_URL": "http://127.0.0.1:4566"], service: .sns,
            region: "eu-west-3", url: "http://127.0.0.1:4566", signingRegion: "eu-west-3"),
        Case(
            name: "service override beats global",
            env: ["AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:2"],
            service: .cloudwatch, region: "eu-west-1", url: "http://127.0.0.1:2", signingRegion: "eu-west-1"),
        Case(
            name: "EventBridge service id", env: ["AWS_ENDPOINT_URL_EVENTBRIDGE": "http://localhost:9"],
            service: .eventbridge, region: "eu-west-1", url: "http://localhost:9", signingRegion: "eu-west-1"),
        Case(
            name: "custom IP endpoint uses path style", env: ["AWS_ENDPOINT_URL": "http://127.0.0.1:4566"],
            service: .s3, region: "eu-west-1", bucket: "mne-media-prod", url: "http://127.0.0.1:4566/mne-media-prod",
            signingRegion: "eu-west-1"),
        Case(
            name: "custom named endpoint uses virtual host", env: ["AWS_ENDPOINT_URL_S3": "https://s3.example.test"],
            service: .s3, region: "eu-west-1", bucket: "mne-media-prod", url: "https://mne-media-prod.s3.example.test",
            signingRegion: "eu-west-1"),
        Case(
            name: "overrides can be ignored",
            env: ["AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"],
            service: .sts, region: "eu-west-1", url: "https://sts.eu-west-1.amazonaws.com", signingRegion: "eu-west-1"),
    ]

    @Test(arguments: cases)
    func resolves(_ c: Case) {
        let endpoint = EndpointResolver(environment: c.env).resolve(c.service, region: c.region, bucket: c.bucket)
        #expect(endpoint.url.absoluteString == c.url)
        #expect(endpoint.signingRegion == c.signingRegion)
    }

    @Test func wireURLEncodesQueryWithTheUnreservedSet() {
        let url = AWSClient.url(
            URL(string: "http://127.0.0.1:4566/mne-media-prod")!, path: "/",
            query: [("lifecycle", nil), ("byResourceArn", "arn:aws:rds:eu-west-1:1:db:x"), ("p", "a b+c/d~")])
        #expect(
            url.absoluteString
                == "http://127.0.0.1:4566/mne-media-prod/?lifecycle&byResourceArn=arn%3Aaws%3Ards%3Aeu-west-1%3A1%3Adb%3Ax&p=a%20b%2Bc%2Fd~"
        )
    }
}

@Suite struct ErrorParsingTests {
    let op = AWSOperation(
        service: .s3, action: "GetBucketLifecycleConfiguration", bucket: "mne-vault-replica",
        resource: "mne-vault-replica")

    func response(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
    }

    @Test func s3XMLError() {
        let error = AWSError.parse(
            response: response(
                403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>"
            ),
            operation: op, region: "eu-north-1")
        #expect(
            error.description
                == "s3:GetBucketLifecycleConfiguration on mne-vault-replica (eu-north-1): AccessDenied — Access Denied (HTTP 403, request R1)"
        )
    }

    @Test func queryErrorResponseWrapper() {
        let sts = QueryProtocol.operation(.sts, action: "GetCallerIdentity")
        let error = AWSError.parse(
            response: response(
                403,
                "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>bad</Message></Error><RequestId>abc</RequestId></ErrorResponse>"
            ), operation: sts, region: "eu-west-1")
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.requestID == "abc")
        #expect(error.qualifiedAction == "sts:GetCallerIdentity")
    }

    @Test func jsonErrorWithTypePrefix() {
        let events = JSONProtocol.operation(.eventbridge, action: "DescribeRule", input: ["Name": "x"])
        let error = AWSError.parse(
            response: response(
                400, #"{"__type":"com.amazonaws.events#ResourceNotFoundException","message":"Rule x does not exist."}"#),
            operation: events, region: "eu-west-3")
        #expect(error.code == "ResourceNotFoundException")
        #expect(error.message == "Rule x does not exist.")
    }

    @Test func restJSONErrorTypeHeader() {
        let backup = AWSOperation(service: .backup, action: "ListBackupJobs")
        let error = AWSError.parse(
            response: response(
                404, #"{"Message":"not found"}"#,
                headers: [(name: "x-amzn-ErrorType", value: "ResourceNotFoundException:http://internal.amazon.com/")]),
            operation: backup, region: "eu-west-1")
        #expect(error.code == "ResourceNotFoundException")
        #expect(error.message == "not found")
    }

    @Test func anActionTheServiceDoesNotOfferIsNotImplementedOtherFailuresAreNot() {
        let simulate = QueryProtocol.operation(.iam, action: "SimulatePrincipalPolicy")
        func parsed(_ status: Int, _ body: String) -> AWSError {
            AWSError.parse(response: response(status, body), operation: simulate, region: "us-east-1")
        }
        let moto = parsed(
            501,
            "<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code><Message>no</Message></Error></ErrorResponse>"
        )
        #expect(moto.isNotImplemented)
        #expect(RetryPolicy().retryReason(moto) == nil)
        #expect(parsed(501, #"{"__type":"InternalFailure","message":"not yet implemented"}"#).isNotImplemented)
        #expect(parsed(400, "<Error><Code>InvalidAction</Code><Message>x</Message></Error>").isNotImplemented)
        #expect(!parsed(403, "<Error><Code>AccessDenied</Code><Message>x</Message></Error>").isNotImplemented)
        #expect(!parsed(500, "<html>Internal Server Error</html>").isNotImplemented)
        #expect(!AWSDecoding.missing("EvaluationResults", operation: simulate, region: "us-east-1").isNotImplemented)
    }

    @Test func emptyBodyFallsBackOnTheStatus() {
        let error = AWSError.parse(response: response(503, ""), operation: op, region: "eu-west-1")
        #expect(error.code == "InternalError")
        #expect(error.status == 503)
    }
}

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy()

    func error(_ code: String, status: Int?, kind: AWSError.Kind = .service) -> AWSError {
        AWSError(kind: kind, service: "s3", action: "X", region: "eu-west-1", status: status, code: code, message: "")
    }

    @Test(arguments: [
        ("ThrottlingException", 400, true), ("SlowDown", 503, true), ("RequestLimitExceeded", 400, true),
        ("InternalError", 500, true), ("Whatever", 502, true), ("AccessDenied", 403, false),
        ("NoSuchBucket", 404, false), ("ValidationException", 400, false),
    ])
    func retriesThrottlingAndServerErrorsButNeverClientErrors(code: String, status: Int, retried: Bool) {
        #expect((policy.retryReason(error(code, status: status)) != nil) == retried)
    }

    @Test func transportErrorsAreRetriedCredentialErrorsAreNot() {
        #expect(policy.retryReason(error("Timeout", status: nil, kind: .transport)) != nil)
        #expect(policy.retryReason(error("NoCredentials", status: nil, kind: .credentials)) == nil)
    }

    @Test func backoffIsExponentialWithJitterAndCapped() {
        #expect(policy.backoff(afterAttempt: 1, random: 0.5) == .milliseconds(500))
        #expect(policy.backoff(afterAttempt: 2, random: 0.5) == .milliseconds(1000))
        #expect(policy.backoff(afterAttempt: 3, random: 0.99) == .milliseconds(3960))
        #expect(policy.backoff(afterAttempt: 12, random: 0.999) == .milliseconds(19980))
        #expect(policy.backoff(afterAttempt: 1, random: 0) == .zero)
    }
}

@Suite struct XMLTests {
    @Test func parsesRepeatedElementsAsLists() throws {
        let xml = """
            <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Rule><ID>a</ID><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>35</NoncurrentDays></NoncurrentVersionExpiration></Rule>
              <Rule><ID>b</ID><Status>Disabled</Status></Rule>
            </LifecycleConfiguration>
            """
        let root = try XMLTree.parse(Data(xml.utf8))
        #expect(root.all("Rule").map { $0.string("ID") } == ["a", "b"])
        #expect(root.all("Rule")[0].int("NoncurrentVersionExpiration", "NoncurrentDays") == 35)
    }

    @Test(arguments: ["<a><b></a>", "<a>", "<a><b>x</b>", "", "not xml"])
    func truncatedOrMalformedXMLIsAnError(_ text: String) {
        #expect(throws: XMLParseError.self) { try XMLTree.parse(Data(text.utf8)) }
    }
}

@Suite struct PaginationTests {
    @Test func followsTokensToTheEndAndStopsOnARepeatedToken() async throws {
        let pages: [String?: ([Int], String?)] = [nil: ([1, 2], "t1"), "t1": ([3], "t2"), "t2": ([4], nil)]
        let all = try await paginate { token in pages[token]! }
        #expect(all == [1, 2, 3, 4])
        let looping = try await paginate { _ in ([0], "same") }
        #expect(looping == [0, 0])
    }
}
