import MnemondModel

/// `mnemond check`: what one cycle found, and the Nagios exit status of the whole estate. The
/// cycle itself is the daemon's work; this is what is printed of it.
public enum CheckCommand {
    public static func output(_ outcome: CycleOutcome, json: Bool) -> (text: String, status: Int32) {
        (json ? Render.findingsJSON(outcome) : Render.findingsText(outcome), ExitStatus.state(outcome.overall))
    }
}
