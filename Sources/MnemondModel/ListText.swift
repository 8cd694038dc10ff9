/// Lists in findings and reports, kept short at any estate size.
public enum ListText {
    /// The first `shown` of `items`, then how many more: `a, b, c and 997 more`, with `noun` after
    /// the count when given (`and 1 more bucket`, `and 2 more buckets`).
    public static func first(_ shown: Int, of items: [String], more noun: String? = nil) -> String {
        let listed = items.prefix(shown).joined(separator: ", ")
        guard items.count > shown else { return listed }
        let more = items.count - shown
        return listed + " and \(more) more" + (noun.map { " \($0)\(more == 1 ? "" : "s")" } ?? "")
    }
}
