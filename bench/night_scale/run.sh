#!/usr/bin/env bash
# A night at scale: starts a results store and a scheduler (fresh SQLite files, loopback,
# plaintext; the scheduler forwards to the store and serves /metrics), then night_scale
# connects CLUSTERS simulated agents (one per cluster), submits one scenario of TESTS
# tests, starts one run per cluster and times the night until the store holds every run
# finished with all its results. Prints the figures, the outbox depth every second and the
# load average; the full half-second series is kept in SERIES when given.
#
#   bench/night_scale/run.sh [BUILD_DIR]
#   CLUSTERS=300 TESTS=1000 WINDOW=256 SERIES=/tmp/night.tsv bench/night_scale/run.sh
#
# SCHEDULER / STORE name other builds' binaries (an older scheduler, for a before/after
# figure). Not a test: it prints figures for docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
scheduler_bin=${SCHEDULER:-$build/bin/meshproof-scheduler}
store_bin=${STORE:-$build/bin/meshproof-store}
clusters=${CLUSTERS:-300}
tests=${TESTS:-1000}
window=${WINDOW:-256}
work=$(mktemp -d)
series=${SERIES:-$work/series.tsv}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# Every agent stream is a socket on each side.
ulimit -n 65536 2>/dev/null || true

wait_listening() {
  local out=$1
  for _ in $(seq 200); do
    grep -q "^listening on " "$out" 2>/dev/null && break
    sleep 0.05
  done
  sed -n 's/^listening on //p' "$out" | head -1
}

"$store_bin" --listen 127.0.0.1:0 --db "$work/store.db" --log-level warning \
  >"$work/store.out" 2>"$work/store.err" &
pids+=($!)
store_pid=$!
store=$(wait_listening "$work/store.out")
[ -n "$store" ] || { echo "store did not start:" >&2; cat "$work/store.err" >&2; exit 1; }

# Leases far longer than the night: a lost lease would be a failure of the bench, not a
# figure. One run per agent, as one agent per cluster works one scenario at a time.
cat >"$work/scheduler.yaml" <<YAML
heartbeat_interval: 5s
lease: 300s
tick_interval: 1s
max_runs_per_agent: 1
YAML
"$scheduler_bin" --listen 127.0.0.1:0 --db "$work/scheduler.db" --config "$work/scheduler.yaml" \
  --store "$store" --metrics-listen 127.0.0.1:0 \
  >"$work/scheduler.out" 2>"$work/scheduler.err" &
pids+=($!)
scheduler_pid=$!
scheduler=$(wait_listening "$work/scheduler.out")
[ -n "$scheduler" ] || { echo "scheduler did not start:" >&2; cat "$work/scheduler.err" >&2; exit 1; }
# Logged (at the default level, info) before "listening on" is printed.
metrics=$(sed -n 's/.*metrics on \([0-9.:]*\).*/\1/p' "$work/scheduler.err" | head -1)
[ -n "$metrics" ] || { echo "scheduler serves no /metrics:" >&2; cat "$work/scheduler.err" >&2; exit 1; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"$build/bin/night_scale" --scheduler "$scheduler" --store "$store" --metrics "$metrics" \
  --scheduler-pid "$scheduler_pid" --store-pid "$store_pid" --clusters "$clusters" \
  --tests "$tests" --window "$window" --series "$series" || status=$?
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "outbox depth, each second (t_s depth runs_done runs_stored):"
awk -F'\t' 'NR > 1 && $1 == int($1) {printf "  %s %s %s %s\n", $1, $6, $7, $8}' "$series"
if grep -E ' (W|E) ' "$work/scheduler.err" | grep -qvE 'auth is disabled|team isolation is off'; then
  echo "scheduler warnings and errors (last 5):"
  grep -E ' (W|E) ' "$work/scheduler.err" | grep -vE 'auth is disabled|team isolation is off' | tail -5 | sed 's/^/  /'
fi
exit "$status"
