import Foundation
import Synchronization
import Testing

@testable import MnemondAWS

/// CloudWatch ListMetrics over the query protocol: the request as flattened, a recorded answer
/// (the simulator's, built from botocore's output shape) read metric by metric, and answers that
/// cannot be read refused with an error naming the field — never read as "no metrics".
@Suite struct ListMetricsTests {
    static let listMetrics = QueryProtocol.operation(.cloudwatch, action: "ListMetrics", parameters: [])

    /// ListMetrics of AWS/S3 BucketSizeBytes in eu-west-3 on the target estate: mne-media-replica's
    /// Deep Archive bytes and their two overhead types, and the token of a next page.
    static let recorded = """
        <ListMetricsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ListMetricsResult><Metrics>\
        <member><Namespace>AWS/S3</Namespace><MetricName>BucketSizeBytes</MetricName><Dimensions>\
        <member><Name>BucketName</Name><Value>mne-media-replica</Value></member>\
        <member><Name>StorageType</Name><Value>DeepArchiveStorage</Value></member></Dimensions></member>\
        <member><Namespace>AWS/S3</Namespace><MetricName>BucketSizeBytes</MetricName><Dimensions>\
        <member><Name>BucketName</Name><Value>mne-media-replica</Value></member>\
        <member><Name>StorageType</Name><Value>DeepArchiveObjectOverhead</Value></member></Dimensions></member>\
        <member><Namespace>AWS/S3</Namespace><MetricName>BucketSizeBytes</MetricName><Dimensions>\
        <member><Name>BucketName</Name><Value>mne-media-replica</Value></member>\
        <member><Name>StorageType</Name><Value>DeepArchiveS3ObjectOverhead</Value></member></Dimensions></member>\
        </Metrics><NextToken>c2ltdWxhdG9yLXBhZ2UtMg==</NextToken></ListMetricsResult><ResponseMetadata>\
        <RequestId>JsLSkWw0f94IYqEDUERFBmqxAhAmNGjbZoLw8ahUt8NbfXRE9c1S</RequestId></ResponseMetadata>\
        </ListMetricsResponse>
        """

    static func result(_ xml: String) throws -> XMLTree {
        try QueryProtocol.result(Data(xml.utf8), action: "ListMetrics", operation: listMetrics, region: "eu-west-3")
    }

