#!/usr/bin/env bash
# bench/agent_throughput — probes per second of the meshproof agent against the peer a
# user would pick instead (Prometheus blackbox_exporter) and the machine's ceiling (wrk),
# all in one run, against the same static nginx endpoints at the same concurrency.
# Every HTTPS figure is taken against a server with session resumption off (no session
# cache, no tickets), so each connection is a full handshake for every prober: a
# resumed session is not what a fresh verification probe does. curl --parallel with a
# new connection per transfer (HTTP, and HTTPS verified) is printed for reference: what
# libcurl itself achieves per fresh probe on this machine.
#
#   bench/agent_throughput/run.sh [PROBES] [CONCURRENCY] [SECONDS]
#
# PROBES (default 4000) per agent and curl pass, repeated until SECONDS (default 10) have
# passed; CONCURRENCY (default 32); wrk runs SECONDS too. Needs a build (scripts/build.sh)
# and the packages from scripts/setup.sh. Not a test: it prints figures for docs/benchmarks.md.
#
# The agent is measured two ways: with agent_driver (the scenario protos are built
# before the clock starts and only the Execute streams are timed: the agent's own
# figure) and through `meshproof probe` (parsing the YAML, starting the CLI and printing
# every result included: what a user of the CLI sees). AGENT_BEFORE=/path/to/an/older
# meshproof-agent (and CLI_BEFORE=/path/to/an/older meshproof, used for its CLI figures)
# measures that binary too, in the same run, for before/after figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
probes=${1:-4000}
concurrency=${2:-32}
seconds=${3:-10}
bin=$root/${MESHPROOF_BUILD_DIR:-build}/bin
work=$(mktemp -d /tmp/meshproof-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null || true
  deploy/lab/lab.sh down --dir "$work/lab" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk -v k="$2" '$1==k":"{print $2}' "/proc/$1/status"; }
# "VmRSS anon file pss" in KiB: most of an idle C++ service's RSS is shared-library
# pages mapped from the page cache, which PSS splits between the processes using them.
rss_detail() {
  echo "$(rss_kb "$1" VmRSS) $(rss_kb "$1" RssAnon) $(rss_kb "$1" RssFile) $(awk '$1=="Pss:"{print $2}' "/proc/$1/smaps_rollup")"
}
# track_private PID FILE: until PID exits or FILE's tracker is stopped, samples PID every
# 20 ms and keeps in FILE the largest RssAnon seen (KiB), with the RssFile of that sample:
# VmHWM counts shared-library pages mapped from the page cache as well, and these say how
# much of a peak is the process's own memory.
track_private() {
  local pid=$1 file=$2 max=0 anon shared
  echo "0 0" >"$file"
  while kill -0 "$pid" 2>/dev/null; do
    read -r anon shared < <(awk '$1=="RssAnon:"{a=$2} $1=="RssFile:"{f=$2} END{print a+0, f+0}' \
      "/proc/$pid/status" 2>/dev/null || echo "0 0")
    if [ "$anon" -gt "$max" ]; then max=$anon; echo "$anon $shared" >"$file"; fi
    sleep 0.02
  done
}

# The lab provides the CA and a certificate for httpbin.example.com.
deploy/lab/lab.sh up --dir "$work/lab" --base-port 0 >/dev/null
certs=$work/lab/certs

