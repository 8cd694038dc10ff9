import MnemondModel

extension Catalog {
    /// The families whose collection gives `check` new evidence, as the check declares them;
    /// every family for an ID the catalog does not hold (any collection then counts as new
    /// evidence).
    public static func families(of check: CheckID) -> Set<CheckFamily> {
        Self.check(check)?.evidence ?? Set(CheckFamily.allCases)
    }

    /// The checks of the catalog whose evidence a cycle that collected `collected` left
    /// unchanged: their findings are re-evaluations of old evidence, which must not advance an
    /// alert's `for: N` count.
    public static func unchanged(collected: Set<CheckFamily>) -> Set<CheckID> {
        Set(all.filter { $0.evidence.isDisjoint(with: collected) }.map(\.id))
    }
}
