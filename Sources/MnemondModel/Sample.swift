import Foundation

/// One measurement: a named series with labels, a time and a value. The unit is part of the
/// series name (`rds_pitr_lag_seconds`, `s3_lifecycle_noncurrent_days`), never implied.
public struct Sample: Sendable, Codable, Equatable {
    public var series: Series
    public var labels: [String: String]
    public var time: Date
    public var value: Double

    public init(series: Series, labels: [String: String] = [:], time: Date, value: Double) {
        self.series = series
        self.labels = labels
        self.time = time
        self.value = value
    }

    /// Labels in a canonical, order-independent text form (`bucket=mne-media-prod,region=eu-west-1`),
    /// used as part of the series identity in the store.
    public var labelKey: String { Sample.labelKey(labels) }

    public static func labelKey(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
