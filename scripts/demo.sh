#!/usr/bin/env bash
# meshproof's whole job on one machine. Sets up what is missing, builds, starts the lab
# (real nginx gateways and httpbin) and the three services on free ports, over TLS with a
# throwaway CA, submits the seed
# report's scenarios (10-ingress, 20-egress), runs them through the scheduler on a probe
# agent, decides on the egress run's gated test (rejected: the demo's lab is ALLOW_ANY, so
# REGISTRY_ONLY cannot be measured on it), streams progress, prints the Markdown reports
# from the results store and says where the data lives. The history stays between demos:
# the second one compares each run with the previous and its HTML report draws a history
# grid.
#
#   scripts/demo.sh          run, then stop everything it started
#   scripts/demo.sh --keep   leave the lab and the services running and print
#                            `export MESHPROOF_...` lines: eval "$(scripts/demo.sh --keep | grep ^export)"
#   scripts/demo.sh --stop   stop exactly what a --keep left running (by pid file)
#   scripts/demo.sh --fresh  wipe the kept history (store and scheduler databases) first
#
# A first run on a fresh machine installs packages and builds the four binaries the demo
# uses (not the tests): 10 to 20 minutes on a 2-core machine, with progress shown; later
# runs take about 15 seconds. MESHPROOF_DEMO_DIR chooses the data folder (default: out/demo);
# MESHPROOF_BUILD_DIR the build (default: build); MESHPROOF_DEMO_NO_BUILD=1 skips the build
# step. Exit code: 0 when both runs passed, 1 when one failed, 4 when one was
# inconclusive, 2/3 on setup problems.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
data_dir=${MESHPROOF_DEMO_DIR:-$root/out/demo}
lab_dir=$data_dir/lab
pid_dir=$data_dir/pids
build_dir=${MESHPROOF_BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir=$root/$build_dir ;; esac
bin=$build_dir/bin

# Stops the services by the pid files this script wrote (never by name: other meshproof
# processes on the machine are not ours), then the lab.
stop_all() {
  local pid_file pid
  for pid_file in "$pid_dir"/agent.pid "$pid_dir"/scheduler.pid "$pid_dir"/store.pid; do
    [ -f "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    if kill -TERM "$pid" 2>/dev/null; then
      # A graceful drain first (SIGTERM); a process that hangs gets SIGKILL after 15 s.
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
  done
  if [ -f "$lab_dir/lab.env" ]; then deploy/lab/lab.sh down --dir "$lab_dir" >/dev/null 2>&1 || true; fi
}

keep=0
fresh=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    --fresh) fresh=1 ;;
    --stop) stop_all; echo "stopped the demo's services and lab ($data_dir)"; exit 0 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument '$arg' (expected --keep, --fresh or --stop)" >&2; exit 2 ;;
  esac
done

# step TEXT: one line per step, so a first run is never silent.
step() { echo "==> $*"; }

# 1. Packages and build, only what is missing. Said up front, so a first run is not
#    mistaken for a hung one.
if [ -z "${MESHPROOF_DEMO_NO_BUILD:-}" ] && [ ! -x "$bin/meshproof-agent" ]; then
  step "first run: installing what is missing and building the demo's binaries takes 10 to 20 minutes on a 2-core machine (less with more cores); later runs take about 15 seconds"
fi
if ! command -v nginx >/dev/null 2>&1 || ! dpkg-query -W libgrpc++-dev >/dev/null 2>&1; then
  step "installing the Debian packages meshproof needs (scripts/setup.sh; a few minutes on a fresh machine)"
  scripts/setup.sh
fi
mkdir -p "$data_dir/logs"
demo_targets=(meshproof meshproof-store meshproof-scheduler meshproof-agent)
if [ -n "${MESHPROOF_DEMO_NO_BUILD:-}" ]; then
  # Callers that built already (the test suite) use the binaries as they are.
  [ -x "$bin/meshproof-scheduler" ] || { echo "demo.sh: no build in $build_dir" >&2; exit 3; }
