#!/usr/bin/env bash
# Fuzzes the scenario parser for a bounded time with libFuzzer, ASan and UBSan.
#
#   scripts/fuzz.sh [SECONDS]     (default 60)
#
# Configures a separate clang build (build-fuzz/) with the whole project instrumented for
# coverage, builds only the fuzzer, seeds it with the malformed corpus and the example
# scenarios, and runs it. Exits non-zero on a crash, leak, timeout or sanitizer report;
# the crashing input is left in build-fuzz/ (crash-*, leak-*, timeout-*) to be added to
# tests/scenario/malformed/ as a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build_dir=build-fuzz
export CCACHE_BASEDIR=$PWD

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMESHPROOF_BUILD_FUZZERS=ON -DMESHPROOF_BUILD_TESTS=ON -DMESHPROOF_BUILD_BENCH=OFF \
    "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" --target scenario_parser_fuzzer

corpus=$build_dir/fuzz-corpus
mkdir -p "$corpus"
cp tests/scenario/malformed/*.yaml examples/scenarios/*.yaml "$corpus/"
log=$build_dir/fuzz.log
echo "fuzzing the scenario parser for ${seconds}s (log: $log)"
status=0
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build_dir/bin/scenario_parser_fuzzer" "$corpus" -max_total_time="$seconds" \
  -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build_dir/" \
  -print_final_stats=1 >"$log" 2>&1 || status=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzzer failed (exit $status); see $log" >&2
fi
exit "$status"
