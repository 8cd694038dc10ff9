#!/usr/bin/env bash
# Builds the libFuzzer targets in Tests/Fuzz (with AddressSanitizer, and LeakSanitizer with it)
# and runs each for SECONDS (default 30), seeded from Tests/Fuzz/Corpus/<parser>. Fails on any
# crash, broken invariant, leak, timeout or out-of-memory report, naming the input it saved.
#   scripts/fuzz.sh          # CI: 30 s per target
#   scripts/fuzz.sh 600      # by hand: 10 min per target
#   scripts/fuzz.sh 60 xml   # one target
# A saved input replays with: Tests/Fuzz/.build/debug/fuzz-<parser> .build/fuzz-artifacts/<parser>/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("${@:-xml json config}")
read -r -a targets <<<"${targets[*]}"

flags=(--package-path Tests/Fuzz -c debug
    -Xswiftc -sanitize=fuzzer,address)
started=$(date +%s)
# One product at a time: a plain build would also link mnemond's own executables with libFuzzer.
for target in "${targets[@]}"; do swift build "${flags[@]}" --product "fuzz-$target"; done
bin=$(swift build "${flags[@]}" --show-bin-path)
echo "fuzz: built in $(($(date +%s) - started)) s"

# Swift's own crash handler would read the crashed process's memory under ASan and report that
# instead of the crash; the suppressions name the toolchain's known leaks.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS=suppressions=$PWD/Tests/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}

status=0
for target in "${targets[@]}"; do
    # New inputs go to .build (kept between local runs); the committed seeds are read only.
    work=.build/fuzz-corpus/$target
    artifacts=.build/fuzz-artifacts/$target
    log=.build/fuzz-$target.log
    mkdir -p "$work" "$artifacts"
    target_started=$(date +%s)
    if "$bin/fuzz-$target" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "Tests/Fuzz/Corpus/$target" >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    elapsed=$(($(date +%s) - target_started))
    execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    echo "fuzz-$target: $result, ${execs:-0} executions in $elapsed s, coverage ${coverage:-?} edges, corpus $(ls "$work" | wc -l) new inputs"
    if [ "$result" = FAILED ]; then
        grep -E 'ERROR|Fatal error|SUMMARY|Test unit written|Crash|==[0-9]+==' "$log" | head -20 >&2 || true
        echo "fuzz-$target: full log in $log" >&2
    fi
done
exit "$status"