    @Test func aRecordedAnswerIsReadMetricByMetric() throws {
        let result = try Self.result(Self.recorded)
        let metrics = try CloudWatch.listedMetrics(result, operation: Self.listMetrics, region: "eu-west-3")
        #expect(metrics.count == 3)
        #expect(metrics.allSatisfy { $0.namespace == "AWS/S3" && $0.metricName == "BucketSizeBytes" })
        #expect(metrics.map { $0.dimension("BucketName") } == Array(repeating: "mne-media-replica", count: 3))
        #expect(
            metrics.map { $0.dimension("StorageType") } == [
                "DeepArchiveStorage", "DeepArchiveObjectOverhead", "DeepArchiveS3ObjectOverhead",
            ])
        #expect(
            metrics[0].dimensions == [
                .init("BucketName", "mne-media-replica"), .init("StorageType", "DeepArchiveStorage"),
            ])
        #expect(metrics[0].dimension("RuleId") == nil)
        #expect(result.string("NextToken") == "c2ltdWxhdG9yLXBhZ2UtMg==")
    }

    @Test func anEmptyListIsAnAnswer() throws {
        let empty = try Self.result(
            #"<ListMetricsResponse><ListMetricsResult><Metrics/></ListMetricsResult></ListMetricsResponse>"#)
        #expect(try CloudWatch.listedMetrics(empty, operation: Self.listMetrics, region: "eu-west-3").isEmpty)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        var name: String
        var xml: String
        /// What the error message must say.
        var says: String
        var testDescription: String { name }
    }

    static func member(
        namespace: String = "<Namespace>AWS/S3</Namespace>", name: String = "<MetricName>BucketSizeBytes</MetricName>",
        dimensions: String
    ) -> String {
        "<ListMetricsResponse><ListMetricsResult><Metrics><member>\(namespace)\(name)<Dimensions>\(dimensions)"
            + "</Dimensions></member></Metrics></ListMetricsResult></ListMetricsResponse>"
    }

    static let bucket = "<member><Name>BucketName</Name><Value>mne-media-replica</Value></member>"

    static let malformed: [Malformed] = [
        Malformed(
            name: "no Metrics list",
            xml:
                "<ListMetricsResponse><ListMetricsResult><NextToken>x</NextToken></ListMetricsResult></ListMetricsResponse>",
            says: "answer lacks ListMetricsResult.Metrics"),
        Malformed(
            name: "not the ListMetrics answer", xml: "<Error><Code>x</Code></Error>",
            says: "answer lacks ListMetricsResult.Metrics"),
        Malformed(
            name: "dimension without a value",
            xml: member(dimensions: bucket + "<member><Name>StorageType</Name></member>"),
            says: #"Metrics[0].Dimensions[1].Value is not valid: "(absent)""#),
        Malformed(
            name: "dimension with an empty name",
            xml: member(dimensions: "<member><Name></Name><Value>mne-media-replica</Value></member>"),
            says: #"Metrics[0].Dimensions[0].Name is not valid: """#),
        Malformed(
            name: "metric without a name", xml: member(name: "", dimensions: bucket),
            says: #"Metrics[0].MetricName is not valid: "(absent)""#),
        Malformed(
            name: "metric without a namespace", xml: member(namespace: "", dimensions: bucket),
            says: #"Metrics[0].Namespace is not valid: "(absent)""#),
    ]

    @Test(arguments: malformed)
    func anAnswerThatCannotBeReadIsAnErrorNamingTheField(_ bad: Malformed) throws {
        let result = try Self.result(bad.xml)
        #expect {
            try CloudWatch.listedMetrics(result, operation: Self.listMetrics, region: "eu-west-3")
        } throws: { error in
            guard let aws = error as? AWSError else { return false }
            return aws.code == "InvalidResponse" && aws.message == bad.says
                && aws.qualifiedAction == "cloudwatch:ListMetrics" && aws.region == "eu-west-3"
        }
    }

    struct Incomplete: Error, Equatable {}

    /// A listing is read to its end; one that does not end is an error, never the pages so far
    /// (a storage type missing from the listing would not be asked for).
    @Test func aListingIsCompleteOrAnError() async throws {
        let pages: [String?: ([Int], String?)] = [nil: ([1, 2], "b"), "b": ([3], "c"), "c": ([4], nil)]
        let all = try await paginateCompletely(incomplete: { Incomplete() }) { token in pages[token]! }
        #expect(all == [1, 2, 3, 4])
        await #expect(throws: Incomplete.self) {
            try await paginateCompletely(incomplete: { Incomplete() }) { _ in ([0], "always-the-same") }
        }
        let counter = Mutex(0)
        await #expect(throws: Incomplete.self) {
            try await paginateCompletely(maxPages: 5, incomplete: { Incomplete() }) { _ in
                let page = counter.withLock { count in
                    count += 1
                    return count
                }
                return ([page], "page-\(page)")
            }
        }
        #expect(counter.withLock { $0 } == 5)
        // An empty token ends the listing, as AWS's paginators read it.
        let ended = try await paginateCompletely(incomplete: { Incomplete() }) { _ in ([7], "") }
        #expect(ended == [7])
    }

    @Test func theRequestNamesTheNamespaceTheMetricAndThePage() {
        let op = QueryProtocol.operation(
            .cloudwatch, action: "ListMetrics",
            parameters: CloudWatch.listMetricsParameters(
                namespace: "AWS/S3", metricName: "BucketSizeBytes", nextToken: "a+b/c="))
        #expect(
            String(decoding: op.body, as: UTF8.self)
                == "Action=ListMetrics&Version=2010-08-01&Namespace=AWS%2FS3&MetricName=BucketSizeBytes&NextToken=a%2Bb%2Fc%3D"
        )
        #expect(op.iamAction == "cloudwatch:ListMetrics")
    }
}

/// The lenient walk: a service repeating a token or paging past the limit ends the listing with
/// what was read (the callers for whom a shorter list is no false fact).
@Suite struct PaginateTests {
    @Test func aRepeatedTokenEndsTheListingWithThePagesRead() async throws {
        let pages: [String?: (items: [Int], next: String?)] = [nil: ([1, 2], "a"), "a": ([3], "b"), "b": ([4], "a")]
        let items = try await paginate { token in pages[token]! }
        #expect(items == [1, 2, 3, 4])
    }

    @Test func theLastPageHasNoToken() async throws {
        let items = try await paginate { token in token == nil ? ([1], "next") : ([2], "") }
        #expect(items == [1, 2])
    }

    @Test func pagingStopsAtMaxPages() async throws {
        var asked = 0
        let items = try await paginate(maxPages: 3) { _ in
            asked += 1
            return ([asked], "token-\(asked)")
        }
        #expect(items == [1, 2, 3])
        #expect(asked == 3)
    }
}
