import Foundation
import MnemondAWS

/// The collectors every daemon runs, in the order their observations are merged. A new source of
/// evidence is one collector file and one line here; the daemon runs whatever this list holds.
public enum StandardCollectors {
    public static func all(client: AWSClient, now: @escaping @Sendable () -> Date = Date.init) -> [any Collector] {
        let monitoring = MonitoringCollector(client: client, now: now)
        return [
            RDSCollector(client: client, now: now),
            BackupCollector(client: client, now: now),
            CloudWatchMetricsCollector(monitoring: monitoring),
            S3Collector(client: client, now: now),
            IAMCollector(client: client, now: now),
            AlertPlumbingCollector(monitoring: monitoring),
            RecoveryPathCollector(client: client),
        ]
    }
}
