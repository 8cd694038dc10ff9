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

/// The AWS settings of one runtime: attempts, retry mode and CA bundle, and the endpoints the
/// shared config names.
public struct AWSSettings: Sendable {
    public var effective: Config.AWS.Effective
    public var endpoints: ConfiguredEndpoints
}

/// The composition root: builds every part from the config; tests build it as the executable does.
public final class Runtime: Sendable {
    public let config: Config
    public let store: Store
    public let aws: AWSClient
    let http: HTTPClient
    /// The standard collectors (MnemondCollect), timed and reported by one runner.
    let collectors: CollectorRunner
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
        if let mode = store.permissionsTightened {
            logger.warning(
                "store permissions tightened",
                metadata: ["path": "\(store.path)", "mode": "\(mode)", "now": "\(store.mode ?? "0600")"])
        }
        // Checked before the build (`awsSettings`, exit 78); defaults only for a config built in code.
        let settings =
            (try? awsSettings(config: config, options: options))
            ?? AWSSettings(
                effective: .init(
                    caBundle: config.aws.caBundle, maxAttempts: config.aws.maxAttempts ?? 3, retryMode: .standard),
                endpoints: ConfiguredEndpoints())
        let http = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(config.aws.connectTimeoutSeconds),
                requestTimeout: .seconds(config.aws.requestTimeoutSeconds),
                maxConcurrentRequests: config.aws.maxConcurrentRequests, caBundlePath: settings.effective.caBundle,
                proxy: ProxySettings(environment: options.environment)))
        let endpoints = EndpointResolver(environment: options.environment, configured: settings.endpoints)
        // The config's profile ranks below `--profile` and AWS_PROFILE, and below keys in the
        // environment, as the AWS CLI ranks a profile; errors name where the profile came from.
        let sts = STSCalls.live(http: http, endpoints: endpoints, now: options.now)
        var credentials = CredentialChain.standard(
            profile: options.profile, configuredProfile: config.aws.profile,
            environment: Self.credentialEnvironment(options), http: http, sts: sts, endpoints: endpoints,
            now: options.now)
        if let estate = config.estate, let role = estate.roleARN {
            credentials = CachingCredentialProvider(
                EstateRoleCredentialProvider(
                    base: credentials, roleARN: role, externalID: estate.externalID, sessionName: estate.sessionName,
                    sts: sts, environment: options.environment), now: options.now)
        }
        let retryMode = RetryMode(rawValue: settings.effective.retryMode.rawValue) ?? .standard
        let aws = AWSClient(
            credentials: credentials, http: http, endpoints: endpoints,
            retry: RetryPolicy(mode: retryMode, maxAttempts: settings.effective.maxAttempts), logger: logger,
            now: options.now)
        let alerter = Alerter(
            config: config.alerting, store: store,
            notifiers: Alerter.notifiers(config.alerting, aws: aws, http: http, environment: options.environment),
            logger: logger, account: config.policy.accountID, estate: config.estate?.name, now: options.now)
        return Runtime(
            config: config, store: store, aws: aws, http: http, alerter: alerter, logger: logger, now: options.now)
    }

    /// The AWS settings in force and the endpoints configured: the environment, the config's
    /// `aws.*` and the selected shared-config profile, ranked as the AWS CLI ranks them. An error
    /// names where the bad value was read; callers check this before `build` (exit 78).
    public static func awsSettings(config: Config, options: RuntimeOptions) throws(ConfigError) -> AWSSettings {
        let environment = credentialEnvironment(options)
        let shared: SharedProfileSettings
        do {
            shared = try SharedProfileSettings.load(
                profile: options.profile, configuredProfile: config.aws.profile, environment: environment)
        } catch {
            throw ConfigError(file: "shared AWS config", message: error.message)
        }
        let effective = try config.aws.effective(
            environment: options.environment,
            profile: .init(
                source: shared.source, caBundle: shared.caBundle, maxAttempts: shared.maxAttempts,
                retryMode: shared.retryMode))
        return AWSSettings(effective: effective, endpoints: shared.endpoints)
    }

    static func credentialEnvironment(_ options: RuntimeOptions) -> CredentialEnvironment {
        CredentialEnvironment(
            variables: options.environment, homeDirectory: options.environment["HOME"] ?? NSHomeDirectory())
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
        // The backup collector lists recovery points and jobs from where the store's copy ends; a
        // store that cannot be read makes it list the whole window, as on an empty store.
        let cursors: BackupCollector.Cursors = { [store] vault, region in
            try? await store.recoveryPointCursor(vault: vault, region: region)
        }
        let all = StandardCollectors.all(
            client: aws, now: now, recoveryPoints: cursors, jobs: store, storageTypes: store)
        self.collectors = CollectorRunner(collectors: all, logger: logger, now: now, settled: store)
        self.logger = logger
        self.now = now
    }

    /// Collect the given families (all by default) → evaluate every check → store, once. The
    /// latest observations of families not collected this time are kept from earlier cycles, so
    /// each evaluation sees the whole estate. A failing AWS call makes its checks UNKNOWN; only a
    /// store failure throws, and then nothing of this cycle is half-written.
    ///
    /// The stages: the collectors of the due families, concurrently → merge into the latest
    /// observations → load the history the checks declare → evaluate → record → alert.
    /// `storeDamage`: what the daemon's daily integrity check found wrong with the store; the
    /// cycle then reports `mnemond.store` CRITICAL beside the catalog's findings.
    public func runCycle(families: Set<CheckFamily> = Set(CheckFamily.allCases), storeDamage: String? = nil)
        async throws(StoreError) -> CycleOutcome
    {
        let started = now()
        let policy = config.policy
        let run = await collectors.run(policy, families: families)
        // What the checks read in the raw values just collected (e.g. the effective noncurrent
        // window), recorded beside the collectors' own samples.
        var fresh = Observations(collectedAt: now())
        run.merge(into: &fresh)
        // Recovery points: this cycle's listings merged into the store's copy, which the checks
        // then read in full (the listing itself may hold only the newest points).
        if let backup = fresh.backup {
            for (vault, listing) in (backup.listings ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let points = backup.recoveryPoints[vault]?.value else { continue }
                try await store.applyRecoveryPointListing(
                    vault: vault, listing: listing, points: points, at: fresh.collectedAt)
            }
        }
        var keptPoints: [String: [RecoveryPoint]] = [:]
        if let promise = policy.backup {
            for (vault, region) in [(promise.vault, promise.region), (promise.drVault, promise.drRegion)] {
                if let points = try await store.recoveryPoints(vault: vault, region: region) {
                    keptPoints[vault] = points
                }
            }
        }
        let measured = Catalog.measure(fresh, at: fresh.collectedAt, history: History(recoveryPoints: keptPoints))
        let observations = await latest.merge(run, at: now())
        var stored: [Sample] = []
        for query in Catalog.historyNeeded(policy) {
            stored += try await store.samples(
                series: query.series, since: now().addingTimeInterval(-query.lookBackSeconds))
        }
        let history = History(samples: stored, recoveryPoints: keptPoints)
        var findings = Catalog.evaluate(config.policy, observations, history, now: now())
        if let damage = storeDamage {
            findings.append(
                Finding(
                    check: "mnemond.store", resource: store.path, state: .critical,
                    message: "the store failed its daily integrity check (\(damage)): history, alert states and "
                        + "the outbox are not to be trusted — stop mnemond, move the store aside and restore it "
                        + "from a backup or start an empty one; until then systemd's watchdog restarts mnemond, "
                        + "which refuses the corrupt store"))
        }
        let finished = now()
        let calls = await aws.calls.reset()
        var samples = run.samples + measured
        samples.append(
            Sample(
                series: .cycleDurationSeconds,
                labels: ["families": families.sorted().map(\.rawValue).joined(separator: "+")], time: finished,
                value: finished.timeIntervalSince(started)))
        for (service, count) in calls {
            samples.append(
                Sample(series: .awsAPICalls, labels: ["service": service], time: finished, value: Double(count)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let rows =
            families.contains(.configuration)
            ? observations.buckets.map { bucket in
                CycleInput.ObservationRow(
                    kind: "s3.bucket", resource: bucket.bucket,
                    payload: (try? encoder.encode(bucket)).map { String(decoding: $0, as: UTF8.self) } ?? "{}")
            } : []
        try await store.recordCycle(
            CycleInput(
                startedAt: started, finishedAt: finished, observations: rows, samples: samples, findings: findings,
                apiCalls: calls.values.reduce(0, +)))
        // Only the families whose collectors ran this cycle brought new evidence.
        let ran = Set(run.reports.map(\.collector))
        let collected = families.filter { family in
            collectors.collectors.contains { $0.families.contains(family) && ran.contains($0.name) }
        }
        try await alerter.afterCycle(findings, unchanged: Catalog.unchanged(collected: Set(collected)))
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

    public func shutdown() async {
        await http.shutdown()
    }
}

actor LatestObservations {
    private var current = Observations(collectedAt: .distantPast)

    func merge(_ run: CollectorRunner.Run, at time: Date) -> Observations {
        run.merge(into: &current)
        current.collectedAt = time
        return current
    }
}
