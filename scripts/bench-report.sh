#!/usr/bin/env bash
# Benchmarks `mnemond report` (issue 6: a week rendered from a store holding a year of data in
# under 500 ms) and renders the HTML report to PNG with headless Chromium, to look at it.
#
#   1. Generates two stores through mnemond's own write path (`mnemond-bench report-stores`,
#      Sources/MnemondBenchData/ReportStores.swift):
#        week.sqlite  the generated fortnight alone                       (the baseline)
#        year.sqlite  the same fortnight after a year of raw samples, results and alerts
#   2. Times `mnemond report` (the whole process: start, read-only open, two periods read,
#      render) on each, RUNS times, and prints the medians and year/baseline as a ratio:
#      the same machine, the same run, so the ratio says what the year of data costs.
#   3. Renders the year store's report as HTML and takes a PNG of it with headless Chromium
#      (Debian package `chromium`, installed here when missing and run as root).
#
# Usage: scripts/bench-report.sh [-c release]       (the timed binary; default debug)
# Env:   SCRATCH (build dir, default .build), RUNS (default 7), OUT (default /tmp/mnemond-bench-report)
# Exit 1 when the year's median is 500 ms or more. The PNG is for people: never commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=debug
if [ "${1:-}" = "-c" ]; then configuration="${2:?-c needs debug or release}"; fi
scratch="${SCRATCH:-.build}"
runs="${RUNS:-7}"
out="${OUT:-/tmp/mnemond-bench-report}"
limit_ms=500
mkdir -p "$out"

# The generator (mnemond-bench) and the timed binary, both in the configuration asked for.
echo "bench-report: building (mnemond and mnemond-bench: $configuration; $scratch)" >&2
swift build -c "$configuration" --product mnemond-bench --scratch-path "$scratch" >&2
swift build -c "$configuration" --product mnemond --scratch-path "$scratch" >&2
bin="$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)/mnemond"
generator="$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)/mnemond-bench"

echo "bench-report: generating week.sqlite and year.sqlite in $out" >&2
"$generator" report-stores "$out" >&2
for store in week year; do
    [ -s "$out/$store.sqlite" ] || { echo "bench-report: $out/$store.sqlite was not generated" >&2; exit 1; }
done

# Median wall time of `mnemond report` on one store, in milliseconds.
median_ms() {
    local db="$1" samples=() i start end
    "$bin" report --config etc/mnemond.yaml --db "$db" >/dev/null   # warm the page cache once
    for i in $(seq 1 "$runs"); do
        start=$(date +%s%N)
        "$bin" report --config etc/mnemond.yaml --db "$db" >/dev/null
        end=$(date +%s%N)
        samples+=($(( (end - start) / 1000000 )))
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

week_ms=$(median_ms "$out/week.sqlite")
year_ms=$(median_ms "$out/year.sqlite")
sizes=$(du -h "$out/week.sqlite" "$out/year.sqlite" | awk '{ printf "%s %s  ", $2, $1 }')
ratio=$(awk -v y="$year_ms" -v w="$week_ms" 'BEGIN { printf "%.2f", (w > 0 ? y / w : 0) }')
echo "bench-report: stores: $sizes"
echo "bench-report: mnemond report ($configuration, median of $runs): baseline (week only) ${week_ms} ms, year ${year_ms} ms, ratio year/baseline ${ratio}"

# The HTML, as a person sees it.
"$bin" report --config etc/mnemond.yaml --db "$out/year.sqlite" --format html >"$out/report.html"
"$bin" report --config etc/mnemond.yaml --db "$out/year.sqlite" --format text >"$out/report.txt"
if grep -qiE '<script|src=|href=|url\(|@import|<link|<img' "$out/report.html"; then
    echo "bench-report: FAIL the HTML references a script or an external resource" >&2
    exit 1
fi
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench-report: installing chromium (Debian) for the screenshot" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null 2>&1 \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; } \
        || true
    browser=$(command -v chromium || true)
fi
if [ -n "$browser" ]; then
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
        --window-size=820,3200 --screenshot="$out/report.png" "file://$out/report.html" >/dev/null 2>&1 || true
    if [ -s "$out/report.png" ]; then
        echo "bench-report: HTML rendered to $out/report.png (look at it; do not commit it)"
    else
        echo "bench-report: chromium did not write $out/report.png" >&2
    fi
else
    echo "bench-report: chromium is not installed and could not be (not root, or no apt): no PNG; the HTML is $out/report.html" >&2
fi

if [ "$year_ms" -ge "$limit_ms" ]; then
    echo "bench-report: FAIL a week from a year of data took ${year_ms} ms (limit ${limit_ms} ms)" >&2
    exit 1
fi
echo "bench-report: OK (${year_ms} ms < ${limit_ms} ms)"
