import Dispatch
import Foundation
import Logging
import MnemondCommands
import MnemondConfig
import MnemondHTTP
import MnemondModel
import MnemondProcess
import MnemondSchedule
import MnemondStore
import MnemondSystemd
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Store maintenance that runs on the same scheduler queue as collection.
public enum MaintenanceJob: String, Sendable, Comparable, CustomStringConvertible {
    /// Rollups, compaction and expiry of old rows (`RetentionPolicy`), daily.
    case retention

    public static func < (lhs: MaintenanceJob, rhs: MaintenanceJob) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// What `mnemond run` needs besides the config file.
public struct DaemonOptions: Sendable {
    public var configPath: String
    public var runtime: RuntimeOptions
    public var clock: SchedulerClock
    /// `--estate`: watch only this estate of the file.
    public var estate: String?

    public init(
        configPath: String, runtime: RuntimeOptions = RuntimeOptions(), clock: SchedulerClock = .system,
        estate: String? = nil
    ) {
        self.configPath = configPath
        self.runtime = runtime
        self.clock = clock
        self.estate = estate
    }
}

/// One estate's part of a running daemon — a file without `estates:` is one estate: its config,
/// runtime (store, HTTP pool, credentials, alerting) and exposition. Estates share nothing but
/// the process, the scheduler queue's timing and the metrics listener: each has its own HTTP pool
/// (`aws.max_concurrent_requests`) and its own runs, so one estate's slow or refused calls never
/// delay another's cycle.
final class WatchedEstate: Sendable {
    let config: Config
    let runtime: Runtime
    let exporter: PrometheusExporter
    /// What the daily integrity check found wrong with this estate's store (nil: intact, or not
    /// run yet): every cycle then reports `mnemond.store` CRITICAL, and the watchdog is withheld.
    let storeDamage = StoreDamage()
    var name: String { config.estate?.name ?? config.policy.accountID }

