#!/usr/bin/env python3
"""Writes link/symbol-order.txt: the functions of the release binary that mnemond runs, for lld
to lay out next to each other (Package.swift passes it as --symbol-ordering-file).

Why: the kernel maps a file-backed page with its neighbours (fault-around, 64 KB), so a daemon
that runs 3 MB of code scattered over a 24 MB text holds most of the text resident. Laid out
together, the code it runs fills a few MB. A function missing from the list (new code) is only
placed after the listed ones: the binary stays correct, the list just goes stale. Regenerate it
when the code has changed much (BENCHMARKS.md says how much it saves). A few minutes under
valgrind do not run every path every time, so two lists of the same code differ: before a new
list replaces the old, run both builds' daemons side by side and keep the one with fewer
resident pages of the binary.

How: the given release binary runs under valgrind's callgrind against the bundled simulator:
`check --once` on the target and the current estate; `mnemond run` with a compressed schedule on
the current estate, then on the target estate with a Slack channel (a loopback receiver) while
faults arrive a third of the way in (checks turn from OK to warning and critical, alerts fire and
are delivered: code a daemon first runs days into its life, which otherwise lands scattered and
pages in at the first incident). --seconds is split between the two runs. Every function of the
binary that ran is listed, in the binary's own address order (which keeps each module's
functions together).

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
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEDULE = {"pitr": 2, "backup_jobs": 5, "metrics": 5, "configuration": 10, "storage_metrics": 20}
# Faults applied during the target estate's run: each turns checks of another family from OK.
FAULTS = ["pitr-stale-40m", "versioning-suspended", "failed-backup-job", "replication-latency-30m",
          "alarm-in-alarm"]
ALERTING = """alerting:
  channels:
    slack:
      webhook_url_env: MNEMOND_SLACK_WEBHOOK
  rules:
    critical: {for: 1, repeat: 1m}
    warning: {for: 1, repeat: 1m}
"""

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_config  # noqa: E402


def start_peer(command: list[str], what: str) -> tuple[subprocess.Popen, dict]:
    """A loopback helper that prints one JSON ready line and exits when its stdin closes."""
    peer = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    line = peer.stdout.readline()
    if not line:
        sys.exit(f"symbol-order: {what} did not start")
    return peer, json.loads(line)


def start_simulator(state: str, python: str) -> tuple[subprocess.Popen, dict]:
    return start_peer([python, os.path.join(ROOT, "Tests/Simulator/simulator.py"), "--state", state],
                      f"the simulator ({state})")


def stop(peer: subprocess.Popen) -> None:
    peer.stdin.close()
    peer.wait(timeout=30)


def environment(ready: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=ready["endpoint"], AWS_ACCESS_KEY_ID=ready["access_key_id"],
               AWS_SECRET_ACCESS_KEY=ready["secret_access_key"], AWS_REGION="eu-west-1")
    return env


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
    parser.add_argument("--seconds", type=int, default=240, help="how long the two `mnemond run`s run together")
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

        quiet, alerting = os.path.join(work, "daemon.yaml"), os.path.join(work, "alerting.yaml")
        source = os.path.join(ROOT, "etc/mnemond.yaml")
        daemon_config.write(source, quiet, SCHEDULE)
        daemon_config.write(source, alerting, SCHEDULE, extra=ALERTING)
        for state in ("target", "current"):
            sim, ready = start_simulator(state, python)
            try:
                db = os.path.join(work, f"{state}.sqlite")
                profiled(f"check-{state}", ["check", "--once", "--config", "etc/mnemond.yaml", "--db", db],
                         environment(ready))
                if state == "current":
                    profiled("run-current", ["run", "--config", quiet, "--db", db], environment(ready),
                             seconds=args.seconds // 2)
            finally:
                stop(sim)

        sim, ready = start_simulator("target", python)
        receiver, slack = start_peer([python, os.path.join(ROOT, "Tests/Peers/http_recorder.py")], "the receiver")
        try:
            env = environment(ready)
            env["MNEMOND_SLACK_WEBHOOK"] = slack["endpoint"] + "/services/T0/B0/order"
            seconds = args.seconds - args.seconds // 2

            def incidents() -> None:
                time.sleep(seconds / 3)
                subprocess.run([python, os.path.join(ROOT, "Tests/Simulator/faults.py"), "--endpoint",
                                ready["endpoint"], "--access-key-id", ready["access_key_id"],
                                "--secret-access-key", ready["secret_access_key"], "apply", *FAULTS],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            faults = threading.Thread(target=incidents)
            faults.start()
            profiled("run-incidents", ["run", "--config", alerting, "--db", os.path.join(work, "incidents.sqlite")],
                     env, seconds=seconds)
            faults.join()
            with urllib.request.urlopen(slack["endpoint"] + "/_recorder/requests", timeout=30) as answer:
                delivered = len(json.load(answer))
            if delivered == 0:
                sys.exit(f"symbol-order: no alert reached the receiver, see {work}/run-incidents.log")
            print(f"symbol-order: {delivered} alerts delivered during the incidents", file=sys.stderr)
        finally:
            stop(receiver)
            stop(sim)

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
