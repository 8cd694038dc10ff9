import MnemondModel
import Testing

/// One reader and one writer of durations for every output.
@Suite struct DurationTextTests {
    @Test(
        arguments: [
            ("90s", 90, "1m30s"), ("30m", 1800, "30m"), ("4h", 14400, "4h"), ("1d", 86400, "1d"),
            ("1h30m", 5400, "1h30m"), ("0s", 0, "0s"), ("2d1h", 176400, "2d1h"), ("2w", 1_209_600, "14d"),
        ] as [(String, Int64, String)])
    func configFormParsesAndFormatsBack(_ text: String, _ seconds: Int64, _ formatted: String) {
        #expect(DurationText.parse(text) == .seconds(seconds))
        #expect(DurationText.format(.seconds(seconds)) == formatted)
    }

    /// What `human` writes, `parse` reads back: a value copied from `status` into `--since` works.
    @Test(
        arguments: [
            ("3 h 10 min", 11400), ("1 min 59 s", 119), ("2 d 4 h", 187_200), ("45 s", 45), ("25 min", 1500),
        ] as [(String, Int64)])
    func humanFormParsesBack(_ text: String, _ seconds: Int64) {
        #expect(DurationText.parse(text) == .seconds(seconds))
        #expect(DurationText.human(Double(seconds)) == text)
    }

    @Test(arguments: [
        "", "2", "h", "2x", "-5m", "1.5h", "m30", "5 parsecs", "1h 30", "99999999999999999999s",
        "9223372036854775807d", "153722867280912930m1m",
    ])
    func badDurationsAreRejectedWithoutTrapping(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    /// Seconds are kept below ten minutes, so 119 s never reads as "1 min"; two units at most.
    @Test(
        arguments: [
            (0.0, "0 s"), (0.4, "0 s"), (45.0, "45 s"), (119.0, "1 min 59 s"), (125.0, "2 min 5 s"), (600.0, "10 min"),
            (3599.0, "59 min"), (3600.0, "1 h"), (11400.0, "3 h 10 min"), (25140.0, "6 h 59 min"), (7200.0, "2 h"),
            (100_800.0, "1 d 4 h"), (169_200.0, "1 d 23 h"), (604_800.0, "7 d"), (-30.0, "0 s"),
        ] as [(Double, String)])
    func humanDurationsCarryTheirUnits(_ seconds: Double, _ text: String) {
        #expect(DurationText.human(seconds) == text)
    }

    @Test func nonFiniteAndHugeValuesDoNotTrap() {
        #expect(DurationText.human(.nan) == "0 s")
        #expect(DurationText.human(.infinity) == "∞")
        #expect(DurationText.human(1e300).contains(" d"))
        #expect(DurationText.measured(901) == "901 s (15 min)")
        #expect(DurationText.measured(60) == "60 s")
    }
}
