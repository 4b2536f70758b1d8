#!/usr/bin/env bash
# Heartbeat cost at fleet scale: starts a scheduler on a fresh database (loopback,
# plaintext, no store: results would wait in its outbox, and none are produced), connects
# AGENTS simulated agents with agent_fleet, holds RUNS runs in flight with WATCHERS
# WatchRun streams on them, and prints the heartbeat round trip, leases lost, and the
# scheduler's CPU, RSS and threads over SECONDS.
#
#   bench/agent_fleet/run.sh [BUILD_DIR]
#   AGENTS=1000 RUNS=200 WATCHERS=500 SECONDS_=20 SCHEDULER=/path/to/meshproof-scheduler bench/agent_fleet/run.sh
#
# SCHEDULER names another build's binary (an older one, for a before/after figure); the
# fleet itself only speaks the AgentGateway protocol, which both understand.
set -euo pipefail
build=${1:-build}
scheduler=${SCHEDULER:-$build/bin/meshproof-scheduler}
agents=${AGENTS:-300}
runs=${RUNS:-100}
watchers=${WATCHERS:-0}
seconds=${SECONDS_:-20}
heartbeat=${HEARTBEAT:-1s}
# A lease shorter than the measured window, so a heartbeat that fails to renew one shows
# up as a lost lease (the scheduler cancels the run on the live agent).
lease=${LEASE:-30s}
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# More open files than the default 1024: every agent stream is a socket on each side.
ulimit -n 65536 2>/dev/null || true
cat >"$work/scheduler.yaml" <<YAML
heartbeat_interval: $heartbeat
lease: $lease
tick_interval: 1s
max_runs_per_agent: 1
YAML
"$scheduler" --listen 127.0.0.1:0 --db "$work/scheduler.db" --config "$work/scheduler.yaml" \
  --log-level warning >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 200); do
  grep -q "listening on" "$work/out" 2>/dev/null && break
  sleep 0.05
done
address=$(sed -n 's/^listening on //p' "$work/out" | head -1)
[ -n "$address" ] || { echo "scheduler did not start:" >&2; cat "$work/err" >&2; exit 1; }
"$build/bin/agent_fleet" --scheduler "$address" --agents "$agents" --runs "$runs" \
  --watchers "$watchers" --seconds "$seconds" --pid "$pid"
