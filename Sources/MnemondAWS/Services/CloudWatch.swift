import Foundation
import MnemondHTTP

/// CloudWatch: the metrics and alarms of guide Phase 8, over the query protocol (2010-08-01).
/// Every call goes to one region: CloudWatch holds a metric only in the region it is published
/// in, and an alarm only sees the metrics of its own region.
public struct CloudWatch: Sendable {
    let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    /// GetMetricData accepts at most 500 queries per call (and bills per metric requested).
    public static let maxQueriesPerCall = 500
    /// ListMetrics pages (500 metrics each) one listing may take: 500,000 metrics of one name.
    public static let maxListMetricsPages = 1000
    /// DescribeAlarms accepts at most 100 alarm names per call.
    public static let maxAlarmNamesPerCall = 100

    /// One `MetricStat` query. `id` must start with a lower-case letter (CloudWatch's rule).
    public struct MetricQuery: Sendable, Equatable {
        public var id: String
        public var namespace: String
        public var metricName: String
        /// Sent in this order. AWS ignores the order; the simulator (moto 5.2.1) matches a query's
        /// dimensions to stored ones only in the order they were put, so callers use AWS's
        /// documented order (SourceBucket, DestinationBucket, RuleId; BucketName, StorageType).
        public var dimensions: [Dimension]
        public var periodSeconds: Int
        /// `Maximum`, `Sum`, `Average`, …
        public var stat: String

        public init(
            id: String, namespace: String, metricName: String, dimensions: [Dimension], periodSeconds: Int,
            stat: String
        ) {
            self.id = id
            self.namespace = namespace
            self.metricName = metricName
            self.dimensions = dimensions
            self.periodSeconds = periodSeconds
            self.stat = stat
        }
    }

    public struct Dimension: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One query's answer: datapoints oldest first.
    public struct MetricResult: Sendable, Equatable {
        public var id: String
        public var label: String
        /// `Complete`, `PartialData` (more pages would follow), `InternalError`, `Forbidden`.
        public var statusCode: String
        public var points: [(time: Date, value: Double)]

        public init(id: String, label: String, statusCode: String, points: [(time: Date, value: Double)]) {
            self.id = id
            self.label = label
            self.statusCode = statusCode
            self.points = points
        }

        public static func == (lhs: MetricResult, rhs: MetricResult) -> Bool {
            lhs.id == rhs.id && lhs.label == rhs.label && lhs.statusCode == rhs.statusCode
                && lhs.points.map(\.time) == rhs.points.map(\.time)
                && lhs.points.map(\.value) == rhs.points.map(\.value)
        }
    }

    /// What one `getMetricData` did: the results and how many HTTP calls it took.
    public struct MetricData: Sendable, Equatable {
        public var results: [MetricResult]
        /// GetMetricData calls made (pages included): the budget is one per region per cycle.
        public var calls: Int

        public init(results: [MetricResult], calls: Int) {
            self.results = results
            self.calls = calls
        }
    }

    /// All queries in as few calls as possible, one page after another: one call per 500
    /// queries (see `getMetricDataPage`). Results come back in the order of `queries`; the first
    /// page that fails fails the whole call. The collector sends the pages of a region
    /// concurrently and keeps each page's failure to its own queries instead.
    public func getMetricData(queries: [MetricQuery], start: Date, end: Date, region: String) async throws
        -> MetricData
    {
        var results: [MetricResult] = []
        var calls = 0
        for range in Self.pages(queries.count) {
            let page = try await getMetricDataPage(
                queries: Array(queries[range]), start: start, end: end, region: region)
            results += page.results
            calls += page.calls
        }
        return MetricData(results: results, calls: calls)
    }