else
  # Only the demo's four binaries, not the tests. Ninja's "[N/M]" lines become one
  # percentage line; the whole output stays in the log.
  build_log=$data_dir/logs/build.log
  # In its own process group (setsid), so that stopping the demo stops the whole build:
  # a script's background job would otherwise ignore Ctrl-C and build on.
  MESHPROOF_BUILD_TARGETS="${demo_targets[*]}" setsid scripts/build.sh >"$build_log" 2>&1 </dev/null &
  build_pid=$!
  trap 'kill -TERM -- -"$build_pid" 2>/dev/null; exit 130' INT TERM
  step "building ${demo_targets[*]} in $build_dir (log: $build_log)"
  # On a terminal one line counts up; in a log (CI) a line every tenth of the way.
  last_tenth=-1
  while kill -0 "$build_pid" 2>/dev/null; do
    progress=$(grep -o '^\[[0-9]*/[0-9]*\]' "$build_log" 2>/dev/null | tail -n 1 | tr -d '[]' || true)
    if [ -n "$progress" ] && [ "${progress#*/}" -gt 0 ]; then
      percent=$(( ${progress%/*} * 100 / ${progress#*/} ))
      if [ -t 1 ]; then
        printf '\r    build: %3d%% (%s steps)' "$percent" "$progress"
      elif [ $(( percent / 10 )) -gt "$last_tenth" ]; then
        last_tenth=$(( percent / 10 ))
        echo "    build: $percent% ($progress steps)"
      fi
    fi
    sleep 1
  done
  if ! wait "$build_pid"; then
    [ -t 1 ] && echo
    echo "demo.sh: the build failed; the end of $build_log:" >&2
    tail -n 30 "$build_log" >&2
    exit 3
  fi
  trap - INT TERM
  [ -t 1 ] && printf '\r    build: 100%%%-20s\n' ""
  echo "    build: done (log: $build_log)"
fi
cli=$bin/meshproof

# 2. Whatever an earlier --keep left running goes first. The databases stay, so the
#    history grows from demo to demo; --fresh starts it again.
stop_all
mkdir -p "$data_dir" "$pid_dir" "$data_dir/logs" "$data_dir/reports"
if [ "$fresh" = 1 ]; then
  step "--fresh: wiping the kept history"
  rm -f "$data_dir"/store.db* "$data_dir"/scheduler.db*
fi
earlier_runs=0
[ -f "$data_dir/store.db" ] && earlier_runs=1
[ "$keep" = 1 ] || trap stop_all EXIT

# Starts a service in the background, records its pid and prints its address (its first
# stdout line is "listening on HOST:PORT").
start_service() {
  local name=$1; shift
  local out=$data_dir/logs/$name.out address
  # Emptied here, not only by the redirection below: that one happens in the child, after
  # this shell may already have read an earlier demo's address from the kept file.
  : >"$out"
  "$@" >"$out" 2>"$data_dir/logs/$name.log" &
  echo $! >"$pid_dir/$name.pid"
  for _ in $(seq 1 200); do
    address=$(sed -n 's/^listening on \(..*\)$/\1/p' "$out" 2>/dev/null)
    if [ -n "$address" ]; then echo "$address"; return; fi
    kill -0 "$(cat "$pid_dir/$name.pid")" 2>/dev/null || break
    sleep 0.05
  done
  echo "demo.sh: $name did not start; its log:" >&2
  tail -n 20 "$data_dir/logs/$name.log" >&2
  exit 3
}