    init(config: Config, runtime: Runtime) {
        self.config = config
        self.runtime = runtime
        exporter = PrometheusExporter(estate: config.estate?.name)
    }
}

/// An estate and the schedulers that run it.
struct EstateRun: Sendable {
    let estate: WatchedEstate
    let collection: Scheduler<CheckFamily>
    let maintenance: Scheduler<MaintenanceJob>
}

/// `mnemond run`: load the config, open every estate's store, tell systemd READY=1, then collect
/// and evaluate on schedule until SIGTERM/SIGINT. SIGHUP reloads the config: a bad one is rejected
/// with its error logged and the running one stays. A stop drains the runs in flight within
/// `schedule.drain_timeout_seconds`; every cycle is one store transaction, so nothing is ever
/// half-written, even when the deadline passes.
public actor Daemon {
    static let retentionInterval: Duration = .seconds(86400)
    /// After a start, retention waits this long at least, so the first cycle has the store to itself.
    static let retentionFirstDelay: Duration = .seconds(300)

    let options: DaemonOptions
    let logger: Logger
    let notifier: SystemdNotifier
    let queue = DispatchQueue(label: "mnemond.scheduler")
    private var estates: [EstateRun] = []
    private var services: [Task<Void, Never>] = []
    private let watchdogLog = HealthLog()
    let health = HealthBoard()
    /// What `metrics.listen` serves: the running estates' expositions.
    let exposition = Exposition()
    /// The watchdog's verdict for `/healthz`: ticks every `WatchdogSec/2`, or every 10 s without systemd.
    let liveness: WatchdogVerdict

    /// Runs the daemon until it is told to stop; returns the process exit code.
    public static func run(_ options: DaemonOptions, logger: Logger) async -> Int32 {
        let built: [(Config, Runtime)]
        switch await build(options, logger: logger) {
        case .success(let estates): built = estates
        case .failure(let failure):
            logger.error(
                failure.status == ExitStatus.config ? "config rejected" : "store unavailable",
                metadata: ["error": "\(failure.message)"])
            return failure.status
        }
        let daemon = Daemon(options: options, logger: logger)
        return await daemon.main(built)
    }

    /// Every estate's config, checked, and its runtime; on any failure the runtimes built so far
    /// are shut down and nothing runs (exit 78 for the config, 74 for a store).
    static func build(_ options: DaemonOptions, logger: Logger) async -> Result<[(Config, Runtime)], CommandFailure> {
        let configs: [Config]
        do {
            configs = try ConfigCommand.loadEstatesChecked(path: options.configPath, only: options.estate)
            for config in configs { _ = try Runtime.awsSettings(config: config, options: options.runtime) }
        } catch {
            return .failure(CommandFailure("\(error)", status: ExitStatus.config))
        }
        if configs.count > 1, options.runtime.dbPath != nil {
            return .failure(
                CommandFailure(
                    "--db names one store, and \(options.configPath) lists \(configs.count) estates",
                    status: ExitStatus.config))
        }
        var built: [(Config, Runtime)] = []
        for config in configs {
            var estateLogger = logger
            if let estate = config.estate { estateLogger[metadataKey: "estate"] = "\(estate.name)" }
            do {
                built.append(
                    (config, try Runtime.build(config: config, options: options.runtime, logger: estateLogger)))
            } catch {
                for (_, runtime) in built { await runtime.shutdown() }
                return .failure(CommandFailure("\(error)", status: ExitStatus.store))
            }
        }
        return .success(built)
    }

    init(options: DaemonOptions, logger: Logger) {
        self.options = options
        self.logger = logger
        notifier = SystemdNotifier(environment: options.runtime.environment)
        liveness = WatchdogVerdict(staleAfter: (notifier.watchdogPingInterval ?? .seconds(10)) * 3)
    }

    var watchdogInterval: Duration { notifier.watchdogPingInterval ?? .seconds(10) }

    func main(_ built: [(Config, Runtime)]) async -> Int32 {
        let signals = SignalEvents()
        let listener: MetricsListener?
        do {
            listener = try built.first?.0.metrics.map { [exposition, liveness] in
                try MetricsListener(host: $0.listen.host, port: $0.listen.port, live: { liveness.failure }) {
                    exposition.body
                }
            }
        } catch {
            logger.error("metrics listener failed", metadata: ["error": "\(error)"])
            for (_, runtime) in built { await runtime.shutdown() }
            return ExitStatus.config
        }
        defer { listener?.stop() }
        notify(.ready, .status("started; first cycle running"))
        logger.notice(
            "ready",
            metadata: [
                "config": "\(options.configPath)", "stores": "\(built.map(\.1.store.path).joined(separator: ","))",
                "estates": "\(built.count)", "pid": "\(getpid())", "systemd": "\(notifier.isActive)",
                "watchdog_ms": "\(notifier.watchdogMicroseconds.map { "\($0 / 1000)" } ?? "off")",
            ])
        await start(built)
        for await signal in signals.events {
            switch signal {
            case SIGHUP:
                await reload()
            case SIGUSR1:
                // `systemctl kill -s USR1 mnemond`: the daily store maintenance (integrity check,
                // retention) now, without waiting for its day.
                logger.notice("store maintenance requested")
                for run in estates {
                    await run.maintenance.pause()
                    run.maintenance.resume(runAllNow: true)
                }
            default:
                return await stop(signal: signal)
            }
        }
        return ExitStatus.ok
    }

    /// Schedules every estate (its first cycle at once), the watchdog and the services.
    func start(_ built: [(Config, Runtime)]) async {
        estates = built.map { config, runtime in
            let estate = WatchedEstate(config: config, runtime: runtime)
            return EstateRun(
                estate: estate,
                collection: Scheduler<CheckFamily>(
                    intervals: config.schedule.intervals, jitter: config.schedule.jitter,
                    stallAfter: .seconds(config.schedule.stallAfterSeconds), queue: queue, clock: options.clock,
                    logger: runtime.logger, run: cycleRunner(estate)),
                maintenance: Scheduler<MaintenanceJob>(
                    intervals: [.retention: Self.retentionInterval], jitter: 0.02, stallAfter: .seconds(3600),
                    queue: queue, clock: options.clock, logger: runtime.logger, run: retentionRunner(estate)))
        }
        let all = estates.map(\.estate)
        exposition.exporters = all.map(\.exporter)
        health.expect(all.map(\.name))
        for (index, run) in estates.enumerated() {
            run.collection.start()
            let retentionIn = await retentionDelay(run.estate.runtime)
            run.maintenance.start(firstDelay: retentionIn)
            run.estate.runtime.logger.info("retention scheduled", metadata: ["in_s": "\(Int(retentionIn.seconds))"])
            let (health, name, log, liveness, notifier, logger, interval) = (
                health, run.estate.name, watchdogLog, liveness, notifier, logger, watchdogInterval
            )
            let drives = index == 0
            run.collection.every(interval) { state in
                health.record(name, state)
                // The first estate's tick speaks for all: fed only while every estate's scheduler
                // is healthy and ticking, so a stuck daemon gets restarted by systemd (or by
                // Kubernetes, whose liveness probe reads the same verdict on /healthz).
                guard drives else { return }
                let damage = all.lazy.compactMap { estate in
                    estate.storeDamage.found.map { "store integrity check failed: \($0)" }
                }.first
                let reason = damage ?? health.problem(staleAfter: interval * 3)
                liveness.record(reason)
                if let reason {
                    if log.changed(to: reason) { logger.error("watchdog withheld", metadata: ["reason": "\(reason)"]) }
                    return
                }
                if log.changed(to: nil) { logger.notice("watchdog resumed") }
                guard notifier.watchdogMicroseconds != nil else { return }
                do {
                    try notifier.notify(.watchdog)
                } catch {
                    logger.warning("sd_notify failed", metadata: ["error": "\(error)"])
                }
            }
        }
        startServices()
    }

    // MARK: Runs

    /// One scheduled run: collect the due families, evaluate, store; then the textfile and STATUS=.
    /// What the run allocated is freed when `cycle` returns, stored or not; the pages it held are
    /// then handed back.
    nonisolated func cycleRunner(_ estate: WatchedEstate) -> Scheduler<CheckFamily>.Run {
        { [self] families in
            defer { GlibcMalloc.releaseFreedPages() }
            try await cycle(families, estate: estate)
        }
    }

    private nonisolated func cycle(_ families: Set<CheckFamily>, estate: WatchedEstate) async throws {
        let outcome: CycleOutcome
        do {
            outcome = try await estate.runtime.runCycle(families: families, storeDamage: estate.storeDamage.found)
        } catch {
            notify(.status("\(estate.config.estate.map { "estate \($0.name): " } ?? "")store write failed: \(error)"))
            throw error
        }
        await cycleFinished(outcome, estate: estate)
    }

    nonisolated func retentionRunner(_ estate: WatchedEstate) -> Scheduler<MaintenanceJob>.Run {
        { [options] _ in
            let (runtime, logger) = (estate.runtime, estate.runtime.logger)
            let started = Date()
            // The whole file, daily: corruption in pages no cycle reads would otherwise wait for
            // the next start's quick_check.
            let problems = try await runtime.store.integrityCheck()
            guard problems.isEmpty else {
                let damage = problems.prefix(3).joined(separator: "; ")
                estate.storeDamage.found = damage
                logger.critical(
                    "store integrity check failed",
                    metadata: ["store": "\(runtime.store.path)", "problems": "\(damage)"])
                throw StoreError(path: runtime.store.path, operation: "integrity check", message: damage)
            }
            let report = try await runtime.store.applyRetention(now: options.runtime.now())
            logger.info(
                "retention done",
                metadata: [
                    "integrity_check": "ok",
                    "samples_rolled_up": "\(report.samplesRolledUp)", "rollups_deleted": "\(report.rollupsDeleted)",
                    "results_compacted": "\(report.resultsCompacted)",
                    "observations_compacted": "\(report.observationsCompacted)",
                    "cycles_deleted": "\(report.cyclesDeleted)",
                    "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
                ])
        }
    }

    func cycleFinished(_ outcome: CycleOutcome, estate: WatchedEstate) async {
        let config = estate.config
        do {
            try await estate.exporter.cycleFinished(
                findings: outcome.findings, apiCalls: outcome.apiCalls, finishedAt: outcome.finishedAt,
                longestInterval: config.schedule.intervalSeconds.values.max() ?? 900, store: estate.runtime.store,
                textfile: config.prometheusTextfile)
        } catch {
            estate.runtime.logger.warning("prometheus exposition not updated", metadata: ["error": "\(error)"])
        }
        guard let run = estates.first(where: { $0.estate === estate }) else { return }
        let next = await run.collection.nextRun()
        var line = SystemdStatusLine.after(outcome.findings, next: next?.at, now: options.runtime.now())
        if estates.count > 1 { line = "estate \(estate.name): \(line) (\(estates.count) estates)" }
        notify(.status(line))
    }

    /// When retention should first run: a day after its last run, but not in the first minutes.
    func retentionDelay(_ runtime: Runtime) async -> Duration {
        let now = options.runtime.now()
        guard let last = try? await runtime.store.lastRetention() else { return Self.retentionFirstDelay }
        let due = last.timeIntervalSince(now) + Self.retentionInterval.seconds
        return .seconds(max(Self.retentionFirstDelay.seconds, due))
    }

    /// The longest drain any running estate's schedule allows.
    var drainTimeout: Duration {
        .seconds(
            estates.map(\.estate.config.schedule.drainTimeoutSeconds).max() ?? Config.Schedule().drainTimeoutSeconds)
    }

    // MARK: Reload and stop

    /// SIGHUP: the new config is loaded and every estate's store opened before anything is swapped;
    /// any failure leaves the running config in charge. The swap happens between runs, never
    /// under one: the running schedulers finish what is in flight, then the new estates start and
    /// collect every family at once, so their first evaluation is of the whole estate.
    func reload() async {
        notify(.reloading(monotonicMicroseconds: SystemdNotifier.monotonicMicroseconds()))
        logger.notice("reload requested", metadata: ["config": "\(options.configPath)"])
        let built: [(Config, Runtime)]
        switch await Self.build(options, logger: logger) {
        case .success(let estates): built = estates
        case .failure(let failure):
            logger.error(
                "reload rejected", metadata: ["error": "\(failure.message)", "running": "previous configuration"])
            notify(.ready, .status("reload rejected, previous configuration kept: \(failure.message)"))
            return
        }
        let old = estates
        let drain = drainTimeout
        for run in old {
            await run.collection.pause()
            await run.maintenance.pause()
        }
        await stopServices(deadline: drain)
        for run in old {
            _ = await run.collection.stop(deadline: .zero)
            _ = await run.maintenance.stop(deadline: .zero)
        }
        await start(built)
        for run in old { await run.estate.runtime.shutdown() }
        logger.notice(
            "reloaded",
            metadata: [
                "config": "\(options.configPath)", "estates": "\(built.count)",
                "stores": "\(built.map(\.1.store.path).joined(separator: ","))",
            ])
        notify(.ready, .status("reloaded; collecting every family"))
    }

    func stop(signal: Int32) async -> Int32 {
        notify(.stopping)
        let deadline = drainTimeout
        logger.notice(
            "stopping",
            metadata: ["signal": "\(signal == SIGINT ? "SIGINT" : "SIGTERM")", "drain_s": "\(deadline.seconds)"])
        // One deadline for the whole drain: the runs in flight first, then the services get
        // what is left of it, so `drain_timeout_seconds` bounds the stop as documented.
        let clock = ContinuousClock()
        let drainStarted = clock.now
        let abandoned = await withTaskGroup(of: [String].self) { group in
            for run in estates {
                group.addTask {
                    async let collecting = run.collection.stop(deadline: deadline)
                    async let maintaining = run.maintenance.stop(deadline: deadline)
                    let (a, b) = await (collecting, maintaining)
                    let prefix = run.estate.config.estate.map { "\($0.name)/" } ?? ""
                    return a.map { prefix + $0.rawValue } + b.map { prefix + $0.rawValue }
                }
            }
            var all: [String] = []
            for await jobs in group { all += jobs }
            return all
        }
        await stopServices(deadline: max(.zero, deadline - (clock.now - drainStarted)))
        if !abandoned.isEmpty {
            // Each cycle commits in one transaction: an abandoned run leaves nothing half-written.
            logger.warning(
                "drain deadline passed", metadata: ["abandoned": "\(abandoned.sorted().joined(separator: ","))"])
        }
        // A run abandoned at the deadline still holds its transfers: the HTTP pools get what is
        // left of the deadline (at least 5 s) to wind down, then the process ends regardless.
        let runtimes = estates.map(\.estate.runtime)
        let shutdown = max(.seconds(5), deadline - (clock.now - drainStarted))
        if !(await Self.within(shutdown, { for runtime in runtimes { await runtime.shutdown() } })) {
            logger.warning("AWS transfers still in flight at the drain deadline: abandoned")
        }
        logger.notice("stopped")
        return ExitStatus.ok
    }

    // MARK: Long-running services

    /// Services that live as long as one runtime and are stopped before it is replaced or shut
    /// down: issue 5's outbox dispatcher, which delivers what the cycles queue (while it runs,
    /// a cycle only wakes it) and returns when cancelled; issue 6's weekly report sender
    /// (WeeklyReport.swift), which returns at once when no `report:` channel is configured.
    nonisolated func services(of runtime: Runtime) -> [@Sendable () async -> Void] {
        [
            { await runtime.alerter.runDispatcher() },
            { [options] in await WeeklyReporter.live(runtime: runtime, environment: options.runtime.environment).run()
            },
        ]
    }

    func startServices() {
        services = estates.flatMap { services(of: $0.estate.runtime) }.map { service in Task { await service() } }
    }

    /// Cancels the services and waits for them to finish what they have in hand, up to `deadline`.
    func stopServices(deadline: Duration) async {
        let running = services
        services = []
        guard !running.isEmpty else { return }
        running.forEach { $0.cancel() }
        let finished = await Self.within(deadline) {
            for task in running { await task.value }
        }
        if !finished {
            logger.warning("services still busy at the drain deadline", metadata: ["count": "\(running.count)"])
        }
    }

    /// Runs `work` and returns true when it ends within `deadline`, false when the deadline
    /// passes first (the work then carries on unobserved; it was cancelled already).
    static func within(_ deadline: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
        let gate = FirstResume()
        return await withCheckedContinuation { continuation in
            gate.set(continuation)
            Task {
                await work()
                gate.resume(true)
            }
            Task {
                try? await Task.sleep(for: deadline)
                gate.resume(false)
            }
        }
    }

    // MARK: systemd

    nonisolated func notify(_ notifications: SystemdNotification...) {
        do {
            try notifier.notify(notifications)
        } catch {
            logger.warning("sd_notify failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Resumes a continuation once, with the first of several racing results.
final class FirstResume: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation.withLock { $0 = continuation } }

    func resume(_ value: Bool) { continuation.withLock { $0.take() }?.resume(returning: value) }
}

/// What the daily integrity check found wrong with the store; set once, never cleared (a
/// corrupt store stays corrupt until an operator replaces it).
final class StoreDamage: Sendable {
    private let value = Mutex<String?>(nil)
    var found: String? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// What `metrics.listen` serves: the running estates' newest expositions, merged.
final class Exposition: Sendable {
    private let current = Mutex<[PrometheusExporter]>([])
    var exporters: [PrometheusExporter] {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
    var body: String? { PrometheusExporter.body(of: exporters) }
}

/// Remembers the last watchdog verdict so a withheld ping is logged once, not every tick.
final class HealthLog: Sendable {
    private let last = Mutex<String?>(nil)

    /// True when `reason` (nil: healthy) differs from the previous one.
    func changed(to reason: String?) -> Bool {
        last.withLock { last in
            defer { last = reason }
            return last != reason
        }
    }
}

/// SIGHUP, SIGUSR1, SIGTERM and SIGINT as an async sequence, read by Dispatch signal sources (the
/// default actions are turned off, so the process decides what each means).
final class SignalEvents {
    let events: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32] = [SIGHUP, SIGUSR1, SIGTERM, SIGINT]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        events = stream
        let queue = DispatchQueue(label: "mnemond.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
