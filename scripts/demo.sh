#!/usr/bin/env bash
# Sets up mnemond and runs one `mnemond check`, then `mnemond status`.
#   By default it starts the bundled AWS simulator seeded with the guide's estate — `current`
#   (before the guide's changes, the default) or `target` (after every phase) — and checks that,
#   whatever AWS credentials the shell holds. `--aws` checks the real estate configured in
#   etc/mnemond.yaml with the AWS CLI's credentials instead (an explicit opt-in).
# Usage: scripts/demo.sh [current|target] | scripts/demo.sh --aws
set -euo pipefail
cd "$(dirname "$0")/.."
state=current
aws=false
for arg in "$@"; do
    case "$arg" in
        current|target) state="$arg" ;;
        --aws) aws=true ;;
        *) echo "usage: scripts/demo.sh [current|target] | scripts/demo.sh --aws" >&2; exit 64 ;;
    esac
done

scripts/setup.sh >&2
. scripts/python-env.sh
bin="$(swift build --show-bin-path)/mnemond"
work="$(mktemp -d)"
db="$work/mnemond.sqlite"

cleanup() {
    [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    exec 3>&- 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$aws" = true ]; then
    echo "demo: --aws — checking the real estate with the AWS CLI's credentials" >&2
else
    echo "demo: starting the AWS simulator with the guide's estate ($state state); --aws checks your real account" >&2
    mkfifo "$work/stdin"
    "$MNEMOND_TEST_PYTHON" Tests/Simulator/simulator.py --state "$state" <"$work/stdin" >"$work/ready" 2>"$work/simulator.log" &
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
    unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
    unset AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
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
