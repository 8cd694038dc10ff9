#!/usr/bin/env bash
# Installs what mnemond needs to build and test, when it is missing, then builds it.
#   apt: libcurl4-openssl-dev (HTTP/SMTP transport), libsqlite3-dev (the store); with
#        --build-tests also the real tools the tests run mnemond against: prometheus (promtool),
#        prometheus-node-exporter (a real textfile scrape), prometheus-alertmanager (the
#        Alertmanager channel, queried with amtool) and chromium (the report at phone width)
#   pip: moto[server] (the AWS simulator), boto3, aiosmtpd (SMTP sink), pytest,
#        kubernetes-validate (the manifests' schema check) — into .venv
#        unless python3 already has them (MNEMOND_USE_VENV=1 forces the .venv)
# Run as root to install system packages; otherwise it only reports what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libcurl4-openssl-dev libsqlite3-dev)
for arg in "$@"; do
    [ "$arg" = --build-tests ] && packages+=(prometheus prometheus-node-exporter prometheus-alertmanager chromium)
done
missing_deb=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing_deb+=("$pkg")
done
if [ ${#missing_deb[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing ${missing_deb[*]}" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_deb[@]}" >/dev/null
    else
        echo "setup: missing Debian packages: ${missing_deb[*]} (run: sudo apt-get install ${missing_deb[*]})" >&2
        exit 1
    fi
fi

# The Python packages go into the repo's .venv (ignored by git): Debian's python3 refuses
# pip installs into the system (externally-managed-environment). A python3 that already has
# them (a CI image, a developer's own environment) is used as it is.
modules='import moto, boto3, aiosmtpd, pytest, flask, kubernetes_validate'
if [ "${MNEMOND_USE_VENV:-}" = 1 ] || ! python3 -c "$modules" >/dev/null 2>&1; then
    if ! [ -x .venv/bin/python3 ] || ! .venv/bin/python3 -c "$modules" >/dev/null 2>&1; then
        if ! python3 -m venv .venv >/dev/null 2>&1; then
            rm -rf .venv
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
                echo "setup: installing python3-venv" >&2
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
                python3 -m venv .venv
            else
                echo "setup: python3 cannot create a virtual environment (run: sudo apt-get install python3-venv)" >&2
                exit 1
            fi
        fi
        echo "setup: installing Python packages for the simulator and test peers into .venv" >&2
        .venv/bin/python3 -m pip install -q -r Tests/requirements.txt
    fi
fi

swift build "$@"
