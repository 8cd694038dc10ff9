/// Unicode sparklines (▁▂▃▄▅▆▇█): one character per slice of the period, a blank where nothing
/// was measured.
public enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// Scaled from `floor` (default: the lowest value) to `ceiling` (default: the highest): give a
    /// limit as the ceiling and the line reads "how close to the promise" — a value at or over the
    /// limit is a full block.
    public static func render(_ values: [Double?], floor: Double? = nil, ceiling: Double? = nil) -> String {
        let present = values.compactMap { $0 }
        guard let minimum = present.min(), let maximum = present.max() else {
            return String(repeating: " ", count: values.count)
        }
        let low = floor ?? minimum
        let high = ceiling ?? maximum
        return String(
            values.map { value -> Character in
                guard let value else { return " " }
                if high <= low { return blocks[0] }
                let level = Int(((value - low) / (high - low) * Double(blocks.count - 1)).rounded())
                return blocks[Swift.min(blocks.count - 1, Swift.max(0, level))]
            })
    }
}
