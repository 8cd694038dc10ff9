import Foundation
import Logging
import MnemondAWS
import MnemondChecks
import MnemondCollect
import MnemondConfig
import MnemondHTTP
import MnemondModel
import MnemondStore

/// Options that come from the command line and the process environment rather than the file.
public struct RuntimeOptions: Sendable {
    /// `--profile`: beats `aws.profile` in the config and `AWS_PROFILE`.
    public var profile: String?
    /// `--db`: beats `store.path` in the config.
    public var dbPath: String?
    public var environment: [String: String]
    public var now: @Sendable () -> Date

    public init(
        profile: String? = nil, dbPath: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.profile = profile
        self.dbPath = dbPath
        self.environment = environment
        self.now = now
    }
}

/// The composition root: builds every part from the config, the one place where they meet.
/// Tests build it the same way the executable does.
public final class Runtime: Sendable {
    public let config: Config
    public let store: Store
    public let aws: AWSClient
    let http: HTTPClient
    let s3: S3Collector
    let rds: RDSCollector
    let iam: IAMCollector
    let backup: BackupCollector
    let monitoring: MonitoringCollector
    let logger: Logger
    /// Alert states, the outbox and delivery (Alerting.swift).
    public let alerter: Alerter
    let now: @Sendable () -> Date
    /// The newest observations of every family, so a cycle that collects one family still
    /// evaluates the whole estate.
    let latest = LatestObservations()

