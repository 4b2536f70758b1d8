#!/usr/bin/env bash
# scripts/demo.sh as a user runs it: --keep leaves the services up and prints export
# lines that point the CLI at them; both seed runs passed and are in the store; --stop
# then stops exactly the processes the demo started, and nothing is left listening. A
# second demo keeps the first one's history and compares with it; --fresh wipes it.
# Usage: demo_test.sh BUILD_DIR
set -euo pipefail
build_dir=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
# The suite built already: the demo uses those binaries rather than building again.
export MESHPROOF_DEMO_DIR=$work/demo MESHPROOF_BUILD_DIR=$build_dir MESHPROOF_DEMO_NO_BUILD=1 HOME=$work
trap '"$root/scripts/demo.sh" --stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; echo "---- demo output (tail) ----" >&2; tail -n 40 "$work/out" >&2; exit 1; }

"$root/scripts/demo.sh" --keep >"$work/out" 2>&1 || fail "demo.sh --keep exited $?"
grep -q '^run .* PASSED: 4 tests: 4 passed' "$work/out" || fail "10-ingress did not pass"
grep -q '^run .* PASSED: 7 tests: 5 passed, 2 skipped' "$work/out" || fail "20-egress did not pass"
grep -q 'outbound|443||external.test' "$work/out" || fail "the egress report lacks the gateway's log line"
[ "$(grep -c '^export MESHPROOF_' "$work/out")" = 4 ] || fail "expected four export lines"

eval "$(grep '^export MESHPROOF_' "$work/out")"
[ -n "${MESHPROOF_TOKEN:-}" ] || fail "no token exported"
[ -n "${MESHPROOF_TLS_CA:-}" ] || fail "no TLS CA exported"
# TLS is on: without the CA the CLI cannot talk to the scheduler at all.
if MESHPROOF_TLS_CA= "$build_dir/bin/meshproof" agents --timeout 3 >/dev/null 2>&1; then
  fail "the scheduler answered a plaintext client"
fi
# Auth is on: without the token the scheduler refuses, with it the approver is the token's name.
if MESHPROOF_TOKEN= "$build_dir/bin/meshproof" agents >/dev/null 2>&1; then
  fail "the scheduler answered a caller without a token"
fi
egress_run=$("$build_dir/bin/meshproof" run list --scenario 20-egress -o json |
  sed -n 's/.*"run_id": *"\([^"]*\)".*/\1/p' | head -n 1)
"$build_dir/bin/meshproof" run show "$egress_run" | grep -q 'rejected by demo-user' ||
  fail "the approver's decision is not recorded under the token's name"
"$build_dir/bin/meshproof" run list --scenario 20-egress | grep -q 'PASSED' ||
  fail "the exported scheduler address does not answer with the demo's run"
"$build_dir/bin/meshproof" history 10-ingress path-match-status-418 | grep -q 'PASS *418' ||
  fail "the exported store address does not answer with the demo's history"

pids=$(cat "$MESHPROOF_DEMO_DIR"/pids/*.pid)
[ "$(echo "$pids" | wc -w)" = 3 ] || fail "expected pid files for store, scheduler and agent"
"$root/scripts/demo.sh" --stop >/dev/null
for pid in $pids; do
  ! kill -0 "$pid" 2>/dev/null || fail "process $pid still running after --stop"
done
! "$build_dir/bin/meshproof" agents --timeout 2 >/dev/null 2>&1 || fail "the scheduler still answers after --stop"

# A second demo keeps the history: each run is compared with the previous one, and the
# history of a test shows both demos' runs.
"$root/scripts/demo.sh" >"$work/out" 2>&1 || fail "the second demo exited $?"
grep -q '^## What changed since `' "$work/out" || fail "the second demo's report does not compare with the previous run"
grep -q '^=* history kept from earlier demos' "$work/out" || fail "the second demo does not show the kept history"
[ "$(grep -c '^20[0-9-]* [0-9:]*  *r[^ ]*  *lab  *PASS  *418' "$work/out")" = 2 ] ||
  fail "the kept history does not list both demos' runs of path-match-status-418"
[ -s "$MESHPROOF_DEMO_DIR/reports/10-ingress.html" ] || fail "no HTML report after the second demo"

# --fresh wipes it: a first demo again, nothing to compare with.
"$root/scripts/demo.sh" --fresh >"$work/out" 2>&1 || fail "demo.sh --fresh exited $?"
grep -q '^==> --fresh: wiping the kept history' "$work/out" || fail "--fresh did not say it wipes the history"
! grep -q '^## What changed since' "$work/out" || fail "after --fresh the report still compares with an earlier run"
grep -q '^run the demo again' "$work/out" || fail "after --fresh the demo still shows a kept history"
echo "demo: --keep, export lines, --stop, kept history and --fresh all behave"
