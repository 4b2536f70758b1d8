#!/usr/bin/env bash
# Recovery after a graceful scheduler restart: a scheduler and AGENTS real probe agents on
# loopback; ROUNDS times the scheduler is stopped with SIGTERM and started again on the
# same port and database, and recovery_clock — started the moment the new scheduler
# prints its listening line — starts RUNS runs and times how long until every agent is
# connected again and no run is queued. Runs probe a closed loopback port, so they end
# at once and only the scheduling is timed.
#
#   bench/agent_fleet/recovery.sh [BUILD_DIR]
#   AGENTS=5 RUNS=20 ROUNDS=5 HOLD=6 OUTAGE=3 bench/agent_fleet/recovery.sh
#   AGENT=/path/to/meshproof-agent ... (another build's agent, for a before/after figure)
set -euo pipefail
build=${1:-build}
agents=${AGENTS:-5}
runs=${RUNS:-20}
rounds=${ROUNDS:-5}
bin=$build/bin
work=$(mktemp -d)
scheduler_pid=
agent_pids=()
cleanup() {
  for p in "${agent_pids[@]}" $scheduler_pid; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${agent_pids[@]}" $scheduler_pid; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/scheduler.yaml" <<YAML
heartbeat_interval: 1s
lease: 30s
tick_interval: 1s
YAML
cat >"$work/recovery.yaml" <<'YAML'
apiVersion: meshproof/v1
kind: Scenario
name: recovery
team: platform
target: {cluster: recovery}
tests:
  - name: closed-port
    http: {url: "http://127.0.0.1:9/"}
YAML

start_scheduler() {  # $1: listen address
  : >"$work/out"
  "$bin/meshproof-scheduler" --listen "$1" --db "$work/scheduler.db" \
    --config "$work/scheduler.yaml" --log-level warning >"$work/out" 2>>"$work/scheduler.log" &
  scheduler_pid=$!
  for _ in $(seq 2000); do
    grep -q "listening on" "$work/out" 2>/dev/null && return 0
    sleep 0.005
  done
  echo "scheduler did not start" >&2
  cat "$work/scheduler.log" >&2
  exit 1
}

start_scheduler 127.0.0.1:0
address=$(sed -n 's/^listening on //p' "$work/out" | head -1)
for i in $(seq "$agents"); do
  "${AGENT:-$bin/meshproof-agent}" --listen 127.0.0.1:0 --scheduler "$address" --cluster recovery \
    --namespace recovery --agent-id "recovery-$i" --environment-kind lab \
    --log-level warning >/dev/null 2>>"$work/agents.log" &
  agent_pids+=($!)
done
echo "first start (agents dial in for the first time):"
"$bin/recovery_clock" --scheduler "$address" --agents "$agents" --runs "$runs" \
  --submit "$work/recovery.yaml"
for round in $(seq "$rounds"); do
  # An agent resets its reconnect backoff only after a session that lasted healthy_after
  # (5 s); restarts in quick succession would time the backoff's growth instead.
  sleep "${HOLD:-6}"
  kill -TERM "$scheduler_pid"
  wait "$scheduler_pid" || true
  # An outage of OUTAGE seconds: the agents' reconnect backoff grows meanwhile.
  sleep "${OUTAGE:-0}"
  start_scheduler "$address"
  echo -n "restart $round: "
  "$bin/recovery_clock" --scheduler "$address" --agents "$agents" --runs "$runs"
done
