#!/usr/bin/env python3
"""Fails when a target's sources import a module the target does not declare in Package.swift,
or when a target declares a dependency that none of its sources imports.

The import table is the architecture (README, "Modules"); `MemberImportVisibility` makes the
compiler check members, but a module reachable through another dependency still compiles without
being declared. This closes that gap.

Usage: scripts/check-imports.py   (from anywhere; reads `swift package dump-package`)
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Modules of the toolchain and the C library: never declared in Package.swift.
SYSTEM = {
    "Foundation", "FoundationEssentials", "FoundationInternationalization", "FoundationNetworking",
    "FoundationXML", "Dispatch", "Glibc", "Musl", "Darwin", "Testing", "XCTest", "Synchronization",
    "_Concurrency", "Observation", "RegexBuilder", "os",
}

IMPORT = re.compile(r"^\s*(?:@[\w()]+\s+)*(?:(?:public|internal|package|private|fileprivate)\s+)?import\s+"
                    r"(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][\w]*)", re.M)


# Multi-line string literals (`"""…"""`, also raw `#"""…"""#`) may hold other languages' imports.
MULTILINE_STRING = re.compile(r'#*"""[\s\S]*?"""#*')


def module_of(dependency: dict) -> str:
    if "byName" in dependency:
        return dependency["byName"][0]
    if "target" in dependency:
        return dependency["target"][0]
    if "product" in dependency:
        return dependency["product"][0]
    raise ValueError(f"unknown dependency shape: {dependency}")


def target_dir(target: dict) -> pathlib.Path:
    if target.get("path"):
        return ROOT / target["path"]
    base = "Tests" if target["type"] == "test" else "Sources"
    return ROOT / base / target["name"]


def main() -> int:
    dump = subprocess.run(
        ["swift", "package", "dump-package"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    package = json.loads(dump)
    targets = {t["name"]: t for t in package["targets"]}
    problems: list[str] = []
    for name, target in sorted(targets.items()):
        directory = target_dir(target)
        sources = sorted(directory.rglob("*.swift"))
        if not sources:
            continue  # a C target
        declared = {module_of(d) for d in target["dependencies"]}
        imported: dict[str, str] = {}
        for source in sources:
            code = MULTILINE_STRING.sub("", source.read_text(encoding="utf-8"))
            for module in IMPORT.findall(code):
                imported.setdefault(module, str(source.relative_to(ROOT)))
        for module, where in sorted(imported.items()):
            if module in SYSTEM or module == name:
                continue
            if module not in declared:
                problems.append(f"{where}: imports {module}, which target {name} does not declare in Package.swift")
        for module in sorted(declared - set(imported)):
            problems.append(f"Package.swift: target {name} declares {module} but none of its sources imports it")
    for line in problems:
        print(line)
    if problems:
        sys.stdout.flush()
        print(f"check-imports: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-imports: {len(targets)} targets, every import declared and every declaration imported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
