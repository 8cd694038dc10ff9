import Foundation

/// The alert plumbing and the metrics it watches: CloudWatch series and alarms, SNS topics,
/// EventBridge rules.
public struct MonitoringObservation: Sendable, Codable, Equatable {
    /// GetMetricData answers per region (one page of up to 500 queries each). A region whose
    /// every page failed is unavailable; one whose pages partly failed has a value in which the
    /// failed pages' series carry their `unavailable` reason.
    public var metrics: [String: Observed<[MetricSeries]>]
    /// DescribeAlarms answers per region.
    public var alarms: [String: Observed<[AlarmObservation]>]
    /// Topics by ARN.
    public var topics: [String: Observed<TopicObservation>]
    /// EventBridge rules by "region/name".
    public var rules: [String: Observed<EventRuleObservation>]

    public init(
        metrics: [String: Observed<[MetricSeries]>] = [:], alarms: [String: Observed<[AlarmObservation]>] = [:],
        topics: [String: Observed<TopicObservation>] = [:], rules: [String: Observed<EventRuleObservation>] = [:]
    ) {
        self.metrics = metrics
        self.alarms = alarms
        self.topics = topics
        self.rules = rules
    }
}

/// One metric's datapoints, identified by the query that asked for it.
public struct MetricSeries: Sendable, Codable, Equatable {
    /// `ReplicationLatency`, `NumberOfObjects`, …
    public var metric: String
    /// Dimensions as asked (`SourceBucket`, `DestinationBucket`, `RuleId`, `BucketName`, `StorageType`).
    public var dimensions: [String: String]
    public var statistic: String
    public var periodSeconds: Int
    /// Oldest first.
    public var points: [Point]
    /// Set when the page holding this series' query failed while other pages of its region were
    /// answered: the series was asked for and not read (no points), not "CloudWatch had nothing".
    public var unavailable: Unavailable?

    public struct Point: Sendable, Codable, Equatable {
        public var time: Date
        public var value: Double
        public init(time: Date, value: Double) {
            self.time = time
            self.value = value
        }
    }

    public init(
        metric: String, dimensions: [String: String], statistic: String, periodSeconds: Int, points: [Point],
        unavailable: Unavailable? = nil
    ) {
        self.metric = metric
        self.dimensions = dimensions
        self.statistic = statistic
        self.periodSeconds = periodSeconds
        self.points = points
        self.unavailable = unavailable
    }
}

public struct AlarmObservation: Sendable, Codable, Equatable {
    public var name: String
    public var region: String
    /// OK, ALARM, INSUFFICIENT_DATA.
    public var state: String
    public var stateUpdatedAt: Date?
    /// The metric watched: the alarm's own, or the first MetricStat of a metric-math alarm.
    public var metric: String?
    public var namespace: String?
    public var dimensions: [String: String]
    public var statistic: String?
    public var periodSeconds: Int?
    public var threshold: Double?
    public var comparison: String?
    public var evaluationPeriods: Int?
    public var actions: [String]

    public init(
        name: String, region: String, state: String, stateUpdatedAt: Date?, metric: String?, namespace: String?,
        dimensions: [String: String], statistic: String?, periodSeconds: Int?, threshold: Double?, comparison: String?,
        evaluationPeriods: Int?, actions: [String]
    ) {
        self.name = name
        self.region = region
        self.state = state
        self.stateUpdatedAt = stateUpdatedAt
        self.metric = metric
        self.namespace = namespace
        self.dimensions = dimensions
        self.statistic = statistic
        self.periodSeconds = periodSeconds
        self.threshold = threshold
        self.comparison = comparison
        self.evaluationPeriods = evaluationPeriods
        self.actions = actions
    }
}

public struct TopicObservation: Sendable, Codable, Equatable {
    public var arn: String
    /// False when GetTopicAttributes answered NotFound.
    public var exists: Bool
    public var subscriptions: [Subscription]
    /// The topic's access policy (GetTopicAttributes `Policy`), statement by statement; nil when
    /// the answer carried none. Who may publish decides whether alarms and rules reach the topic.
    public var policy: [TopicPolicyStatement]?

    public struct Subscription: Sendable, Codable, Equatable {
        /// `email`, `https`, `sqs`, …
        public var `protocol`: String
        /// Redacted to scheme and host for http(s): a webhook URL is a secret.
        public var endpoint: String
        public var confirmed: Bool
        public init(protocol: String, endpoint: String, confirmed: Bool) {
            self.protocol = `protocol`
            self.endpoint = endpoint
            self.confirmed = confirmed
        }
    }

    public init(arn: String, exists: Bool, subscriptions: [Subscription], policy: [TopicPolicyStatement]? = nil) {
        self.arn = arn
        self.exists = exists
        self.subscriptions = subscriptions
        self.policy = policy
    }
}

/// One statement of an SNS topic policy, normalised: single strings become one-element lists.
public struct TopicPolicyStatement: Sendable, Codable, Equatable {
    public var sid: String?
    /// `Allow` or `Deny`.
    public var effect: String
    /// `Principal: "*"` or `{"AWS": "*"}`: anyone (conditions permitting).
    public var anyPrincipal: Bool
    /// `Principal.Service` (`events.amazonaws.com`).
    public var services: [String]
    /// `Principal.AWS` other than `*` (account IDs, account root or IAM ARNs).
    public var awsPrincipals: [String]
    /// `SNS:Publish`, `sns:*`, `*` — as written (IAM action names are case-insensitive).
    public var actions: [String]
    public var conditions: [Condition]

    /// One `Condition` entry: operator, key, values (`StringEquals`, `AWS:SourceOwner`, [account]).
    public struct Condition: Sendable, Codable, Equatable {
        public var `operator`: String
        public var key: String
        public var values: [String]
        public init(operator: String, key: String, values: [String]) {
            self.operator = `operator`
            self.key = key
            self.values = values
        }
    }

    public init(
        sid: String? = nil, effect: String, anyPrincipal: Bool = false, services: [String] = [],
        awsPrincipals: [String] = [], actions: [String], conditions: [Condition] = []
    ) {
        self.sid = sid
        self.effect = effect
        self.anyPrincipal = anyPrincipal
        self.services = services
        self.awsPrincipals = awsPrincipals
        self.actions = actions
        self.conditions = conditions
    }
}

public struct EventRuleObservation: Sendable, Codable, Equatable {
    public var name: String
    public var region: String
    /// False when DescribeRule answered ResourceNotFoundException.
    public var exists: Bool
    /// ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
    public var state: String?
    public var eventPattern: String?
    public var targetARNs: [String]

    public init(name: String, region: String, exists: Bool, state: String?, eventPattern: String?, targetARNs: [String])
    {
        self.name = name
        self.region = region
        self.exists = exists
        self.state = state
        self.eventPattern = eventPattern
        self.targetARNs = targetARNs
    }
}
