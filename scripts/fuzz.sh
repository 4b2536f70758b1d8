#!/usr/bin/env bash
# Fuzzes the scenario parser for a bounded time (default 60 s) with libFuzzer, ASan and
# UBSan (the whole project is instrumented for coverage, not only the target), seeded with the malformed corpus and the examples. Exits non-zero on a crash;
# the crashing input is left in build-fuzz/ for a regression test.
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
echo "fuzzing the scenario parser for ${seconds}s"
"$build_dir/bin/scenario_parser_fuzzer" "$corpus" -max_total_time="$seconds" -max_len=65536 \
  -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build_dir/" -print_final_stats=1 2>&1 |
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' || true
exit "${PIPESTATUS[0]}"