# 3. Tokens, as a real installation has them (docs/auth.md): one for you (viewer, runner,
#    approver), one the scheduler writes to the store with, one the agent dials in with.
#    The services keep only the hashes; the tokens stay in this folder, readable by you.
tokens=$data_dir/tokens
rm -rf "$tokens"; mkdir -p "$tokens"; chmod 700 "$tokens"
# new_token NAME ROLES TOKEN_FILE ENTRY_FILE...: writes the token to TOKEN_FILE and
# appends its tokens-file entry to each ENTRY_FILE.
new_token() {
  local out; out=$("$cli" token new --name "$1" --roles "$2" ${EXTRA_TOKEN_FLAGS:-})
  (umask 077; head -n 1 <<<"$out" >"$3")
  local file; for file in "${@:4}"; do tail -n +3 <<<"$out" >>"$file"; done
}
echo "tokens:" >"$tokens/scheduler-tokens.yaml"
echo "tokens:" >"$tokens/store-tokens.yaml"
# The user is in the team the example scenarios name (team: platform): with tokens on, a
# caller acts only in its own team.
EXTRA_TOKEN_FLAGS="--team platform" new_token demo-user viewer,runner,approver "$tokens/user-token" \
  "$tokens/scheduler-tokens.yaml" "$tokens/store-tokens.yaml"
new_token scheduler writer "$tokens/store-token" "$tokens/store-tokens.yaml"
# An agent token is bound to the agent id and cluster it may claim.
EXTRA_TOKEN_FLAGS="--agent-id demo-agent --cluster lab" \
  new_token demo-agent agent "$tokens/agent-token" "$tokens/scheduler-tokens.yaml"

# 4. TLS, as a real installation has it (docs/tls.md): a throwaway CA and one server
#    certificate for 127.0.0.1 that all three services present. The scheduler, the agent
#    and you verify it against the CA.
tls=$data_dir/tls
rm -rf "$tls"; mkdir -p "$tls"; chmod 700 "$tls"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/server-ext.cnf"
if ! {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=meshproof-demo-ca -keyout "$tls/ca.key" -out "$tls/ca.pem" &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=meshproof-demo \
    -keyout "$tls/server.key" -out "$tls/server.csr" &&
  openssl x509 -req -days 2 -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -CAcreateserial -extfile "$tls/server-ext.cnf" -out "$tls/server.pem"
} >"$data_dir/logs/tls.log" 2>&1; then
  echo "demo.sh: openssl could not make the demo's certificates; see $data_dir/logs/tls.log" >&2
  exit 3
fi
serve_tls=(--tls-cert "$tls/server.pem" --tls-key "$tls/server.key")

# 5. The lab, then the store, the scheduler and an agent that dials the scheduler.
step "starting the lab (nginx gateways, httpbin) and the services over TLS"
deploy/lab/lab.sh up --dir "$lab_dir" --base-port 0
store=$(start_service store "$bin/meshproof-store" --listen 127.0.0.1:0 --db "$data_dir/store.db" \
  --tokens "$tokens/store-tokens.yaml" "${serve_tls[@]}")
scheduler=$(start_service scheduler "$bin/meshproof-scheduler" --listen 127.0.0.1:0 \
  --db "$data_dir/scheduler.db" --tokens "$tokens/scheduler-tokens.yaml" "${serve_tls[@]}" \
  --store "$store" --store-token-file "$tokens/store-token" --store-tls-ca "$tls/ca.pem")
start_service agent "$bin/meshproof-agent" --listen 127.0.0.1:0 "${serve_tls[@]}" --scheduler "$scheduler" \
  --scheduler-token-file "$tokens/agent-token" --scheduler-tls-ca "$tls/ca.pem" \
  --cluster lab --namespace mesh-test --agent-id demo-agent --labels env=lab --environment-kind lab >/dev/null
MESHPROOF_TOKEN=$(cat "$tokens/user-token")
MESHPROOF_TLS_CA=$tls/ca.pem
export MESHPROOF_SCHEDULER=$scheduler MESHPROOF_STORE=$store MESHPROOF_TOKEN MESHPROOF_TLS_CA
for _ in $(seq 1 100); do
  "$cli" agents 2>/dev/null | grep -q '^demo-agent .*connected' && break
  sleep 0.1
done
echo "store $store, scheduler $scheduler, agent demo-agent (cluster lab) connected, all over TLS"

# 6. Submit the seed scenarios (checked locally first: errors name file:line:column).
echo
"$cli" scenario submit examples/scenarios/10-ingress.yaml examples/scenarios/20-egress.yaml

