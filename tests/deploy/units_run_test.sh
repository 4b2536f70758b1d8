#!/usr/bin/env bash
# Runs the three services the way the systemd units start them: each unit's own ExecStart
# line, with only what systemd would fill in replaced (the binaries' folder, %S and %d,
# /etc/meshproof files) and the listen ports set to 0. The configuration files and example
# tokens are the Kubernetes bases' own. Then it checks that the scheduler takes the
# agent's example token (the agent connects) and refuses one its tokens file does not
# hold, and that each service stops cleanly on SIGTERM within its unit's TimeoutStopSec.
#   units_run_test.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin_dir=$(cd "${1:?usage: units_run_test.sh BIN_DIR}" && pwd)
units=$root/deploy/systemd
k8s=$root/deploy/kubernetes/base

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Waits up to $3 seconds for file $1 to hold a line matching $2.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "FAIL no line matching \"$2\" in $(basename "$1") within $3 s:" >&2
      cat "$1" >&2 || true
      return 1
    fi
    sleep 0.05
  done
}

# Credentials as LoadCredential= would give them: a private folder per service.
credential() {  # SERVICE NAME SOURCE
  mkdir -p "$work/creds/$1"
  install -m 0400 "$3" "$work/creds/$1/$2"
}
credential store tokens.yaml "$k8s/control-plane/secrets/store-tokens.example.yaml"
credential scheduler tokens.yaml "$k8s/control-plane/secrets/scheduler-tokens.example.yaml"
credential scheduler store-token "$k8s/control-plane/secrets/scheduler-store-token.example"
credential agent scheduler-token "$k8s/agent/secrets/scheduler-token.example"
mkdir -p "$work/state/meshproof-store" "$work/state/meshproof-scheduler" "$work/etc"
cp "$k8s/control-plane/config/store.yaml" "$k8s/control-plane/config/scheduler.yaml" "$work/etc/"

# Prints the unit's ExecStart with systemd's parts filled in for this test.
exec_line() {  # SERVICE [extra sed expressions...]
  local service=$1
  shift
  sed -n 's/^ExecStart=//p' "$units/meshproof-$service.service" | sed \
    -e "s#/usr/local/bin/#$bin_dir/#" -e "s#%S/#$work/state/#g" \
    -e "s#%d/#$work/creds/$service/#g" -e "s#/etc/meshproof/#$work/etc/#g" \
    -e 's#--listen=[^ ]*#--listen=127.0.0.1:0#' -e 's#--metrics-listen=[^ ]*#--metrics-listen=127.0.0.1:0#' "$@"
}

# Starts SERVICE with COMMAND-LINE; sets pid[SERVICE] and address[SERVICE].
declare -A pid address
start() {  # SERVICE COMMAND-LINE
  # shellcheck disable=SC2086  # the unit's command line, split as systemd splits it
  $2 > "$work/$1.out" 2> "$work/$1.err" &
  pid[$1]=$!
  pids+=($!)
  wait_for_line "$work/$1.out" '^listening on ' 10
  address[$1]=$(sed -n 's/^listening on //p' "$work/$1.out")
  echo "ok   $1, started by its unit's ExecStart, serves on ${address[$1]}"
}

start store "$(exec_line store)"
start scheduler "$(exec_line scheduler -e "s#--store=[^ ]*#--store=${address[store]}#")"
sed "s#^scheduler: .*#scheduler: ${address[scheduler]}#" "$k8s/agent/config/agent.yaml" \
  > "$work/etc/agent.yaml"
start agent "$(exec_line agent)"

# The agent's example token holds the role agent in the scheduler's example tokens file.
wait_for_line "$work/scheduler.err" 'agent meshproof-agent connected' 10
echo "ok   the scheduler accepted the agent's example token"

# And the check can fail: a token the scheduler's file does not hold (the spoke's
# example) is refused, and that agent never connects.
credential agent-refused scheduler-token "$root/deploy/kubernetes/overlays/hub-and-spoke/spoke/scheduler-token.example"
sed "s#^agent_id: .*#agent_id: refused-agent#" "$work/etc/agent.yaml" > "$work/etc/refused-agent.yaml"
start agent-refused "$(exec_line agent -e "s#$work/creds/agent/#$work/creds/agent-refused/#" \
                                       -e "s#$work/etc/agent.yaml#$work/etc/refused-agent.yaml#")"
wait_for_line "$work/agent-refused.err" 'ended: 16 unknown token' 10
if grep -q 'agent refused-agent connected' "$work/scheduler.err"; then
  echo "FAIL the scheduler let an agent with an unknown token connect"
  exit 1
fi
echo "ok   the scheduler refused a token its tokens file does not hold"
kill -TERM "${pid[agent-refused]}"

# SIGTERM, as KillSignal= sends it; each must exit 0 within its unit's TimeoutStopSec.
failed=0
for service in agent scheduler store; do
  timeout=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\{0,1\}$/\1/p' "$units/meshproof-$service.service")
  kill -TERM "${pid[$service]}"
  deadline=$((SECONDS + timeout))
  while kill -0 "${pid[$service]}" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
  if kill -0 "${pid[$service]}" 2>/dev/null; then
    echo "FAIL meshproof-$service did not stop within TimeoutStopSec=${timeout}s"
    failed=1
    continue
  fi
  code=0
  wait "${pid[$service]}" || code=$?
  if [ "$code" -eq 0 ]; then
    echo "ok   meshproof-$service stopped on SIGTERM, exit 0"
  else
    echo "FAIL meshproof-$service exited $code on SIGTERM:"; cat "$work/$service.err"; failed=1
  fi
done
exit "$failed"
