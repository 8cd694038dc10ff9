# Sourced by the scripts: MNEMOND_TEST_PYTHON is the interpreter that has the simulator's and
# the test peers' packages — the repo's .venv when scripts/setup.sh made one (Debian's own
# python3 is externally managed), else python3 from PATH.
if [ -z "${MNEMOND_TEST_PYTHON:-}" ]; then
    if [ -x .venv/bin/python3 ]; then
        MNEMOND_TEST_PYTHON="$PWD/.venv/bin/python3"
    else
        MNEMOND_TEST_PYTHON=python3
    fi
fi
export MNEMOND_TEST_PYTHON
