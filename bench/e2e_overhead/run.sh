#!/usr/bin/env bash
# bench/e2e_overhead — what the pipeline costs on top of the probing itself. One scenario
# of TESTS quick tests against the lab's ingress gateway (an unknown Host answered 404 by
# nginx itself, so the upstream is not what is measured), run
#   direct:   `meshproof probe` straight to the agent's Execute (the agent alone), and
#   pipeline: `meshproof run start --wait` → scheduler → the same agent over its
#             scheduler link → results acknowledged → outbox → results store, timed until
#             the store holds the finished run with every result,
# alternately, ROUNDS times each, in one run on the same processes. Prints the wall times,
# their medians and the ratio pipeline / direct (goal ≤ 1.3×).
#
#   bench/e2e_overhead/run.sh [TESTS] [ROUNDS] [PARALLELISM]
#
# TESTS defaults to 1000 (the scenario language's limit), ROUNDS to 5, PARALLELISM (the
# scenario's tests in flight) to 16. Needs a build (scripts/build.sh) and the packages from
# scripts/setup.sh. Not a test: it prints figures for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tests=${1:-1000}
rounds=${2:-5}
parallelism=${3:-16}
build_dir=${MESHPROOF_BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir=$root/$build_dir ;; esac
bin=$build_dir/bin
cli=$bin/meshproof
work=$(mktemp -d /tmp/meshproof-e2e-bench-XXXXXX)
cleanup() {
  # Each service's pid is in a file: start_service runs in a command substitution, whose
  # changes to this shell's variables are lost.
  local file pid
  for file in "$work"/*.pid; do
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  deploy/lab/lab.sh down --dir "$work/lab" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

start_service() {
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.log" &
  echo $! >"$work/$name.pid"
  for _ in $(seq 1 200); do
    grep -q '^listening on ' "$work/$name.out" 2>/dev/null && break
    sleep 0.05
  done
  sed -n 's/^listening on //p' "$work/$name.out"
}
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

deploy/lab/lab.sh up --dir "$work/lab" --base-port 0 >/dev/null
store=$(start_service store "$bin/meshproof-store" --listen 127.0.0.1:0 --db "$work/store.db")
scheduler=$(start_service scheduler "$bin/meshproof-scheduler" --listen 127.0.0.1:0 \
  --db "$work/scheduler.db" --store "$store")
agent=$(start_service agent "$bin/meshproof-agent" --listen 127.0.0.1:0 --scheduler "$scheduler" \
  --cluster lab --namespace bench --agent-id bench-agent)
export MESHPROOF_SCHEDULER=$scheduler MESHPROOF_STORE=$store
for _ in $(seq 1 100); do "$cli" agents | grep -q '^bench-agent .*connected' && break; sleep 0.1; done

# The scenario: TESTS independent HTTP tests, each a fresh connection, as verification is.
scenario=$work/e2e-overhead.yaml
{
  echo "apiVersion: meshproof/v1"
  echo "kind: Scenario"
  echo "name: e2e-overhead"
  echo "team: bench"
  echo "target: {namespace: bench}"
  echo "defaults: {parallelism: $parallelism, connect_timeout: 2s, timeout: 5s}"
  echo "tests:"
  for i in $(seq 1 "$tests"); do
    echo "  - name: t$i"
    echo "    http: {url: \"http://\${INGRESS_HOST}:\${INGRESS_HTTP_PORT}/get\", headers: {Host: \"\${UNKNOWN_HOST}\"}}"
    echo "    expect: {status: 404}"
  done
} >"$scenario"
vars=(--vars-file "$work/lab/lab.env" --var UNKNOWN_HOST=nope.example.com)
"$cli" scenario submit "$scenario" >/dev/null

direct_once() {
  local t0 t1
  t0=$(now_ms)
  "$cli" probe "$scenario" --agent "$agent" "${vars[@]}" --output json >"$work/direct.json" ||
    { echo "direct run failed" >&2; exit 1; }
  t1=$(now_ms)
  echo $((t1 - t0))
}
pipeline_once() {
  local t0 t1 run_id
  t0=$(now_ms)
  "$cli" run start e2e-overhead "${vars[@]}" --wait --output json >"$work/run.json" ||
    { echo "pipeline run failed" >&2; exit 1; }
  echo $(($(now_ms) - t0)) >"$work/finished_ms"
  run_id=$(sed -n 's/.*"run_id": *"\([^"]*\)".*/\1/p' "$work/run.json" | head -n 1)
  # Done means stored: the finished run with every result readable from the store. The
  # check itself (a CLI start, the whole report, a JSON parse) takes a while and is part
  # of the figure; the last check's own time is printed beside it.
  local check_start
  while :; do
    check_start=$(now_ms)
    "$cli" report "$run_id" --format json 2>/dev/null |
      python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(0 if r.get("run",{}).get("verdict") and len(r.get("results",[]))>='"$tests"' else 1)' &&
      break
    sleep 0.02
  done
  t1=$(now_ms)
  echo $((t1 - check_start)) >"$work/last_check_ms"
  echo $((t1 - t0))
}

# One warm-up of each (first connections, page cache, SQLite file growth), not counted.
direct_once >/dev/null
pipeline_once >/dev/null
direct_ms=()
pipeline_ms=()
for round in $(seq 1 "$rounds"); do
  d=$(direct_once); p=$(pipeline_once)
  direct_ms+=("$d"); pipeline_ms+=("$p")
  echo "round $round: direct ${d} ms, pipeline ${p} ms (run finished at the scheduler after $(cat "$work/finished_ms") ms; the last stored-check took $(cat "$work/last_check_ms") ms)"
done
direct_median=$(printf '%s\n' "${direct_ms[@]}" | median)
pipeline_median=$(printf '%s\n' "${pipeline_ms[@]}" | median)
echo
echo "tests per run:          $tests (parallelism $parallelism, fresh connection each)"
echo "direct on the agent:    median ${direct_median} ms  (${direct_ms[*]})"
echo "CLI→scheduler→agent→store: median ${pipeline_median} ms  (${pipeline_ms[*]})"
awk -v p="$pipeline_median" -v d="$direct_median" \
  'BEGIN {r=p/d; printf "ratio pipeline/direct:  %.2fx (goal <= 1.3x: %s)\n", r, (r<=1.3)?"met":"missed"}'
echo "load average:           $(cut -d' ' -f1-3 /proc/loadavg)"
