#!/usr/bin/env bash
# The main job on one machine: set up what is missing, build, start the lab (real nginx
# gateways and httpbin), check the seed report's scenarios (10-ingress, 20-egress) and
# explain them against the lab (per test: what it expects and proves, the curl line that
# repeats it), then run them on a real probe agent and print each result with its evidence.
#
#   scripts/demo.sh          run, then stop the lab
#   scripts/demo.sh --keep   leave the lab running (its endpoints stay in lab.env)
#   scripts/demo.sh --stop   stop a lab left running by --keep
#
# MESHPROOF_DEMO_DIR chooses the data folder (default: out/demo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
data_dir=${MESHPROOF_DEMO_DIR:-$root/out/demo}
lab_dir=$data_dir/lab

keep=0
case "${1:-}" in
  "") ;;
  --keep) keep=1 ;;
  --stop) deploy/lab/lab.sh down --dir "$lab_dir"; exit 0 ;;
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "demo.sh: unknown argument '$1' (expected --keep or --stop)" >&2; exit 2 ;;
esac

# 1. Packages and build, only what is missing.
if ! command -v nginx >/dev/null 2>&1 || ! dpkg-query -W libgrpc++-dev >/dev/null 2>&1; then
  scripts/setup.sh
fi
scripts/build.sh >/dev/null
cli=$root/${MESHPROOF_BUILD_DIR:-build}/bin/meshproof

# 2. The lab.
mkdir -p "$data_dir"
deploy/lab/lab.sh down --dir "$lab_dir" >/dev/null 2>&1 || true
deploy/lab/lab.sh up --dir "$lab_dir" --base-port 0
[ "$keep" = 1 ] || trap 'deploy/lab/lab.sh down --dir "$lab_dir" >/dev/null' EXIT

# 3. The scenarios: valid, and what they do against this lab.
"$cli" lint --vars-file "$lab_dir/lab.env" examples/scenarios/10-ingress.yaml examples/scenarios/20-egress.yaml
for scenario in 10-ingress 20-egress; do
  echo
  echo "=================== $scenario ==================="
  "$cli" explain "examples/scenarios/$scenario.yaml" --vars-file "$lab_dir/lab.env" |
    tee "$data_dir/$scenario.explain.txt"
done

# 4. Run both scenarios on a real agent: the seed report's tables, with evidence.
agent_out=$data_dir/agent.out
"$root/${MESHPROOF_BUILD_DIR:-build}/bin/meshproof-agent" --listen 127.0.0.1:0 --cluster lab \
  --labels env=lab >"$agent_out" 2>"$data_dir/agent.log" &
agent_pid=$!
stop_agent() { kill -TERM "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; }
if [ "$keep" = 1 ]; then
  echo "agent pid $agent_pid (left running)"
else
  trap 'stop_agent; deploy/lab/lab.sh down --dir "$lab_dir" >/dev/null' EXIT
fi
for _ in $(seq 1 200); do grep -q '^listening on ' "$agent_out" 2>/dev/null && break; sleep 0.05; done
agent=$(sed -n 's/^listening on //p' "$agent_out")
echo
echo "=================== the seed scenarios on the agent at $agent ==================="
set +e
"$cli" probe examples/scenarios/10-ingress.yaml examples/scenarios/20-egress.yaml \
  --agent "$agent" --vars-file "$lab_dir/lab.env"
verdict=$?
set -e
echo
echo "lab endpoints: $lab_dir/lab.env"
echo "gateway logs:  $lab_dir/logs/"
echo "agent log:     $data_dir/agent.log"
exit "$verdict"