# A static target: what is measured is the prober, not an upstream application.
http_port=$(free_port); https_port=$(free_port); resumable_port=$(free_port)
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
    # No resumption: every connection, whoever makes it, pays a full handshake.
    ssl_session_cache off; ssl_session_tickets off;
    location / { return 200 "ok\n"; }
  }
  # nginx's defaults (session tickets on): what wrk's HTTPS figure used to be taken
  # against. Printed for reference; most of its connections are resumed sessions.
  server {
    listen 127.0.0.1:$resumable_port ssl backlog=4096;
    ssl_certificate $certs/ingress.pem; ssl_certificate_key $certs/ingress.key;
    location / { return 200 "ok\n"; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx.conf" -e "$work/nginx/error.log"
http_url=http://127.0.0.1:$http_port/
https_url=https://httpbin.example.com:$https_port/

# start_agent BINARY NAME: starts an agent, sets agent_pid and agent (its address).
start_agent() {
  "$1" --listen 127.0.0.1:0 --max-concurrency "$concurrency" >"$work/$2.out" 2>"$work/$2.log" &
  agent_pid=$!; pids+=("$agent_pid")
  for _ in $(seq 1 100); do grep -qs "^listening on" "$work/$2.out" && break; sleep 0.05; done
  agent=$(sed -n 's/^listening on //p' "$work/$2.out")
  sleep 0.5
}

# scenario FILE NAME URL REUSE: 1000 tests (the per-scenario limit) probing URL.
scenario() {
  local file=$1 name=$2 url=$3 reuse=$4
  {
    echo "apiVersion: meshproof/v1"; echo "kind: Scenario"; echo "name: $name"
    echo "defaults: {parallelism: $((concurrency > 64 ? 64 : concurrency)), reuse_connections: $reuse, timeout: 10s}"
    echo "tests:"
    for i in $(seq 1 1000); do
      echo "  - {name: t$i, http: {url: \"$url\", resolve: [\"httpbin.example.com:$https_port:127.0.0.1\"], tls: {ca_file: \"$certs/ca.pem\"}}}"
    done
  } >"$file"
}
# scenario_files URL REUSE: writes the scenarios for PROBES probes; sets files.
scenario_files() {
  files=()
  for s in $(seq 1 $(((probes + 999) / 1000))); do
    scenario "$work/s$s.yaml" "bench-$s" "$1" "$2"
    files+=("$work/s$s.yaml")
  done
}
# cli_rate URL REUSE: probes/s through `meshproof probe` (CLI start, parsing, printing).
cli_rate() {
  scenario_files "$1" "$2"
  local start end
  start=$(date +%s.%N)
  "$cli" probe "${files[@]}" --agent "$agent" --output json >"$work/probe.json"
  end=$(date +%s.%N)
  local passed
  passed=$(grep -c '"verdict":"TEST_VERDICT_PASS"' "$work/probe.json" || true)
  echo "$passed $start $end" | awk '{printf "%.0f", $1 / ($3 - $2)}'
}
# driver_rate URL REUSE: probes/s of the Execute streams alone (passed probes only),
# the scenarios repeated until SECONDS have passed, as long as wrk drives the peers: a
# single short pass is mostly the start and the drain of each 1,000-test scenario.
driver_rate() {
  scenario_files "$1" "$2"
  "$bin/agent_driver" --agent "$agent" --seconds "$seconds" "${files[@]}" | awk '{print $1}'
}
# measure_agent BINARY NAME [CLI]: every agent figure of one binary, as NAME_* variables;
# the CLI figures through CLI (default: this build's meshproof).
measure_agent() {
  cli=${3:-$bin/meshproof}
  start_agent "$1" "$2"
  local idle tracker
  idle=$(rss_detail "$agent_pid")
  eval "$2_idle='$idle'"
  track_private "$agent_pid" "$work/$2.private" &
  tracker=$!
  eval "$2_http=$(driver_rate "$http_url" false)"
  eval "$2_https=$(driver_rate "$https_url" false)"
  eval "$2_reuse=$(driver_rate "$http_url" true)"
  eval "$2_cli_http=$(cli_rate "$http_url" false)"
  eval "$2_cli_https=$(cli_rate "$https_url" false)"
  eval "$2_cli_reuse=$(cli_rate "$http_url" true)"
  eval "$2_peak=$(rss_kb "$agent_pid" VmHWM)"
  kill "$tracker" 2>/dev/null || true; wait "$tracker" 2>/dev/null || true
  eval "$2_private='$(cat "$work/$2.private")'"
  kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
}

wrk_rate() { wrk -t 2 -c "$concurrency" -d "${seconds}s" "$@" 2>/dev/null | awk '/Requests\/sec/{printf "%.0f", $2}'; }

# blackbox_exporter: one probe per /probe request, each a fresh connection to the target.
bb_port=$(free_port)
cat >"$work/blackbox.yml" <<CONF
modules:
  http_2xx:
    prober: http
    timeout: 10s
    http: {preferred_ip_protocol: ip4}
  https_2xx:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
      tls_config: {ca_file: $certs/ca.pem, server_name: httpbin.example.com}
CONF
prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bb_port" \
  >"$work/blackbox.log" 2>&1 &
bb_pid=$!; pids+=("$bb_pid")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$bb_port/" >/dev/null && break; sleep 0.05; done
sleep 0.5
bb_idle=$(rss_detail "$bb_pid")
bb_http_url="http://127.0.0.1:$bb_port/probe?module=http_2xx&target=$http_url"
bb_https_url="http://127.0.0.1:$bb_port/probe?module=https_2xx&target=https://127.0.0.1:$https_port/"
curl -s "$bb_https_url" | grep -q '^probe_success 1' || { echo "blackbox_exporter HTTPS probe does not succeed" >&2; exit 1; }

echo "meshproof agent_throughput: $probes probes per agent measurement, concurrency $concurrency, wrk ${seconds}s"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
measure_agent "$bin/meshproof-agent" after
if [ -n "${AGENT_BEFORE:-}" ]; then measure_agent "$AGENT_BEFORE" before "${CLI_BEFORE:-}"; fi
track_private "$bb_pid" "$work/blackbox.private" &
bb_tracker=$!
bb_http=$(wrk_rate "$bb_http_url")
bb_https=$(wrk_rate "$bb_https_url")
bb_peak_rss=$(rss_kb "$bb_pid" VmHWM)
kill "$bb_tracker" 2>/dev/null || true; wait "$bb_tracker" 2>/dev/null || true
bb_private=$(cat "$work/blackbox.private")
wrk_http=$(wrk_rate -H 'Connection: close' "$http_url")
# The full-handshake ceiling: the resumption-off server, a new connection per request.
wrk_https=$(wrk_rate -H 'Connection: close' "https://127.0.0.1:$https_port/")
wrk_resumed=$(wrk_rate -H 'Connection: close' "https://127.0.0.1:$resumable_port/")
# curl --parallel: passes of PROBES transfers of URL, as the agent's, until SECONDS have
# passed; probes/s. curl_rate URL [CURL ARGS...]
curl_rate() {
  local url=$1; shift
  for i in $(seq 1 "$probes"); do echo "url = \"$url\""; echo "output = \"/dev/null\""; done >"$work/curl.cfg"
  local start end done_count=0
  start=$(date +%s.%N)
  while :; do
    curl -s --no-progress-meter --parallel --parallel-max "$concurrency" "$@" -K "$work/curl.cfg" 2>/dev/null
    done_count=$((done_count + probes))
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v d="$seconds" 'BEGIN{exit !(e - s < d)}' || break
  done
  echo "$done_count $start $end" | awk '{printf "%.0f", $1 / ($3 - $2)}'
}
# With connection reuse: the ceiling of the reuse mode.
curl_reuse=$(curl_rate "$http_url")
# A new connection per transfer (the server closes it), and for HTTPS a verified full
# handshake each (the resumption-off server): what libcurl itself does per fresh probe,
# for reference beside wrk, which neither verifies certificates nor builds a TLS context
# per connection as libcurl 7.88 does.
curl_fresh=$(curl_rate "$http_url" -H 'Connection: close')
curl_https=$(curl_rate "$https_url" -H 'Connection: close' --cacert "$certs/ca.pem" \
  --resolve "httpbin.example.com:$https_port:127.0.0.1")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
row() { printf '%-62s %10s\n' "$1" "$2"; }
printf '\n%-62s %10s\n' "measurement" "probes/s"
for who in before after; do
  [ "$who" = before ] && [ -z "${AGENT_BEFORE:-}" ] && continue
  eval "h=\$${who}_http s=\$${who}_https r=\$${who}_reuse ch=\$${who}_cli_http cs=\$${who}_cli_https cr=\$${who}_cli_reuse"
  row "agent ($who), HTTP, fresh connection per probe" "$h"
  row "agent ($who), HTTPS, fresh connection + handshake" "$s"
  row "agent ($who), HTTP, connection reuse" "$r"
  row "  through meshproof probe: HTTP" "$ch"
  row "  through meshproof probe: HTTPS" "$cs"
  row "  through meshproof probe: reuse" "$cr"
done
row "blackbox_exporter, HTTP" "$bb_http"
row "blackbox_exporter, HTTPS" "$bb_https"
row "wrk -H 'Connection: close', HTTP (ceiling)" "$wrk_http"
row "wrk -H 'Connection: close', HTTPS full handshakes (ceiling)" "$wrk_https"
row "wrk -H 'Connection: close', HTTPS resumption on (reference)" "$wrk_resumed"
row "curl --parallel --parallel-max C (reuse)" "$curl_reuse"
row "curl --parallel, Connection: close, HTTP (reference)" "$curl_fresh"
row "curl --parallel, Connection: close, HTTPS verified (reference)" "$curl_https"
echo
for who in before after; do
  [ "$who" = before ] && [ -z "${AGENT_BEFORE:-}" ] && continue
  eval "h=\$${who}_http s=\$${who}_https r=\$${who}_reuse idle=\$${who}_idle peak=\$${who}_peak private=\$${who}_private"
  eval "ch=\$${who}_cli_http cs=\$${who}_cli_https cr=\$${who}_cli_reuse"
  echo "$who: agent HTTPS / full-handshake ceiling $(ratio "$s" "$wrk_https") (goal >= 0.8);" \
    "agent HTTP / wrk Connection: close $(ratio "$h" "$wrk_http") (goal >= 0.45);" \
    "agent reuse / curl --parallel $(ratio "$r" "$curl_reuse") (goal >= 1.1)"
  echo "$who: meshproof probe / driver HTTP $(ratio "$ch" "$h"), HTTPS $(ratio "$cs" "$s")," \
    "reuse $(ratio "$cr" "$r") (goal >= 0.85 each);" \
    "agent / blackbox_exporter HTTP $(ratio "$h" "$bb_http"), HTTPS $(ratio "$s" "$bb_https")"
  echo "$who: reference: agent / curl with a new connection per transfer: HTTP $(ratio "$h" "$curl_fresh")," \
    "HTTPS $(ratio "$s" "$curl_https")"
  echo "$who: peak RSS agent / blackbox_exporter $(ratio "$peak" "$bb_peak_rss") (goal <= 1.0)"
  echo "$who RSS KiB: idle (VmRSS anon file pss) $idle; peak $peak; largest private (anon, file then) $private"
  echo "$who: largest private memory agent / blackbox_exporter $(ratio "${private%% *}" "${bb_private%% *}")"
done
echo "blackbox_exporter RSS KiB: idle (VmRSS anon file pss) $bb_idle; peak $bb_peak_rss; largest private (anon, file then) $bb_private"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
