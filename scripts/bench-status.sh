#!/usr/bin/env bash
# Benchmarks the store behind `mnemond status` (issue 3): reports numbers, asserts nothing.
#   1. Generates a year of default operation into a fresh store with the store's own write path
#      and the daily retention pass (Sources/MnemondBenchData/StatusYear.swift), then
#      reports the store's size, per table.
#   2. Times `mnemond status` on it N times while another process writes to the same store, and
#      the same N times for two baselines measured in the same run: `sqlite3 STORE 'select 1'`
#      (a process that opens the file) and `mnemond status` on an empty store (our start-up).
# Usage: scripts/bench-status.sh [--days 365] [--full-days 40] [--runs 50] [--dir DIR]
#   --full-days: the newest days get every cycle (as the daemon writes them); older days get the
#                full sample rate but one cycle per hour, whose results retention would compact
#                to state changes anyway (keeps generation in minutes instead of hours).
set -euo pipefail
cd "$(dirname "$0")/.."

days=365
full_days=40
runs=50
dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --days) days=$2; shift 2 ;;
        --full-days) full_days=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "bench: unknown option $1" >&2; exit 64 ;;
    esac
done
command -v sqlite3 >/dev/null || { echo "bench: needs the sqlite3 CLI (apt-get install sqlite3)" >&2; exit 69; }
dir=${dir:-$(mktemp -d /tmp/mnemond-bench.XXXXXX)}
mkdir -p "$dir"
store="$dir/year.sqlite"
rm -f "$store" "$store-wal" "$store-shm"

# The measured binary: release, built as a product only.
echo "bench: building the release binary in .build-bench" >&2
if ! swift build -c release --static-swift-stdlib --product mnemond --scratch-path .build-bench >"$dir/build.log" 2>&1; then
    grep -E 'error' "$dir/build.log" | head -20 >&2
    echo "bench: the release build failed (log: $dir/build.log)" >&2
    exit 1
fi
binary="$(swift build -c release --static-swift-stdlib --scratch-path .build-bench --show-bin-path)/mnemond"

# The generator: a release build of the mnemond-bench executable, in the same scratch folder.
echo "bench: building the generator (mnemond-bench) in .build-bench" >&2
if ! swift build -c release --static-swift-stdlib --product mnemond-bench --scratch-path .build-bench >"$dir/build-bench.log" 2>&1; then
    grep -E 'error' "$dir/build-bench.log" | head -20 >&2
    echo "bench: the generator build failed (log: $dir/build-bench.log)" >&2
    exit 1
fi
generator="$(swift build -c release --static-swift-stdlib --scratch-path .build-bench --show-bin-path)/mnemond-bench"

echo "bench: generating $days days ($full_days at the full cycle rate) into $store" >&2
started=$(date +%s)
"$generator" status-year "$store" --days "$days" --full-days "$full_days" >&2
echo "bench: generated in $(( $(date +%s) - started )) s" >&2
# What the daemon's store looks like at rest: WAL checkpointed into the main file.
sqlite3 "$store" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null

echo
echo "== store after $days days with retention =="
ls -l "$store"* | awk '{ printf "%-12s %s\n", $5, $9 }'
echo "total: $(du -cb "$store"* | tail -1 | cut -f1) bytes ($(du -cb "$store"* | tail -1 | awk '{ printf "%.1f MB", $1 / 1e6 }'))"
sqlite3 -separator ' ' "$store" "
    SELECT printf('%-24s %10d rows', 'series', COUNT(*)) FROM series;
    SELECT printf('%-24s %10d rows', 'samples', COUNT(*)) FROM samples;
    SELECT printf('%-24s %10d rows', 'sample_rollups', COUNT(*)) FROM sample_rollups;
    SELECT printf('%-24s %10d rows', 'cycles', COUNT(*)) FROM cycles;
    SELECT printf('%-24s %10d rows', 'check_results', COUNT(*)) FROM check_results;
    SELECT printf('%-24s %10d rows', 'observations', COUNT(*)) FROM observations;
    SELECT printf('%-24s %10d rows', 'check_state', COUNT(*)) FROM check_state;"