    /// The index ranges of the pages `count` queries are sent in: 500 queries each, in order.
    public static func pages(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: maxQueriesPerCall).map { $0..<min($0 + maxQueriesPerCall, count) }
    }

    /// One page of at most 500 queries, following NextToken (CloudWatch pages by datapoints, not
    /// by query, so one query's points may span answers; they are merged by id). Results come
    /// back in the order of `queries`, points oldest first.
    public func getMetricDataPage(queries: [MetricQuery], start: Date, end: Date, region: String) async throws
        -> MetricData
    {
        precondition(queries.count <= Self.maxQueriesPerCall, "a GetMetricData page holds at most 500 queries")
        var merged: [String: MetricResult] = [:]
        var calls = 0
        let answers: [MetricResult] = try await paginate { token in
            calls += 1
            let op = QueryProtocol.operation(
                .cloudwatch, action: "GetMetricData",
                parameters: Self.metricDataParameters(queries, start: start, end: end, nextToken: token))
            let response = try await client.send(op, region: region)
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
            return (try Self.metricResults(result, operation: op, region: region), result.string("NextToken"))
        }
        for answer in answers {
            if var existing = merged[answer.id] {
                existing.points += answer.points
                existing.statusCode = answer.statusCode
                merged[answer.id] = existing
            } else {
                merged[answer.id] = answer
            }
        }
        let results = queries.compactMap { query in
            merged[query.id].map { result in
                var sorted = result
                sorted.points.sort { $0.time < $1.time }
                return sorted
            }
        }
        return MetricData(results: results, calls: calls)
    }

    /// The query protocol's flattening of GetMetricDataInput.
    static func metricDataParameters(_ queries: [MetricQuery], start: Date, end: Date, nextToken: String?)
        -> [(String, String)]
    {
        var parameters: [(String, String)] = []
        for (index, query) in queries.enumerated() {
            let prefix = "MetricDataQueries.member.\(index + 1)"
            parameters += [
                ("\(prefix).Id", query.id),
                ("\(prefix).MetricStat.Metric.Namespace", query.namespace),
                ("\(prefix).MetricStat.Metric.MetricName", query.metricName),
            ]
            for (index, dimension) in query.dimensions.enumerated() {
                let d = "\(prefix).MetricStat.Metric.Dimensions.member.\(index + 1)"
                parameters += [("\(d).Name", dimension.name), ("\(d).Value", dimension.value)]
            }
            parameters += [
                ("\(prefix).MetricStat.Period", String(query.periodSeconds)),
                ("\(prefix).MetricStat.Stat", query.stat),
                ("\(prefix).ReturnData", "true"),
            ]
        }
        parameters += [
            ("StartTime", ISO8601.format(start)), ("EndTime", ISO8601.format(end)), ("ScanBy", "TimestampAscending"),
        ]
        if let nextToken { parameters.append(("NextToken", nextToken)) }
        return parameters
    }

    /// `<GetMetricDataResult>` → results. Timestamps and values are parallel lists. A timestamp or
    /// value that does not parse, or a value that is not finite, makes the answer invalid: dropping
    /// the point would read as "no data", and passing NaN on would compare as "within limits".
    static func metricResults(_ result: XMLTree, operation: AWSOperation, region: String) throws -> [MetricResult] {
        try (result["MetricDataResults"]?.all("member") ?? []).map { member in
            let id = member.string("Id") ?? "?"
            let times = try (member["Timestamps"]?.all("member") ?? []).map { node in
                guard let time = ISO8601.parse(node.text) else {
                    throw AWSDecoding.invalid(
                        "MetricDataResults[\(id)].Timestamps", node.text, operation: operation, region: region)
                }
                return time
            }
            let values = try (member["Values"]?.all("member") ?? []).map { node in
                guard let value = Double(node.text), value.isFinite else {
                    throw AWSDecoding.invalid(
                        "MetricDataResults[\(id)].Values", node.text, operation: operation, region: region)
                }
                return value
            }
            guard times.count == values.count else {
                throw AWSDecoding.invalid(
                    "MetricDataResults[\(id)]", "\(times.count) timestamps for \(values.count) values",
                    operation: operation, region: region)
            }
            let points = zip(times, values).map { (time: $0, value: $1) }
            return MetricResult(
                id: member.string("Id") ?? "", label: member.string("Label") ?? "",
                statusCode: member.string("StatusCode") ?? "", points: points)
        }
    }

    /// One metric as ListMetrics names it: namespace, name and dimensions in the answer's order.
    public struct ListedMetric: Sendable, Equatable {
        public var namespace: String
        public var metricName: String
        public var dimensions: [Dimension]

        public init(namespace: String, metricName: String, dimensions: [Dimension]) {
            self.namespace = namespace
            self.metricName = metricName
            self.dimensions = dimensions
        }

        /// The value of the dimension `name`, nil when the metric has no such dimension.
        public func dimension(_ name: String) -> String? { dimensions.first { $0.name == name }?.value }
    }

    /// ListMetrics of one metric in one namespace, every page (CloudWatch answers 500 metrics a
    /// page and a NextToken). CloudWatch lists a metric that had a datapoint in the last two weeks.
    /// It is not billed per metric, unlike GetMetricData: one listing tells which metrics exist, so
    /// only those are requested. A listing that does not end (a repeated token, more than
    /// `maxListMetricsPages` pages) is an error: cut short, it would drop metrics that exist.
    public func listMetrics(namespace: String, metricName: String, region: String) async throws -> [ListedMetric] {
        let incomplete = {
            AWSError(
                kind: .decoding, service: AWSService.cloudwatch.iamPrefix, action: "ListMetrics", region: region,
                code: "InvalidResponse",
                message:
                    "the listing of \(namespace) \(metricName) did not end (a NextToken repeated, or more than \(Self.maxListMetricsPages) pages)"
            )
        }
        return try await paginateCompletely(maxPages: Self.maxListMetricsPages, incomplete: incomplete) { token in
            let op = QueryProtocol.operation(
                .cloudwatch, action: "ListMetrics",
                parameters: Self.listMetricsParameters(namespace: namespace, metricName: metricName, nextToken: token))
            let response = try await client.send(op, region: region)
            let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
            return (try Self.listedMetrics(result, operation: op, region: region), result.string("NextToken"))
        }
    }

    /// ListMetricsInput: one metric of one namespace, any dimensions, the page asked for.
    static func listMetricsParameters(namespace: String, metricName: String, nextToken: String?) -> [(String, String)] {
        var parameters = [("Namespace", namespace), ("MetricName", metricName)]
        if let nextToken { parameters.append(("NextToken", nextToken)) }
        return parameters
    }

    /// `<ListMetricsResult>` → metrics. An answer without its `Metrics` list, or a metric or
    /// dimension without its name or value, is invalid (naming the field): read as "no metrics",
    /// it would make the caller ask for none.
    static func listedMetrics(_ result: XMLTree, operation: AWSOperation, region: String) throws -> [ListedMetric] {
        guard let list = result["Metrics"] else {
            throw AWSDecoding.missing("ListMetricsResult.Metrics", operation: operation, region: region)
        }
        func required(_ node: XMLTree, _ name: String, _ field: String) throws -> String {
            guard let text = node.string(name), !text.isEmpty else {
                throw AWSDecoding.invalid(field, node.string(name) ?? "(absent)", operation: operation, region: region)
            }
            return text
        }
        return try list.all("member").enumerated().map { index, member in
            let field = "Metrics[\(index)]"
            let dimensions = try (member["Dimensions"]?.all("member") ?? []).enumerated().map { d, node in
                Dimension(
                    try required(node, "Name", "\(field).Dimensions[\(d)].Name"),
                    try required(node, "Value", "\(field).Dimensions[\(d)].Value"))
            }
            return ListedMetric(
                namespace: try required(member, "Namespace", "\(field).Namespace"),
                metricName: try required(member, "MetricName", "\(field).MetricName"), dimensions: dimensions)
        }
    }

    /// DescribeAlarms by name: the `<member>` elements of `MetricAlarms` (metric and metric-math
    /// alarms), whole, for the collector to translate. Names that do not exist are simply absent.
    public func describeAlarms(names: [String], region: String) async throws -> [XMLTree] {
        var alarms: [XMLTree] = []
        for chunkStart in stride(from: 0, to: names.count, by: Self.maxAlarmNamesPerCall) {
            let chunk = Array(names[chunkStart..<min(chunkStart + Self.maxAlarmNamesPerCall, names.count)])
            alarms += try await paginate { token in
                var parameters = QueryProtocol.list("AlarmNames", chunk) + [("MaxRecords", "100")]
                if let token { parameters.append(("NextToken", token)) }
                let op = QueryProtocol.operation(.cloudwatch, action: "DescribeAlarms", parameters: parameters)
                let response = try await client.send(op, region: region)
                let result = try QueryProtocol.result(response.body, action: op.action, operation: op, region: region)
                return (result["MetricAlarms"]?.all("member") ?? [], result.string("NextToken"))
            }
        }
        return alarms
    }
}
