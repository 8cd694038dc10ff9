#!/usr/bin/env python3
"""Writes link/symbol-order.txt: the functions of the release binary that mnemond runs, for lld
to lay out next to each other (Package.swift passes it as --symbol-ordering-file).

Why: the kernel maps a file-backed page with its neighbours (fault-around, 64 KB), so a daemon
that runs 3 MB of code scattered over a 24 MB text holds most of the text resident. Laid out
together, the code it runs fills a few MB. A function missing from the list (new code) is only
placed after the listed ones: the binary stays correct, the list just goes stale. Regenerate it
when the code has changed much (BENCHMARKS.md says how much it saves).

How: the given release binary runs under valgrind's callgrind against the bundled simulator:
`check --once` on the target and the current estate, then `mnemond run` on the current estate
with a compressed schedule for --seconds. Every function of the binary that ran is listed, in
the binary's own address order (which keeps each module's functions together).

    swift build -c release --static-swift-stdlib --product mnemond
    scripts/symbol-order.py --binary "$(swift build -c release --static-swift-stdlib --show-bin-path)/mnemond"

Needs valgrind, binutils (nm, strip) and python3 with Tests/requirements.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEDULE = "  interval_seconds: {pitr: 2, backup_jobs: 5, metrics: 5, configuration: 10, storage_metrics: 20}"


def start_simulator(state: str, python: str) -> tuple[subprocess.Popen, dict]:
    sim = subprocess.Popen(
        [python, os.path.join(ROOT, "Tests/Simulator/simulator.py"), "--state", state],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = sim.stdout.readline()
    if not line:
        sys.exit(f"symbol-order: the simulator ({state}) did not start")
    return sim, json.loads(line)


def environment(ready: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=ready["endpoint"], AWS_ACCESS_KEY_ID=ready["access_key_id"],
               AWS_SECRET_ACCESS_KEY=ready["secret_access_key"], AWS_REGION="eu-west-1")
    return env


def daemon_config(path: str) -> None:
    """etc/mnemond.yaml with a compressed schedule and no jitter."""
    out, skipping = [], False
    for line in open(os.path.join(ROOT, "etc/mnemond.yaml")).read().split("\n"):
        if line.startswith("schedule:"):
            skipping = True
            out += ["schedule:", SCHEDULE, "  jitter_percent: 0"]
            continue
        if skipping and line and not line.startswith((" ", "#")):
            skipping = False
        if skipping and line.startswith(" "):
            continue
        out.append(line)
    open(path, "w").write("\n".join(out))


def executed(profile: str, binary: str) -> set[str]:
    """The functions of `binary` that have a cost in a callgrind output file."""
    objects, names, functions, current = {}, {}, set(), None
    for line in open(profile, errors="replace"):
        line = line.rstrip("\n")
        match = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line)
        if match:
            if match.group(3):
                objects[match.group(2)] = match.group(3)
            if match.group(1) == "ob":
                current = objects.get(match.group(2))
            continue
        match = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line)
        if match:
            if match.group(3):
                names[match.group(2)] = match.group(3)
            if match.group(1) == "fn" and current == binary and match.group(2) in names:
                functions.add(names[match.group(2)])
    return functions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the release mnemond to profile")
    parser.add_argument("--seconds", type=int, default=120, help="how long `mnemond run` runs")
    parser.add_argument("--out", default=os.path.join(ROOT, "link/symbol-order.txt"))
    args = parser.parse_args()
    python = os.environ.get("MNEMOND_TEST_PYTHON") or (
        os.path.join(ROOT, ".venv/bin/python3") if os.path.exists(os.path.join(ROOT, ".venv/bin/python3"))
        else sys.executable)

    with tempfile.TemporaryDirectory(prefix="mnemond-order-") as work:
        # valgrind cannot read the DWARF 5 of this toolchain; the symbol table is enough.
        binary = os.path.join(work, "mnemond")
        subprocess.run(["strip", "--strip-debug", "-o", binary, args.binary], check=True)
        profiles = []

        def profiled(name: str, command: list[str], env: dict, seconds: int | None = None) -> None:
            out = os.path.join(work, f"{name}.callgrind")
            profiles.append(out)
            process = subprocess.Popen(
                ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}", binary, *command],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"{name}.log"), "w"))
            if seconds is not None:
                time.sleep(seconds)
                process.send_signal(signal.SIGTERM)
            if process.wait(timeout=900) not in (0, 1, 2) or not os.path.exists(out):
                sys.exit(f"symbol-order: {name} failed, see {work}/{name}.log")
            print(f"symbol-order: {name} profiled", file=sys.stderr)

        config = os.path.join(work, "daemon.yaml")
        daemon_config(config)
        for state in ("target", "current"):
            sim, ready = start_simulator(state, python)
            try:
                env = environment(ready)
                db = os.path.join(work, f"{state}.sqlite")
                profiled(f"check-{state}", ["check", "--once", "--config", "etc/mnemond.yaml", "--db", db], env)
                if state == "current":
                    profiled("run", ["run", "--config", config, "--db", db], env, seconds=args.seconds)
            finally:
                sim.stdin.close()
                sim.wait(timeout=30)

        ran = set().union(*(executed(p, binary) for p in profiles))
        symbols = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
        addresses = {}
        for line in symbols.splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] in "tTwW":
                addresses.setdefault(fields[2], int(fields[0], 16))
        listed = sorted((s for s in ran if s in addresses), key=lambda s: (addresses[s], s))

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as out:
        out.write("# The functions mnemond runs, for lld's --symbol-ordering-file (Package.swift).\n")
        out.write("# Generated by scripts/symbol-order.py; regenerate, do not edit.\n")
        out.write("\n".join(listed) + "\n")
    print(f"symbol-order: {len(listed)} functions written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