    public static func build(config: Config, options: RuntimeOptions, logger: Logger = Logger(label: "mnemond"))
        throws(StoreError) -> Runtime
    {
        let store = try Store.open(path: options.dbPath ?? config.storePath)
        let http = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(config.aws.connectTimeoutSeconds),
                requestTimeout: .seconds(config.aws.requestTimeoutSeconds),
                maxConcurrentRequests: config.aws.maxConcurrentRequests))
        let endpoints = EndpointResolver(environment: options.environment)
        // The config's profile ranks like AWS_PROFILE: below `--profile`, and below keys in the
        // environment, as the AWS CLI ranks them.
        var variables = options.environment
        if variables["AWS_PROFILE"] == nil, let profile = config.aws.profile { variables["AWS_PROFILE"] = profile }
        let credentials = CredentialChain.standard(
            profile: options.profile,
            environment: CredentialEnvironment(
                variables: variables,
                homeDirectory: options.environment["HOME"] ?? NSHomeDirectory()),
            http: http, sts: STSCalls.live(http: http, endpoints: endpoints, now: options.now), now: options.now)
        let aws = AWSClient(
            credentials: credentials, http: http, endpoints: endpoints, logger: logger, now: options.now)
        let alerter = Alerter(
            config: config.alerting, store: store,
            notifiers: Alerter.notifiers(config.alerting, aws: aws, http: http, environment: options.environment),
            logger: logger, now: options.now)
        return Runtime(
            config: config, store: store, aws: aws, http: http, alerter: alerter, logger: logger, now: options.now)
    }

    init(
        config: Config, store: Store, aws: AWSClient, http: HTTPClient, alerter: Alerter, logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.alerter = alerter
        self.config = config
        self.store = store
        self.aws = aws
        self.http = http
        self.s3 = S3Collector(client: aws, now: now)
        self.rds = RDSCollector(client: aws, now: now)
        self.iam = IAMCollector(client: aws, now: now)
        self.backup = BackupCollector(client: aws, now: now)
        self.monitoring = MonitoringCollector(client: aws, now: now)
        self.logger = logger
        self.now = now
    }

    /// Collect the given families (all by default) → evaluate every check → store, once. The
    /// latest observations of families not collected this time are kept from earlier cycles, so
    /// each evaluation sees the whole estate. A failing AWS call makes its checks UNKNOWN; only a
    /// store failure throws, and then nothing of this cycle is half-written.
    public func runCycle(families: Set<CheckFamily> = Set(CheckFamily.allCases)) async throws(StoreError)
        -> CycleOutcome
    {
        let started = now()
        var collected = CollectedCycle()
        let policy = config.policy
        // Families run concurrently; each folds its piece into the latest observations.
        async let pitr: CollectedCycle = families.contains(.pitr) ? collectPITR(policy) : CollectedCycle()
        async let jobs: CollectedCycle = families.contains(.backupJobs) ? collectBackup(policy) : CollectedCycle()
        async let metrics: CollectedCycle =
            families.contains(.metrics) || families.contains(.storageMetrics)
            ? collectMetrics(policy, storage: families.contains(.storageMetrics)) : CollectedCycle()
        async let settings: CollectedCycle =
            families.contains(.configuration) ? collectConfiguration(policy) : CollectedCycle()
        for piece in await [pitr, jobs, metrics, settings] {
            collected.samples += piece.samples
            collected.updates += piece.updates
        }
        let observations = await latest.merge(collected.updates, at: now())
        // The object-count band looks back at stored daily counts beyond what one GetMetricData
        // answer holds.
        let windowDays = Double(policy.monitoring?.objectCountWindowDays ?? 14) + 7
        let history = History(
            samples: try await store.samples(series: "s3_objects", since: now().addingTimeInterval(-windowDays * 86400)))
        let findings = Catalog.evaluate(config.policy, observations, history, now: now())
        let finished = now()
        let calls = await aws.calls.reset()
        var samples = collected.samples
        samples.append(
            Sample(
                series: "cycle_duration_seconds",
                labels: ["families": families.sorted().map(\.rawValue).joined(separator: "+")], time: finished,
                value: finished.timeIntervalSince(started)))
        for (service, count) in calls {
            samples.append(Sample(series: "aws_api_calls", labels: ["service": service], time: finished, value: Double(count)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let rows = families.contains(.configuration)
            ? observations.buckets.map { bucket in
                CycleInput.ObservationRow(
                    kind: "s3.bucket", resource: bucket.bucket,
                    payload: (try? encoder.encode(bucket)).map { String(decoding: $0, as: UTF8.self) } ?? "{}")
            } : []
        try await store.recordCycle(
            CycleInput(
                startedAt: started, finishedAt: finished, observations: rows, samples: samples, findings: findings,
                apiCalls: calls.values.reduce(0, +)))
        try await alerter.afterCycle(findings)
        let counts = Dictionary(grouping: findings, by: \.effectiveState).mapValues(\.count)
        logger.info(
            "cycle done",
            metadata: [
                "families": "\(families.sorted().map(\.rawValue).joined(separator: ","))",
                "ok": "\(counts[.ok] ?? 0)", "warning": "\(counts[.warning] ?? 0)",
                "critical": "\(counts[.critical] ?? 0)", "unknown": "\(counts[.unknown] ?? 0)",
                "api_calls": "\(calls.values.reduce(0, +))",
                "ms": "\(Int(finished.timeIntervalSince(started) * 1000))",
            ])
        return CycleOutcome(startedAt: started, finishedAt: finished, findings: findings, apiCalls: calls)
    }

    func collectPITR(_ policy: Policy) async -> CollectedCycle {
        guard !policy.rds.isEmpty else { return CollectedCycle() }
        let result = await rds.collect(policy.rds)
        return CollectedCycle(samples: result.samples, updates: [{ $0.rds = result.instances }])
    }

    func collectBackup(_ policy: Policy) async -> CollectedCycle {
        guard let promise = policy.backup else { return CollectedCycle() }
        let result = await backup.collect(promise)
        return CollectedCycle(samples: result.samples, updates: [{ $0.backup = result.observation }])
    }

    func collectMetrics(_ policy: Policy, storage: Bool) async -> CollectedCycle {
        let result = await monitoring.collectMetrics(policy: policy, storage: storage)
        return CollectedCycle(
            samples: result.samples,
            updates: [
                {
                    var merged = $0.monitoring ?? MonitoringObservation()
                    // A metrics-only cycle keeps the storage series of the last daily run.
                    for (region, observed) in result.monitoring.metrics {
                        merged.metrics[region] = Self.mergeSeries(old: merged.metrics[region], new: observed, storage: storage)
                    }
                    $0.monitoring = merged
                }
            ])
    }

    /// Replaces the series a run asked for and keeps the others (the daily storage series when
    /// only replication metrics were fetched).
    static func mergeSeries(old: Observed<[MetricSeries]>?, new: Observed<[MetricSeries]>, storage: Bool)
        -> Observed<[MetricSeries]>
    {
        guard !storage, case .value(let fresh)? = Optional(new), case .value(let previous)? = old else { return new }
        let asked = Set(fresh.map(\.metric))
        return .value(fresh + previous.filter { !asked.contains($0.metric) })
    }

    func collectConfiguration(_ policy: Policy) async -> CollectedCycle {
        async let s3Result = s3.collect(policy.buckets)
        async let iamResult = iam.collect(
            roles: policy.appRole.map { [$0.name] } ?? [], stsRegion: policy.buckets.first?.region ?? "us-east-1")
        async let plumbingResult = monitoring.collectPlumbing(policy: policy)
        let (buckets, identity, plumbing) = await (s3Result, iamResult, plumbingResult)
        return CollectedCycle(
            samples: buckets.samples + identity.report.samples(at: now()) + plumbing.samples,
            updates: [
                {
                    $0.buckets = buckets.buckets
                    $0.identity = identity.identity
                    $0.roles = identity.roles
                    var merged = $0.monitoring ?? MonitoringObservation()
                    merged.alarms = plumbing.monitoring.alarms
                    merged.topics = plumbing.monitoring.topics
                    merged.rules = plumbing.monitoring.rules
                    $0.monitoring = merged
                }
            ])
    }

    public func shutdown() async {
        await http.shutdown()
    }
}

/// What one cycle collected: samples, and how to fold its observations into the latest ones.
struct CollectedCycle {
    var samples: [Sample] = []
    var updates: [@Sendable (inout Observations) -> Void] = []
}

actor LatestObservations {
    private var current = Observations(collectedAt: .distantPast)

    func merge(_ updates: [@Sendable (inout Observations) -> Void], at time: Date) -> Observations {
        for update in updates { update(&current) }
        current.collectedAt = time
        return current
    }
}
