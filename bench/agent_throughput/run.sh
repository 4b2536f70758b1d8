#!/usr/bin/env bash
# bench/agent_throughput — probes per second of the meshproof agent against the peer a
# user would pick instead (Prometheus blackbox_exporter) and the machine's ceiling (wrk),
# all in one run, against the same static nginx endpoints at the same concurrency.
#
#   bench/agent_throughput/run.sh [PROBES] [CONCURRENCY] [SECONDS]
#
# PROBES (default 4000) per agent measurement, CONCURRENCY (default 32), SECONDS (default
# 10) for the wrk-driven measurements. Needs a build (scripts/build.sh) and the packages
# from scripts/setup.sh. Not a test: it prints figures for docs/benchmarks.md.
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

# The lab provides the CA and a certificate for httpbin.example.com.
deploy/lab/lab.sh up --dir "$work/lab" --base-port 0 >/dev/null
certs=$work/lab/certs

# A static target: what is measured is the prober, not an upstream application.
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
    location / { return 200 "ok\n"; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx.conf" -e "$work/nginx/error.log"
http_url=http://127.0.0.1:$http_port/
https_url=https://httpbin.example.com:$https_port/

# The agent.
"$bin/meshproof-agent" --listen 127.0.0.1:0 --max-concurrency "$concurrency" >"$work/agent.out" 2>"$work/agent.log" &
agent_pid=$!; pids+=("$agent_pid")
for _ in $(seq 1 100); do grep -q '^listening on' "$work/agent.out" && break; sleep 0.05; done
agent=$(sed -n 's/^listening on //p' "$work/agent.out")
sleep 0.5
agent_idle_rss=$(rss_kb "$agent_pid" VmRSS)

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
# agent_rate URL REUSE: probes/s of the agent running PROBES probes with full records.
agent_rate() {
  local url=$1 reuse=$2 files=()
  for s in $(seq 1 $(((probes + 999) / 1000))); do
    scenario "$work/s$s.yaml" "bench-$s" "$url" "$reuse"
    files+=("$work/s$s.yaml")
  done
  local start end
  start=$(date +%s.%N)
  "$bin/meshproof" probe "${files[@]}" --agent "$agent" --output json >"$work/probe.json"
  end=$(date +%s.%N)
  local passed
  passed=$(grep -c '"verdict":"TEST_VERDICT_PASS"' "$work/probe.json" || true)
  echo "$passed $start $end" | awk '{printf "%.0f", $1 / ($3 - $2)}'
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
bb_idle_rss=$(rss_kb "$bb_pid" VmRSS)
bb_http_url="http://127.0.0.1:$bb_port/probe?module=http_2xx&target=$http_url"
bb_https_url="http://127.0.0.1:$bb_port/probe?module=https_2xx&target=https://127.0.0.1:$https_port/"
curl -s "$bb_https_url" | grep -q '^probe_success 1' || { echo "blackbox_exporter HTTPS probe does not succeed" >&2; exit 1; }

echo "meshproof agent_throughput: $probes probes per agent measurement, concurrency $concurrency, wrk ${seconds}s"
agent_http=$(agent_rate "$http_url" false)
agent_https=$(agent_rate "$https_url" false)
agent_reuse=$(agent_rate "$http_url" true)
agent_peak_rss=$(rss_kb "$agent_pid" VmHWM)
bb_http=$(wrk_rate "$bb_http_url")
bb_https=$(wrk_rate "$bb_https_url")
bb_peak_rss=$(rss_kb "$bb_pid" VmHWM)
wrk_http=$(wrk_rate -H 'Connection: close' "$http_url")
wrk_https=$(wrk_rate -H 'Connection: close' "https://127.0.0.1:$https_port/")
# curl --parallel with connection reuse, the same number of probes.
for i in $(seq 1 "$probes"); do echo "url = \"$http_url\""; echo "output = \"/dev/null\""; done >"$work/curl.cfg"
start=$(date +%s.%N)
curl -s --parallel --parallel-max "$concurrency" -K "$work/curl.cfg"
end=$(date +%s.%N)
curl_reuse=$(echo "$probes $start $end" | awk '{printf "%.0f", $1 / ($3 - $2)}')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
printf '\n%-44s %10s\n' "measurement" "probes/s"
printf '%-44s %10s\n' "agent, HTTP, fresh connection per probe" "$agent_http"
printf '%-44s %10s\n' "blackbox_exporter, HTTP" "$bb_http"
printf '%-44s %10s\n' "wrk -H 'Connection: close', HTTP (ceiling)" "$wrk_http"
printf '%-44s %10s\n' "agent, HTTPS, fresh connection + handshake" "$agent_https"
printf '%-44s %10s\n' "blackbox_exporter, HTTPS" "$bb_https"
printf '%-44s %10s\n' "wrk -H 'Connection: close', HTTPS (ceiling)" "$wrk_https"
printf '%-44s %10s\n' "agent, HTTP, connection reuse" "$agent_reuse"
printf '%-44s %10s\n' "curl --parallel --parallel-max C (reuse)" "$curl_reuse"
echo
echo "ratios: agent/blackbox HTTP $(ratio "$agent_http" "$bb_http") (goal >= 3), HTTPS $(ratio "$agent_https" "$bb_https") (goal >= 3)"
echo "        agent/wrk HTTP $(ratio "$agent_http" "$wrk_http"), HTTPS $(ratio "$agent_https" "$wrk_https") (goal >= 0.4)"
echo "        agent/curl reuse $(ratio "$agent_reuse" "$curl_reuse") (goal >= 1.0)"
echo "RSS KiB: agent idle $agent_idle_rss peak $agent_peak_rss; blackbox_exporter idle $bb_idle_rss peak $bb_peak_rss"
