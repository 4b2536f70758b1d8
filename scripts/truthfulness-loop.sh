#!/usr/bin/env bash
# Runs the truthfulness suite (tests/truthfulness, one ctest per case) N times in a row
# and counts what came out wrong. Per run: cases passed and failed. At the end: how many
# false PASS (a test whose right verdict is not PASS came out PASS) and false FAIL (a
# test whose right verdict is not FAIL came out FAIL) were seen over all runs, from the
# TRUTH lines the suite prints. Exit 0 only when every case passed in every run.
#
#   scripts/truthfulness-loop.sh [N=10]
#
# Environment: MESHPROOF_BUILD_DIR (default build), MESHPROOF_TEST_JOBS (cases run at
# once, default 4: cases mostly wait on the network; every case has its own labs on free ports).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-10}
case $runs in
  '' | *[!0-9]* | 0) echo "usage: $0 [N>=1]" >&2; exit 2 ;;
esac
build_dir=${MESHPROOF_BUILD_DIR:-build}
jobs=${MESHPROOF_TEST_JOBS:-4}
if [ ! -x "$build_dir/bin/truthfulness_test" ] || [ ! -x "$build_dir/bin/meshproof-agent" ]; then
  echo "build first: cmake --build $build_dir --target truthfulness_test meshproof-agent" >&2
  exit 2
fi

# Logs of runs with a failed case are kept here and named at the end.
out_dir=$(mktemp -d "${TMPDIR:-/tmp}/truthfulness-loop-XXXXXX")

total_false_pass=0
total_false_fail=0
total_wrong=0
for ((run = 1; run <= runs; run++)); do
  log=$out_dir/run-$run.log
  started=$(date +%s)
  # -V prints every case's output (its TRUTH lines), passed or not.
  ctest --test-dir "$build_dir" -L truthfulness -j "$jobs" -V >"$log" 2>&1 || true
  elapsed=$(($(date +%s) - started))
  # ctest -V prefixes each output line with "N: "; keep the TRUTH part.
  truth=$(grep -o 'TRUTH.*' "$log" || true)
  passed=$(grep -c '^TRUTH_CASE .* ok=1' <<<"$truth" || true)
  failed=$(grep -c '^TRUTH_CASE .* ok=0' <<<"$truth" || true)
  false_pass=$(grep -c '^TRUTH .* false=pass' <<<"$truth" || true)
  false_fail=$(grep -c '^TRUTH .* false=fail' <<<"$truth" || true)
  # A case that crashed or timed out prints no TRUTH_CASE line: ctest still counts it.
  ctest_failed=$(grep -cE '\*\*\*(Failed|Timeout|Exception)| Failed +[0-9.]+ sec' "$log" || true)
  printf 'run %d/%d: %d cases passed, %d failed (ctest: %d failed), %d false PASS, %d false FAIL, %ds\n' \
    "$run" "$runs" "$passed" "$failed" "$ctest_failed" "$false_pass" "$false_fail" "$elapsed"
  grep '^TRUTH_CASE .* ok=0' <<<"$truth" | sed 's/^/    /' || true
  grep -E '^TRUTH .* false=(pass|fail)' <<<"$truth" | sed 's/ reason=.*//; s/^/    /' || true
  total_false_pass=$((total_false_pass + false_pass))
  total_false_fail=$((total_false_fail + false_fail))
  if [ "$failed" -gt 0 ] || [ "$ctest_failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
    total_wrong=$((total_wrong + 1))
    # A case that ended without its TRUTH_CASE line (crash, timeout) is named by ctest.
    grep -E '\*\*\*(Failed|Timeout|Exception)' "$log" | sed 's/^/    ctest: /' || true
  else
    rm -f -- "$log"
  fi
done
if [ "$total_wrong" -eq 0 ]; then
  rm -rf -- "$out_dir"
else
  echo "logs of the runs with a failed case: $out_dir"
fi

echo "truthfulness: $runs runs, $total_wrong with a failed case; false PASS: $total_false_pass, false FAIL: $total_false_fail"
[ "$total_wrong" -eq 0 ] && [ "$total_false_pass" -eq 0 ] && [ "$total_false_fail" -eq 0 ]
