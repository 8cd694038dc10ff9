#!/usr/bin/env bash
# Installs what mnemond needs to build and test, when it is missing, then builds it.
#   apt: libcurl4-openssl-dev (HTTP/SMTP transport), libsqlite3-dev (the store)
#   pip: moto[server] (the AWS simulator), boto3, aiosmtpd (SMTP sink), pytest
# Run as root to install system packages; otherwise it only reports what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing_deb=()
for pkg in libcurl4-openssl-dev libsqlite3-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing_deb+=("$pkg")
done
if [ ${#missing_deb[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing ${missing_deb[*]}" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_deb[@]}" >/dev/null
    else
        echo "setup: missing Debian packages: ${missing_deb[*]} (run: sudo apt-get install ${missing_deb[*]})" >&2
        exit 1
    fi
fi

if ! python3 -c 'import moto, boto3, aiosmtpd, pytest, flask' >/dev/null 2>&1; then
    echo "setup: installing Python packages for the simulator and test peers" >&2
    python3 -m pip install -q -r Tests/requirements.txt
fi

swift build "$@"