echo "pages by table/index (dbstat):"
sqlite3 "$store" "SELECT printf('  %-32s %8.1f MB', name, SUM(pgsize) / 1e6) FROM dbstat GROUP BY name ORDER BY SUM(pgsize) DESC LIMIT 12;" 2>/dev/null ||
    echo "  (this sqlite3 has no dbstat)"

# An empty store with the same schema: the start-up baseline of `mnemond status`.
empty="$dir/empty.sqlite"
rm -f "$empty"*
sqlite3 "$store" .schema | grep -v '^CREATE TABLE sqlite_' | sqlite3 "$empty"

echo
echo "== mnemond status latency, $runs runs each, while another process writes =="
python3 - "$binary" "$store" "$empty" "$runs" <<'PY'
import os, sqlite3, statistics, subprocess, sys, threading, time

binary, store, empty, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
stop = threading.Event()
written = {"cycles": 0, "busy": 0}

def writer():
    # Another process in spirit: its own connection, writing what a cycle writes (a cycle row,
    # 60 results, 60 state upserts, 10 samples) 20 times a second — far above the daemon's rate.
    db = sqlite3.connect(store, timeout=5, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    # The bookkeeping series every cycle writes; the measured ones keep their generated values.
    series = [r[0] for r in db.execute(
        "SELECT id FROM series WHERE name IN ('cycle_duration_seconds', 'collector_duration_seconds', 'aws_api_calls') LIMIT 10")]
    checks = db.execute("SELECT check_id, resource, state, message FROM check_state LIMIT 60").fetchall()
    while not stop.is_set():
        ts = int(time.time() * 1000)
        try:
            db.execute("BEGIN IMMEDIATE")
            cur = db.execute("INSERT INTO cycles (started_at, finished_at, ok, warning, critical, unknown, api_calls) VALUES (?, ?, 60, 0, 0, 0, 10)", (ts - 200, ts))
            cycle = cur.lastrowid
            for check, resource, state, message in checks:
                db.execute("INSERT INTO check_results (cycle_id, ts, check_id, resource, state, message) VALUES (?, ?, ?, ?, ?, ?)", (cycle, ts, check, resource, state, message))
                db.execute("UPDATE check_state SET last_evaluated = ? WHERE check_id = ? AND resource = ?", (ts, check, resource))
            for s in series:
                db.execute("INSERT OR REPLACE INTO samples (series_id, ts, value) VALUES (?, ?, ?)", (s, ts, 0.2))
            db.execute("COMMIT")
            written["cycles"] += 1
        except sqlite3.OperationalError:
            written["busy"] += 1
            db.execute("ROLLBACK")
        time.sleep(0.05)

def timed(argv):
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append((time.perf_counter() - t) * 1000)
        if result.returncode not in (0, 1, 2, 3):
            sys.exit(f"bench: {' '.join(argv)} exited {result.returncode}: {result.stderr.decode()[-400:]}")
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], samples[-1]

thread = threading.Thread(target=writer, daemon=True)
thread.start()
time.sleep(0.5)
config = os.path.join(os.getcwd(), "etc/mnemond.yaml")
rows = [
    ("sqlite3 STORE 'select 1'              (baseline)", ["sqlite3", store, "select 1"]),
    ("mnemond status, empty store           (baseline)", [binary, "status", "--db", empty]),
    ("mnemond status, year store", [binary, "status", "--db", store, "--config", config]),
    ("mnemond status --json, year store", [binary, "status", "--json", "--db", store, "--config", config]),
]
results = [(name, timed(argv)) for name, argv in rows]
stop.set()
thread.join()
base = results[0][1][0]
empty_median = results[1][1][0]
print(f"{'command':52} {'median':>8} {'p95':>8} {'max':>8}  ratio to sqlite3")
for name, (median, p95, worst) in results:
    print(f"{name:52} {median:7.1f}ms {p95:7.1f}ms {worst:7.1f}ms  {median / base:5.1f}x")
print(f"writer committed {written['cycles']} cycles meanwhile ({written['busy']} busy retries)")
print(f"status on the year store costs {results[2][1][0] - empty_median:+.1f} ms over the empty store (data-dependent part)")
PY
echo
echo "bench: store kept in $dir" >&2
