#!/usr/bin/env bash
# Fuzzes meshproof's parsers for a bounded time with libFuzzer, ASan and UBSan.
#
#   scripts/fuzz.sh [SECONDS]     (default 90: the whole budget, shared by the targets)
#
# Targets (tests/fuzz/): the scenario parser (a third of the budget), then variables,
# cron, tokens files, configuration files, access-log lines and Envoy admin output
# (the rest shared equally, at least 5 s each).
#
# Configures a separate clang build (build-fuzz/) with the whole project instrumented for
# coverage, builds only the fuzzers, seeds each with real inputs from the repository,
# and runs it. Exits non-zero on a crash, leak, timeout or sanitizer report; the
# crashing input is left in build-fuzz/ (crash-*, leak-*, timeout-*) to be added to the
# target's seeds (for the scenario parser: tests/scenario/malformed/) as a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-90}
build_dir=build-fuzz
export CCACHE_BASEDIR=$PWD

targets=(scenario_parser_fuzzer vars_fuzzer cron_fuzzer tokens_file_fuzzer config_fuzzer
         log_line_fuzzer envoy_admin_fuzzer)

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMESHPROOF_BUILD_FUZZERS=ON -DMESHPROOF_BUILD_TESTS=ON -DMESHPROOF_BUILD_BENCH=OFF \
    "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" --target "${targets[@]}"

# Seeds: what each parser reads in real use.
seed() {
  local target=$1; shift
  local corpus=$build_dir/fuzz-corpus/$target
  mkdir -p "$corpus"
  for f in "$@"; do
    if [ -f "$f" ]; then cp "$f" "$corpus/"; fi
  done
}
seed scenario_parser_fuzzer tests/scenario/malformed/*.yaml examples/scenarios/*.yaml
seed vars_fuzzer deploy/lab/*.env examples/scenarios/*.yaml
seed cron_fuzzer
printf '0 2 * * *' >"$build_dir/fuzz-corpus/cron_fuzzer/daily"
printf '*/15 9-17 * * 1-5' >"$build_dir/fuzz-corpus/cron_fuzzer/office"
printf '@weekly' >"$build_dir/fuzz-corpus/cron_fuzzer/weekly"
printf '0 0 30 2 *' >"$build_dir/fuzz-corpus/cron_fuzzer/never"
seed tokens_file_fuzzer $(find deploy tests -name "*tokens*.yaml" 2>/dev/null | head -20)
seed config_fuzzer $(find deploy examples -name "*.yaml" 2>/dev/null | head -50)
seed log_line_fuzzer tests/fixtures/real/gateway-access-log-*.txt tests/fuzz/seeds/log_line/*
seed envoy_admin_fuzzer tests/fixtures/real/*.json tests/fixtures/real/*.txt

first=$(( seconds / 3 ))
rest=$(( (seconds - first) / (${#targets[@]} - 1) ))
if [ "$rest" -lt 5 ]; then rest=5; fi
status=0
for target in "${targets[@]}"; do
  budget=$rest
  if [ "$target" = scenario_parser_fuzzer ]; then budget=$first; fi
  log=$build_dir/$target.log
  echo "fuzzing $target for ${budget}s (log: $log)"
  target_status=0
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build_dir/bin/$target" "$build_dir/fuzz-corpus/$target" -max_total_time="$budget" \
    -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build_dir/$target-" \
    -print_final_stats=1 >"$log" 2>&1 || target_status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|invariant broken|Test unit written)' "$log" || true
  if [ "$target_status" -ne 0 ]; then
    echo "$target failed (exit $target_status); see $log" >&2
    status=$target_status
  fi
done
exit "$status"
