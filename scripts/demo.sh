#!/usr/bin/env bash
# Sets up mnemond and runs one `mnemond check`, then `mnemond status`.
#   With AWS credentials in the environment (AWS_ACCESS_KEY_ID or AWS_PROFILE) it checks the real
#   estate configured in etc/mnemond.yaml. Without, it starts the bundled AWS simulator seeded
#   with the guide's estate — `current` (before the guide's changes, the default) or `target`
#   (after every phase) — and checks that.
# Usage: scripts/demo.sh [current|target]
set -euo pipefail
cd "$(dirname "$0")/.."
state="${1:-current}"
case "$state" in current|target) ;; *) echo "usage: scripts/demo.sh [current|target]" >&2; exit 64 ;; esac

scripts/setup.sh >&2
bin="$(swift build --show-bin-path)/mnemond"
work="$(mktemp -d)"
db="$work/mnemond.sqlite"

cleanup() {
    [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    exec 3>&- 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${AWS_ACCESS_KEY_ID:-}" ] && [ -z "${AWS_PROFILE:-}" ]; then
    echo "demo: no AWS credentials given — starting the AWS simulator with the guide's estate ($state state)" >&2
    mkfifo "$work/stdin"
    python3 Tests/Simulator/simulator.py --state "$state" <"$work/stdin" >"$work/ready" 2>"$work/simulator.log" &
    sim_pid=$!
    exec 3>"$work/stdin"   # the simulator exits when this closes
    for _ in $(seq 1 300); do
        [ -s "$work/ready" ] && break
        kill -0 "$sim_pid" 2>/dev/null || { cat "$work/simulator.log" >&2; exit 1; }
        sleep 0.1
    done
    ready="$(head -n 1 "$work/ready")"
    field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$ready" "$1"; }
    export AWS_ENDPOINT_URL="$(field endpoint)"
    export AWS_ACCESS_KEY_ID="$(field access_key_id)"
    export AWS_SECRET_ACCESS_KEY="$(field secret_access_key)"
    export AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true
    unset AWS_PROFILE AWS_SESSION_TOKEN
fi

echo "\$ mnemond check --once --config etc/mnemond.yaml" >&2
rc=0
"$bin" check --once --config etc/mnemond.yaml --db "$db" || rc=$?
echo >&2
echo "\$ mnemond status --config etc/mnemond.yaml" >&2
"$bin" status --config etc/mnemond.yaml --db "$db" || true
echo >&2
case $rc in
    0) echo "demo: mnemond check exited 0 (OK)" >&2 ;;
    1) echo "demo: mnemond check exited 1 (warning)" >&2 ;;
    2) echo "demo: mnemond check exited 2 (critical)" >&2 ;;
    3) echo "demo: mnemond check exited 3 (unknown)" >&2 ;;
    *) echo "demo: mnemond check failed with exit code $rc" >&2; exit "$rc" ;;
esac
