#!/usr/bin/env python3
"""Lists the Swift Testing tests a log shows as started but never passed, failed or skipped.

Usage: scripts/unfinished-tests.py LOG   (scripts/test.sh calls it when the run timed out)
"""

import re
import sys

# A test is named by its function (`name(label:)`) or by its display name in quotes.
NAME = r'("[^"]*"|\S+\(.*?\))'
STARTED = re.compile(rf"^\S+ Test {NAME} started\.")
ENDED = re.compile(rf"^\S+ Test {NAME}(?: with \d+ test cases?)? (?:passed|failed|skipped)")
CASE = re.compile(rf"^\S+ Test case passing .*? to {NAME} started\.")


def main(path: str) -> int:
    started: dict[str, int] = {}
    cases: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="replace") as log:
        for number, line in enumerate(log, 1):
            if match := STARTED.match(line):
                started.setdefault(match.group(1), number)
            elif match := ENDED.match(line):
                started.pop(match.group(1), None)
                cases.pop(match.group(1), None)
            elif match := CASE.match(line):
                cases[match.group(1)] = number
    if not started:
        print("  (none: the run stopped between tests, or before the first started)")
    for name, number in sorted(started.items(), key=lambda item: item[1]):
        where = f", last case started on line {cases[name]}" if name in cases else ""
        print(f"  {name}  (started on line {number} of {path}{where})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