# 7. Run them through the scheduler, following each to its verdict.
verdict=0
note_verdict() { if [ "$1" -ne 0 ] && { [ "$verdict" -eq 0 ] || [ "$1" -lt "$verdict" ]; }; then verdict=$1; fi; }

echo
echo "=================== 10-ingress (on demand, followed to the end) ==================="
set +e
"$cli" run start 10-ingress --vars-file "$lab_dir/lab.env" --label demo=true --wait |
  tee "$data_dir/logs/10-ingress.watch"
note_verdict "${PIPESTATUS[0]}"
set -e
ingress_run=$(sed -n 's/^started run \([^ ]*\).*/\1/p' "$data_dir/logs/10-ingress.watch")

echo
echo "=================== 20-egress (its mesh-global test needs an approver's decision) ==================="
egress_run=$("$cli" run start 20-egress --vars-file "$lab_dir/lab.env" --label demo=true -o json |
  sed -n 's/.*"run_id": *"\([^"]*\)".*/\1/p' | head -n 1)
echo "started run $egress_run; it waits for an approver:"
"$cli" run show "$egress_run" | grep -E '^(run|state|approval) ' 
# The gated test measures REGISTRY_ONLY. This lab runs on the host's loopback, where the
# outbound policy is ALLOW_ANY (lab.env says so): approved, the test would run and fail
# for a reason that says nothing about a mesh. The approver declines; the rest still runs.
# (lab.sh up --netns --outbound-policy registry-only and an agent inside the lab's mesh
# namespace measure it: deploy/lab/README.md.)
"$cli" run reject "$egress_run" --reason "demo: the lab is ALLOW_ANY ($(grep '^OUTBOUND_POLICY=' "$lab_dir/lab.env")), REGISTRY_ONLY cannot be measured on it"
set +e
"$cli" run watch "$egress_run"
note_verdict $?
set -e

# 8. The reports, from what the results store holds; compared with the previous run of
#    the same scenario when an earlier demo left one.
for pair in "10-ingress:$ingress_run" "20-egress:$egress_run"; do
  name=${pair%%:*} run=${pair#*:}
  [ -n "$run" ] || continue
  against=()
  if "$cli" compare previous "$run" >/dev/null 2>&1; then against=(--against previous); fi
  "$cli" report "$run" "${against[@]}" --format md --out "$data_dir/reports/$name.md"
  "$cli" report "$run" "${against[@]}" --format html --out "$data_dir/reports/$name.html"
  "$cli" report "$run" --format junit --out "$data_dir/reports/$name.junit.xml"
  echo
  echo "=================== report: $name ==================="
  cat "$data_dir/reports/$name.md"
done

echo
if [ "$earlier_runs" = 1 ]; then
  echo "=================== history kept from earlier demos (scripts/demo.sh --fresh wipes it) ==================="
  "$cli" history 10-ingress path-match-status-418 --cluster lab --limit 10
  echo "the HTML reports draw the same history as a grid: $data_dir/reports/*.html"
else
  echo "run the demo again: each run is compared with the previous one, and the HTML reports draw a history grid"
fi

echo
echo "reports:        $data_dir/reports/ (md, html, junit)"
echo "results store:  $data_dir/store.db"
echo "scheduler:      $data_dir/scheduler.db"
echo "service logs:   $data_dir/logs/"
echo "lab endpoints:  $lab_dir/lab.env (gateway logs in $lab_dir/logs/)"
echo "tokens:         $tokens/ (the services' tokens files hold only hashes)"
echo "tls:            $tls/ (the demo's CA and server certificate)"
if [ "$keep" = 1 ]; then
  echo "left running; point the CLI at the services with eval of these lines, stop with scripts/demo.sh --stop:"
  echo "export MESHPROOF_SCHEDULER=$scheduler"
  echo "export MESHPROOF_STORE=$store"
  echo "export MESHPROOF_TOKEN=$MESHPROOF_TOKEN"
  echo "export MESHPROOF_TLS_CA=$MESHPROOF_TLS_CA"
fi
exit "$verdict"
