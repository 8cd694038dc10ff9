import Foundation
import MnemondAWS
import MnemondModel

/// The collectors every daemon runs, in the order their observations are merged. A new source of
/// evidence is one collector file and one line here; the daemon runs whatever this list holds.
public enum StandardCollectors {
    /// `recoveryPoints`: the store's cursor per vault, so recovery points are listed incrementally
    /// (nil: every cycle lists the whole retention window). `jobs`: where backup and copy jobs are
    /// kept, so they too are listed incrementally (nil: every cycle lists them in full).
    /// `storageTypes`: where the storage type listings are kept across processes (nil: each
    /// process lists every bucket region once, then daily).
    public static func all(
        client: AWSClient, now: @escaping @Sendable () -> Date = Date.init,
        recoveryPoints: BackupCollector.Cursors? = nil, jobs: (any JobLedger)? = nil,
        storageTypes: (any StorageTypeLedger)? = nil
    ) -> [any Collector] {
        // One discovery for the daemon's life: storage types are listed at most daily.
        let discovery = StorageTypeDiscovery(ledger: storageTypes)
        let monitoring = MonitoringCollector(client: client, now: now, discovery: discovery)
        return [
            RDSCollector(client: client, now: now),
            BackupCollector(client: client, now: now, cursors: recoveryPoints, jobs: jobs),
            CloudWatchMetricsCollector(monitoring: monitoring),
            S3Collector(client: client, now: now),
            IAMCollector(client: client, now: now),
            AlertPlumbingCollector(monitoring: monitoring),
            RecoveryPathCollector(client: client),
        ]
    }
}
