#!/usr/bin/env bash
# Sets up (see setup.sh) and runs every test: the Swift suites (unit + integration against the
# simulator, real SQLite files and loopback peers) and the simulator's own Python tests.
# Fast loop without the integration tests: swift test --skip IntegrationTests
#
# The Swift run is bounded (MNEMOND_TEST_TIMEOUT seconds, default 1500): past it, every process
# of the run is stopped and the tests that started but never finished are listed, so a hang
# fails with its name instead of eating the CI budget. The whole output is kept in
# .build/test-output.log.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build-tests
. scripts/python-env.sh
"$MNEMOND_TEST_PYTHON" -m pytest -q Tests/Simulator Tests/Deploy
limit="${MNEMOND_TEST_TIMEOUT:-1500}"
# At most 4 tests at a time: each integration test runs simulators (Python) and daemons, and
# unbounded on 2 cores the simulators answered in over 30 s (Swift Testing's own setting).
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-4}"
log=.build/test-output.log
mkdir -p .build
set +e
# timeout(1) runs the tests in a process group of their own and signals all of it.
timeout --kill-after=30 "$limit" stdbuf -oL -eL swift test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "swift test did not finish within $limit s (MNEMOND_TEST_TIMEOUT); started, never finished:" >&2
    "$MNEMOND_TEST_PYTHON" scripts/unfinished-tests.py "$log" >&2
    # The test runner swift test started, and the peers it started, may have outlived it.
    pkill -KILL -f "$PWD/(\.build|Tests)/" || true
fi
exit "$status"
