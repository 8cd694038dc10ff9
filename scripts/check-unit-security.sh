#!/usr/bin/env bash
# The unit must stay hardened (issue 3): fails when `systemd-analyze security --offline=yes`
# scores deploy/mnemond.service above 2.0 ("OK" is below 4.5; lower is better). Run by .ci/run.
# Usage: scripts/check-unit-security.sh [limit]   (default 2.0)
set -euo pipefail
cd "$(dirname "$0")/.."
unit=deploy/mnemond.service
limit=${1:-2.0}
if ! command -v systemd-analyze >/dev/null; then
    echo "check-unit-security: systemd-analyze not found (Debian: apt-get install systemd; needs systemd >= 252 for --offline)" >&2
    exit 1
fi
out=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1) || true
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
    printf '%s\n' "$out" >&2
    echo "check-unit-security: systemd-analyze printed no exposure score for $unit" >&2
    exit 1
fi
if awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s > l) }'; then
    printf '%s\n' "$out" | grep '✗' >&2 || true
    echo "check-unit-security: FAIL $unit exposure $score > $limit (the ✗ lines above are what raised it)" >&2
    exit 1
fi
echo "check-unit-security: $unit exposure $score (limit $limit)"
