#!/usr/bin/env python3
"""Writes a copy of a mnemond config whose `schedule:` section is replaced by a compressed one
(jitter 0), optionally followed by extra YAML (an `alerting:` section). Used by scripts/bench
(--daemon-cycles) and scripts/symbol-order.py to run `mnemond run` fast on the guide's estate.

    scripts/daemon_config.py SOURCE DEST pitr=1,backup_jobs=5,metrics=5,configuration=15,storage_metrics=60
"""

from __future__ import annotations

import sys


def write(source: str, dest: str, intervals: dict[str, int], extra: str = "") -> None:
    """SOURCE with its schedule section replaced by `intervals` (seconds per family), then `extra`."""
    schedule = ", ".join(f"{family}: {seconds}" for family, seconds in intervals.items())
    out, skipping = [], False
    for line in open(source).read().split("\n"):
        if line.startswith("schedule:"):
            skipping = True
            out += ["schedule:", f"  interval_seconds: {{{schedule}}}", "  jitter_percent: 0"]
            continue
        if skipping and line and not line.startswith((" ", "#")):
            skipping = False
        if skipping and line.startswith(" "):
            continue
        out.append(line)
    text = "\n".join(out)
    if extra:
        text = text.rstrip("\n") + "\n\n" + extra.strip("\n") + "\n"
    with open(dest, "w") as file:
        file.write(text)


def parse(schedule: str) -> dict[str, int]:
    """`pitr=1,backup_jobs=5` as {"pitr": 1, "backup_jobs": 5}."""
    intervals = {}
    for item in schedule.split(","):
        family, _, seconds = item.partition("=")
        if not family or not seconds.isdigit():
            raise ValueError(f"not family=seconds: {item!r}")
        intervals[family.strip()] = int(seconds)
    return intervals


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip())
    try:
        write(sys.argv[1], sys.argv[2], parse(sys.argv[3]))
    except ValueError as error:
        sys.exit(f"daemon_config: {error}")
