#!/usr/bin/env bash
# Measures how much the store grows per cycle in steady state: starts the simulator with the
# guide's estate, runs `mnemond check --once` N times against it on one real SQLite file, and
# reports the file's growth per cycle after the first W (warm-up) cycles, per table. Reports
# numbers, asserts nothing.
#   Each `check --once` runs every family (PITR, backup, metrics, storage metrics, configuration),
#   so every cycle also writes the configuration family's observations, which `mnemond run`
#   writes only every 15 min: this is an upper bound on the daemon's per-cycle growth.
# Usage: scripts/store-growth.sh [--cycles 40] [--warmup 5] [--state target|current]
#                                [--binary PATH] [--dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

cycles=40
warmup=5
state=target
binary=""
dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --cycles) cycles=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --state) state=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "store-growth: unknown option $1" >&2; exit 64 ;;
    esac
done
[ "$cycles" -gt "$warmup" ] || { echo "store-growth: --cycles must exceed --warmup" >&2; exit 64; }
if [ -z "$binary" ]; then
    swift build --product mnemond >&2
    binary="$(swift build --show-bin-path)/mnemond"
fi
dir=${dir:-$(mktemp -d /tmp/mnemond-growth.XXXXXX)}
mkdir -p "$dir"
db="$dir/growth.sqlite"
rm -f "$db" "$db-wal" "$db-shm"

cleanup() {
    [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    exec 3>&- 2>/dev/null || true
}
trap cleanup EXIT

mkfifo "$dir/stdin"
python3 Tests/Simulator/simulator.py --state "$state" <"$dir/stdin" >"$dir/ready" 2>"$dir/simulator.log" &
sim_pid=$!
exec 3>"$dir/stdin"
for _ in $(seq 1 300); do
    [ -s "$dir/ready" ] && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$dir/simulator.log" >&2; exit 1; }
    sleep 0.1
done
ready="$(head -n 1 "$dir/ready")"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$ready" "$1"; }
export AWS_ENDPOINT_URL="$(field endpoint)" AWS_ACCESS_KEY_ID="$(field access_key_id)"
export AWS_SECRET_ACCESS_KEY="$(field secret_access_key)" AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE

# Bytes of each table and index (dbstat), as "name bytes" lines.
tables() {
    python3 - "$db" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for name, size in c.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY name"):
    print(name, size)
EOF
}
# The file at rest: the WAL checkpointed into it (a process that closes the store does this too).
size() {
    sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    stat -c %s "$db"
}

echo "store-growth: $cycles cycles of \`mnemond check --once\` on the $state estate into $db" >&2
for i in $(seq 1 "$cycles"); do
    rc=0
    "$binary" check --once --config etc/mnemond.yaml --db "$db" >/dev/null 2>>"$dir/check.log" || rc=$?
    [ "$rc" -le 3 ] || { tail -5 "$dir/check.log" >&2; echo "store-growth: check exited $rc" >&2; exit 1; }
    if [ "$i" -eq "$warmup" ]; then
        base=$(size)
        tables >"$dir/tables-before"
    fi
done
end=$(size)
tables >"$dir/tables-after"
measured=$((cycles - warmup))
rows() { sqlite3 "$db" "SELECT COUNT(*) FROM $1"; }
echo "cycles measured: $measured (after $warmup warm-up cycles), estate: $state"
echo "file: $base → $end bytes: $(( (end - base) / measured )) bytes per cycle"
echo "rows now: cycles $(rows cycles), check_results $(rows check_results), check_state $(rows check_state), observations $(rows observations), samples $(rows samples)"
echo "per table and index (bytes per cycle):"
LC_ALL=C join -a 2 -e 0 -o 0,1.2,2.2 "$dir/tables-before" "$dir/tables-after" \
    | awk -v n="$measured" '{ d = $3 - $2; if (d != 0) printf "  %-28s %8d\n", $1, d / n }' | sort -k2 -n -r
