import Dispatch
import Foundation
import Logging
import MnemondCommands
import MnemondConfig
import MnemondHTTP
import MnemondModel
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

    public init(configPath: String, runtime: RuntimeOptions = RuntimeOptions(), clock: SchedulerClock = .system) {
        self.configPath = configPath
        self.runtime = runtime
        self.clock = clock
    }
}

/// `mnemond run`: load the config, open the store, tell systemd READY=1, then collect and
/// evaluate on schedule until SIGTERM/SIGINT. SIGHUP reloads the config: a bad one is rejected
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
    private var config: Config
    private var runtime: Runtime
    private var collection: Scheduler<CheckFamily>?
    private var maintenance: Scheduler<MaintenanceJob>?
    private var services: [Task<Void, Never>] = []
    private let watchdogLog = HealthLog()
    /// What the daily integrity check found wrong with the store (nil: intact, or not run yet):
    /// every cycle then reports `mnemond.store` CRITICAL, and the watchdog is withheld.
    let storeDamage = StoreDamage()
    let exporter = PrometheusExporter()
    /// The watchdog's verdict for `/healthz`: ticks every `WatchdogSec/2`, or every 10 s without systemd.
    let liveness: WatchdogVerdict

    /// Runs the daemon until it is told to stop; returns the process exit code.
    public static func run(_ options: DaemonOptions, logger: Logger) async -> Int32 {
        let config: Config
        do {
            config = try ConfigCommand.loadChecked(path: options.configPath)
            _ = try Runtime.awsSettings(config: config, options: options.runtime)
        } catch {
            logger.error("config rejected", metadata: ["error": "\(error)"])
            return ExitStatus.config
        }
        let runtime: Runtime
        do {
            runtime = try Runtime.build(config: config, options: options.runtime, logger: logger)
        } catch {
            logger.error("store unavailable", metadata: ["error": "\(error)"])
            return ExitStatus.store
        }
        let daemon = Daemon(options: options, config: config, runtime: runtime, logger: logger)
        return await daemon.main()
    }

    init(options: DaemonOptions, config: Config, runtime: Runtime, logger: Logger) {
        self.options = options
        self.config = config
        self.runtime = runtime
        self.logger = logger
        notifier = SystemdNotifier(environment: options.runtime.environment)
        liveness = WatchdogVerdict(staleAfter: (notifier.watchdogPingInterval ?? .seconds(10)) * 3)
    }

    func main() async -> Int32 {
        let signals = SignalEvents()
        let listener: MetricsListener?
        do {
            listener = try config.metrics.map { [exporter, liveness] in
                try MetricsListener(host: $0.listen.host, port: $0.listen.port, live: { liveness.failure }) {
                    exporter.body
                }
            }
        } catch {
            logger.error("metrics listener failed", metadata: ["error": "\(error)"])
            return ExitStatus.config
        }
        defer { listener?.stop() }
        let collection = Scheduler<CheckFamily>(
            intervals: config.schedule.intervals, jitter: config.schedule.jitter,
            stallAfter: .seconds(config.schedule.stallAfterSeconds), queue: queue, clock: options.clock,
            logger: logger, run: cycleRunner(runtime, config))
        let maintenance = Scheduler<MaintenanceJob>(
            intervals: [.retention: Self.retentionInterval], jitter: 0.02, stallAfter: .seconds(3600), queue: queue,
            clock: options.clock, logger: logger, run: retentionRunner(runtime))
        self.collection = collection
        self.maintenance = maintenance

        notify(.ready, .status("started; first cycle running"))
        logger.notice(
            "ready",
            metadata: [
                "config": "\(config.file)", "store": "\(runtime.store.path)", "pid": "\(getpid())",
                "systemd": "\(notifier.isActive)",
                "watchdog_ms": "\(notifier.watchdogMicroseconds.map { "\($0 / 1000)" } ?? "off")",
            ])
        collection.start()
        let retentionIn = await retentionDelay(runtime)
        maintenance.start(firstDelay: retentionIn)
        logger.info("retention scheduled", metadata: ["in_s": "\(Int(retentionIn.seconds))"])
        do {
            let (notifier, logger, log, storeDamage, liveness) = (notifier, logger, watchdogLog, storeDamage, liveness)
            collection.every(notifier.watchdogPingInterval ?? .seconds(10)) { health in
                // Fed only while the scheduler is healthy: a stuck daemon gets restarted by systemd
                // (or by Kubernetes, whose liveness probe reads the same verdict on /healthz).
                let damage = storeDamage.found.map { "store integrity check failed: \($0)" }
                let reason = damage ?? { if case .unhealthy(let why) = health { why } else { nil } }()
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
        startServices(runtime)

        for await signal in signals.events {
            switch signal {
            case SIGHUP:
                await reload()
            case SIGUSR1:
                // `systemctl kill -s USR1 mnemond`: the daily store maintenance (integrity check,
                // retention) now, without waiting for its day.
                logger.notice("store maintenance requested")
                await maintenance.pause()
                maintenance.resume(runAllNow: true)
            default:
                return await stop(signal: signal)
            }
        }
        return ExitStatus.ok
    }

    // MARK: Runs

    /// One scheduled run: collect the due families, evaluate, store; then the textfile and STATUS=.
    nonisolated func cycleRunner(_ runtime: Runtime, _ config: Config) -> Scheduler<CheckFamily>.Run {
        { [self] families in
            let outcome: CycleOutcome
            do {
                outcome = try await runtime.runCycle(families: families, storeDamage: storeDamage.found)
            } catch {
                notify(.status("store write failed: \(error)"))
                throw error
            }
            await cycleFinished(outcome, runtime: runtime, config: config)
        }
    }

    nonisolated func retentionRunner(_ runtime: Runtime) -> Scheduler<MaintenanceJob>.Run {
        { [logger, options, storeDamage] _ in
            let started = Date()
            // The whole file, daily: corruption in pages no cycle reads would otherwise wait for
            // the next start's quick_check.
            let problems = try await runtime.store.integrityCheck()
            guard problems.isEmpty else {
                let damage = problems.prefix(3).joined(separator: "; ")
                storeDamage.found = damage
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

    func cycleFinished(_ outcome: CycleOutcome, runtime: Runtime, config: Config) async {
        do {
            try await exporter.cycleFinished(
                findings: outcome.findings, apiCalls: outcome.apiCalls, finishedAt: outcome.finishedAt,
                longestInterval: config.schedule.intervalSeconds.values.max() ?? 900, store: runtime.store,
                textfile: config.prometheusTextfile)
        } catch {
            logger.warning("prometheus exposition not updated", metadata: ["error": "\(error)"])
        }
        let next = await collection?.nextRun()
        notify(.status(SystemdStatusLine.after(outcome.findings, next: next?.at, now: options.runtime.now())))
    }

    /// When retention should first run: a day after its last run, but not in the first minutes.
    func retentionDelay(_ runtime: Runtime) async -> Duration {
        let now = options.runtime.now()
        guard let last = try? await runtime.store.lastRetention() else { return Self.retentionFirstDelay }
        let due = last.timeIntervalSince(now) + Self.retentionInterval.seconds
        return .seconds(max(Self.retentionFirstDelay.seconds, due))
    }

    // MARK: Reload and stop

    /// SIGHUP: the new config is loaded and its store opened before anything is swapped; any
    /// failure leaves the running config in charge. The swap happens between runs, never under one.
    func reload() async {
        notify(.reloading(monotonicMicroseconds: SystemdNotifier.monotonicMicroseconds()))
        logger.notice("reload requested", metadata: ["config": "\(options.configPath)"])
        let newConfig: Config
        let newRuntime: Runtime
        do {
            newConfig = try ConfigCommand.loadChecked(path: options.configPath)
            _ = try Runtime.awsSettings(config: newConfig, options: options.runtime)
            newRuntime = try Runtime.build(config: newConfig, options: options.runtime, logger: logger)
        } catch {
            logger.error(
                "reload rejected", metadata: ["error": "\(error)", "running": "previous configuration"])
            notify(.ready, .status("reload rejected, previous configuration kept: \(error)"))
            return
        }
        await collection?.pause()
        await maintenance?.pause()
        await stopServices(deadline: .seconds(config.schedule.drainTimeoutSeconds))
        let old = runtime
        runtime = newRuntime
        config = newConfig
        // The new runtime has seen nothing yet: collect every family at once so its first
        // evaluation is of the whole estate.
        collection?.resume(
            intervals: newConfig.schedule.intervals, jitter: newConfig.schedule.jitter,
            stallAfter: .seconds(newConfig.schedule.stallAfterSeconds), run: cycleRunner(newRuntime, newConfig),
            runAllNow: true)
        maintenance?.resume(run: retentionRunner(newRuntime), runAllNow: false)
        startServices(newRuntime)
        await old.shutdown()
        logger.notice("reloaded", metadata: ["config": "\(newConfig.file)", "store": "\(newRuntime.store.path)"])
        notify(.ready, .status("reloaded; collecting every family"))
    }

    func stop(signal: Int32) async -> Int32 {
        notify(.stopping)
        let deadline = Duration.seconds(config.schedule.drainTimeoutSeconds)
        logger.notice(
            "stopping",
            metadata: ["signal": "\(signal == SIGINT ? "SIGINT" : "SIGTERM")", "drain_s": "\(deadline.seconds)"])
        // One deadline for the whole drain: the runs in flight first, then the services get
        // what is left of it, so `drain_timeout_seconds` bounds the stop as documented.
        let clock = ContinuousClock()
        let drainStarted = clock.now
        async let collecting = collection?.stop(deadline: deadline) ?? []
        async let maintaining = maintenance?.stop(deadline: deadline) ?? []
        let (abandoned, abandonedMaintenance) = await (collecting, maintaining)
        await stopServices(deadline: max(.zero, deadline - (clock.now - drainStarted)))
        if !abandoned.isEmpty || !abandonedMaintenance.isEmpty {
            // Each cycle commits in one transaction: an abandoned run leaves nothing half-written.
            logger.warning(
                "drain deadline passed",
                metadata: [
                    "abandoned":
                        "\((abandoned.map(\.rawValue) + abandonedMaintenance.map(\.rawValue)).sorted().joined(separator: ","))"
                ])
        }
        await runtime.shutdown()
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

    func startServices(_ runtime: Runtime) {
        services = services(of: runtime).map { service in Task { await service() } }
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
