#!/usr/bin/env bash
# bench/agent_memory — the agent's peak memory while it runs a 10,000-test load at 256
# probes in flight, three times over: the peak must stay under the goal and must not
# grow from one repeat to the next (nothing kept per test once its result is sent).
#
#   bench/agent_memory/run.sh [TESTS] [IN_FLIGHT] [REPEATS]
#
# TESTS (default 10000) is split into scenarios of 1,000 (the per-scenario limit), half
# of the tests HTTP and half HTTPS with a full handshake, against a static nginx that
# uses the lab's certificates. A scenario runs at most 64 tests at once (its parallelism
# limit), so IN_FLIGHT (default 256) / 64 Execute calls run side by side, against an
# agent started with --max-concurrency IN_FLIGHT. After each repeat the agent's VmHWM
# (peak resident set) and VmRSS are read from /proc. Needs a build (scripts/build.sh)
# and the packages from scripts/setup.sh. Not a test: it prints figures for
# docs/benchmarks.md. AGENT_BEFORE=/path/to/an/older meshproof-agent measures that
# binary too, in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tests=${1:-10000}
in_flight=${2:-256}
repeats=${3:-3}
bin=$root/${MESHPROOF_BUILD_DIR:-build}/bin
work=$(mktemp -d /tmp/meshproof-memory-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null || true
  deploy/lab/lab.sh down --dir "$work/lab" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
status_kb() { awk -v k="$2" '$1==k":"{print $2}' "/proc/$1/status"; }

deploy/lab/lab.sh up --dir "$work/lab" --base-port 0 >/dev/null
certs=$work/lab/certs
http_port=$(free_port); https_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:$http_port backlog=4096; location / { return 200 "ok\n"; } }
  server {
    listen 127.0.0.1:$https_port ssl backlog=4096;
    ssl_certificate $certs/ingress.pem; ssl_certificate_key $certs/ingress.key;
    ssl_session_cache off; ssl_session_tickets off;
    location / { return 200 "ok\n"; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx.conf" -e "$work/nginx/error.log"

# Scenarios of up to 1,000 tests; odd tests HTTP, even tests HTTPS.
files=()
for s in $(seq 1 $(((tests + 999) / 1000))); do
  n=$((tests - (s - 1) * 1000)); [ "$n" -gt 1000 ] && n=1000
  {
    echo "apiVersion: meshproof/v1"; echo "kind: Scenario"; echo "name: memory-$s"
    echo "defaults: {parallelism: 64, timeout: 10s}"
    echo "tests:"
    for i in $(seq 1 "$n"); do
      if [ $((i % 2)) -eq 1 ]; then
        echo "  - {name: t$i, http: {url: \"http://127.0.0.1:$http_port/t$i\"}}"
      else
        echo "  - {name: t$i, http: {url: \"https://httpbin.example.com:$https_port/t$i\", resolve: [\"httpbin.example.com:$https_port:127.0.0.1\"], tls: {ca_file: \"$certs/ca.pem\"}}}"
      fi
    done
  } >"$work/s$s.yaml"
  files+=("$work/s$s.yaml")
done
streams=$(((in_flight + 63) / 64))

# measure BINARY NAME: starts the agent, runs the repeats, prints one line per repeat.
measure() {
  "$1" --listen 127.0.0.1:0 --max-concurrency "$in_flight" >"$work/$2.out" 2>"$work/$2.log" &
  local pid=$!; pids+=("$pid")
  for _ in $(seq 1 100); do grep -qs "^listening on" "$work/$2.out" && break; sleep 0.05; done
  local agent
  agent=$(sed -n 's/^listening on //p' "$work/$2.out")
  echo "$2: idle VmRSS $(status_kb "$pid" VmRSS) KiB"
  for r in $(seq 1 "$repeats"); do
    local out
    out=$("$bin/agent_driver" --agent "$agent" --streams "$streams" "${files[@]}")
    echo "$2: repeat $r: $(echo "$out" | awk '{print $2}') tests passed in $(echo "$out" | awk '{print $3}') s;" \
      "VmHWM $(status_kb "$pid" VmHWM) KiB, VmRSS after $(status_kb "$pid" VmRSS) KiB," \
      "threads $(status_kb "$pid" Threads)"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "meshproof agent_memory: $tests tests in $(( ${#files[@]} )) scenarios, $streams Execute calls of parallelism 64 at once, agent --max-concurrency $in_flight, $repeats repeats"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${AGENT_BEFORE:-}" ]; then measure "$AGENT_BEFORE" before; fi
measure "$bin/meshproof-agent" after
echo "goal: VmHWM <= 65536 KiB, flat across the repeats"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
