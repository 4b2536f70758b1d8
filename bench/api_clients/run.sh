#!/usr/bin/env bash
# Concurrent API clients on real services: fills a results store with a history
# (store_bench's generator: CLUSTERS clusters x 2 scenarios of 100 tests x NIGHTS nights,
# written through the store's own write path), starts that store and a scheduler on
# loopback with tokens files (production mode: every call carries a bearer token), and
# runs api_clients: CLIENTS clients, one call in flight each, for SECONDS on the read
# calls of both services. Prints per call kind calls, errors, p50/p99/max and
# throughput, both services' CPU and RSS, the load average and their health afterwards;
# exits non-zero on any error or an unhealthy service.
#
#   bench/api_clients/run.sh [BUILD_DIR]
#   CLIENTS=50 SECONDS_=60 CLUSTERS=10 NIGHTS=30 bench/api_clients/run.sh
#   SCHEDULER=/path/to/older/meshproof-scheduler bench/api_clients/run.sh
#
# SCHEDULER names another build's scheduler binary (for a before/after figure).
#
# The bench's token (roles viewer and runner, team platform: the generated history's
# team) has no calls_per_second entry, so no call budget applies to it
# (docs/auth.md); a budget would refuse calls with RESOURCE_EXHAUSTED and count them
# as errors.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bin=$build/bin
clients=${CLIENTS:-200}
seconds=${SECONDS_:-60}
clusters=${CLUSTERS:-10}
nights=${NIGHTS:-30}
work=$(mktemp -d /tmp/meshproof-api-clients-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# Every client holds a connection to each service: more open files than the default 1024.
ulimit -n 65536 2>/dev/null || true

# The history: CLUSTERS x 2 scenarios x NIGHTS runs of 100 tests each.
"$bin/store_bench" --clusters "$clusters" --tests 200 --scenarios 2 --nights "$nights" \
  --writers 1 --samples 1 --dir "$work/history" >"$work/history.out" 2>/dev/null ||
  { echo "store_bench failed:" >&2; cat "$work/history.out" >&2; exit 1; }
echo "store $(head -1 "$work/history.out")"

# Tokens: the bench's (viewer on the store; viewer and runner on the scheduler, for the
# scheduler's own history) and the scheduler's writer token to the store.
new_token() {  # NAME ROLES [TEAM] -> writes $work/NAME.token and $work/NAME.sha256
  local out
  out=$("$bin/meshproof" token new --name "$1" --roles "$2" ${3:+--team "$3"})
  sed -n 1p <<<"$out" >"$work/$1.token"
  sed -n 's/.*sha256: *//p' <<<"$out" >"$work/$1.sha256"
  chmod 600 "$work/$1.token"
}
new_token bench viewer,runner platform
new_token scheduler writer
cat >"$work/store-tokens.yaml" <<YAML
tokens:
  - name: bench
    team: platform
    roles: [viewer]
    sha256: $(cat "$work/bench.sha256")
  - name: scheduler
    roles: [writer]
    sha256: $(cat "$work/scheduler.sha256")
YAML
cat >"$work/scheduler-tokens.yaml" <<YAML
tokens:
  - name: bench
    team: platform
    roles: [viewer, runner]
    sha256: $(cat "$work/bench.sha256")
YAML

# Starts a service (not in a subshell: its pid goes into pids) and waits for its address.
start_service() {  # NAME COMMAND... -> sets address and pid
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.log" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 200); do
    grep -q '^listening on ' "$work/$name.out" 2>/dev/null && break
    sleep 0.05
  done
  address=$(sed -n 's/^listening on //p' "$work/$name.out" | head -1)
  [ -n "$address" ] || { echo "$name did not start:" >&2; cat "$work/$name.log" >&2; exit 1; }
}
start_service store "$bin/meshproof-store" --listen 127.0.0.1:0 \
  --db "$work/history/store-w1.db" --tokens "$work/store-tokens.yaml" --log-level warning
store=$address store_pid=$pid
start_service scheduler "${SCHEDULER:-$bin/meshproof-scheduler}" --listen 127.0.0.1:0 \
  --db "$work/scheduler.db" --tokens "$work/scheduler-tokens.yaml" --store "$store" \
  --store-token-file "$work/scheduler.token" --log-level warning
scheduler=$address scheduler_pid=$pid

status=0
"$bin/api_clients" --store "$store" --scheduler "$scheduler" --token-file "$work/bench.token" \
  --clients "$clients" --seconds "$seconds" --store-pid "$store_pid" \
  --scheduler-pid "$scheduler_pid" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- store log (last lines)"; tail -n 20 "$work/store.log"
  echo "--- scheduler log (last lines)"; tail -n 20 "$work/scheduler.log"
fi
exit "$status"
