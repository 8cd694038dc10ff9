import MnemondModel

/// What every renderer does to fit its channel's limits (SNS: 256 KB per Publish with its
/// attributes; Slack: 50 blocks, 3000 characters per section): each item's free texts are cut to
/// a bounded length, and a message that still does not fit shows its worst items first (see
/// `Grouping`) and ends with one deterministic overflow line pointing at `mnemond status`, where
/// everything is.
public enum Fitting {
    /// The longest a message, found, expected, guide, runbook or flap text may be in a rendered item.
    /// An AWS error text (AccessDenied with its policy ARN) fits; a 2 KB one is cut.
    public static let itemTextLimit = 1000

    /// `…and 41 more — `mnemond status``.
    public static func overflowLine(_ omitted: Int) -> String {
        "…and \(omitted) more — `mnemond status`"
    }

    /// The item with its free texts cut to `itemTextLimit` characters (ending `…`).
    public static func clipped(_ item: AlertItem) -> AlertItem {
        var item = item
        item.message = clip(item.message)
        item.found = item.found.map { clip($0) }
        item.expected = item.expected.map { clip($0) }
        item.guide = item.guide.map { clip($0) }
        item.runbook = item.runbook.map { clip($0) }
        item.flapping = item.flapping.map { clip($0) }
        return item
    }

    public static func clip(_ text: String, to limit: Int = itemTextLimit) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// The largest `k` in `0...count` for which `fits(k)` holds, given that it holds for every
    /// smaller `k` when it holds for `k` (more items never make a message smaller); 0 if none.
    static func largestPrefix(_ count: Int, fits: (Int) -> Bool) -> Int {
        if fits(count) { return count }
        var low = 0
        var high = count - 1
        var best = 0
        while low <= high {
            let mid = (low + high) / 2
            if fits(mid) {
                best = mid
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        return best
    }
}
