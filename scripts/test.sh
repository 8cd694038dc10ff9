#!/usr/bin/env bash
# Sets up (see setup.sh) and runs every test: the Swift suites (unit + integration against the
# simulator, real SQLite files and loopback peers) and the simulator's own Python tests.
# Fast loop without the integration tests: swift test --skip IntegrationTests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build-tests
. scripts/python-env.sh
"$MNEMOND_TEST_PYTHON" -m pytest -q Tests/Simulator
swift test "$@"
