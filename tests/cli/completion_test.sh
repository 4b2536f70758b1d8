#!/usr/bin/env bash
# Shell completion against a real scheduler: the generated bash, zsh and fish scripts
# parse; bash's completion function, driven through COMP_WORDS as bash drives it, offers
# the scenario, run and schedule names the running scheduler holds (none before they
# exist, none and no noise once the scheduler is gone); zsh's and fish's offer them too.
# Usage: completion_test.sh BIN_DIR
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
sched_pid=""
cleanup() {
  if [ -n "$sched_pid" ]; then kill -TERM "$sched_pid" 2>/dev/null || true; wait "$sched_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cli=$bin/meshproof
export HOME=$work  # no config file of the user's

# 1. Every script parses in its own shell.
for shell in bash zsh fish; do
  command -v "$shell" >/dev/null || fail "$shell is not installed (scripts/setup.sh installs it)"
  "$cli" completion "$shell" >"$work/completion.$shell" || fail "completion $shell exited $?"
  "$shell" -n "$work/completion.$shell" || fail "the $shell script does not parse"
done

# 2. A real scheduler on a free port.
"$bin/meshproof-scheduler" --listen 127.0.0.1:0 --db "$work/sched.db" >"$work/sched.out" 2>"$work/sched.log" &
sched_pid=$!
for _ in $(seq 1 200); do
  grep -q '^listening on ' "$work/sched.out" 2>/dev/null && break
  kill -0 "$sched_pid" 2>/dev/null || fail "the scheduler exited: $(tail -n 5 "$work/sched.log")"
  sleep 0.05
done
addr=$(sed -n 's/^listening on //p' "$work/sched.out")
[ -n "$addr" ] || fail "the scheduler did not say where it listens"
export MESHPROOF_SCHEDULER=$addr

# complete WORD...: what bash's completion offers for the words, the last being the
# one under the cursor; one candidate a line, sorted.
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
           _meshproof; printf "%s\n" "${COMPREPLY[@]}" | sed "/^$/d" | sort' _ "$work/completion.bash" "$cli" "$@"
}
expect() {  # expect "WANTED (one a line)" WORD...
  local want=$1; shift
  local got; got=$(complete_words "$@")
  [ "$got" = "$want" ] || fail "completing '$*': wanted [$want], got [$got]"
}

# 3. Nothing submitted yet: no scenario names to offer.
expect "" run start ""
# Subcommands and flags come from the command tree.
expect "start" run st
expect "$(printf 'bash\nfish\nzsh')" completion ""

# 4. Two scenarios, a run and a schedule, made through the CLI.
"$cli" scenario submit "$root/examples/scenarios/10-ingress.yaml" "$root/examples/scenarios/20-egress.yaml" >/dev/null
run_id=$("$cli" run start 10-ingress -o json | sed -n 's/.*"run_id": *"\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$run_id" ] || fail "run start printed no run id"
"$cli" schedule create nightly-ingress --scenario 10-ingress --cron '0 3 * * *' >/dev/null

expect "$(printf '10-ingress\n20-egress')" run start ""
expect "20-egress" run start 2
expect "$(printf '10-ingress\n20-egress')" history ""
# The second positional of history is a test name, not a scenario.
expect "" history 10-ingress ""
expect "$(printf '10-ingress\n20-egress')" run list --scenario ""
expect "$run_id" run show ""
expect "$run_id" report ""
expect "$run_id" compare "$run_id" ""
expect "nightly-ingress" schedule show ""
expect "nightly-ingress" schedule trigger ""
expect "nightly-ingress" schedule get ""
expect "nightly-ingress" run list --schedule ""
# A flag value is skipped, not taken for a positional or a command.
expect "$(printf '10-ingress\n20-egress')" run start --timeout 5 ""
# A flag without a value is not followed by one: the next word is still the scenario.
expect "$(printf '10-ingress\n20-egress')" run start --insecure ""
expect "" run start --insecure 10-ingress --wait ""
# Connection flags typed on the line reach the services: a wrong --scheduler gives nothing.
expect "" run start --scheduler 127.0.0.1:1 ""

# A new schedule's id is not completed from the existing ones.
expect "" schedule create ""

# zsh and fish offer the same names through their own machinery: zsh's function with
# `words`/`CURRENT` and a compadd that prints what it is given; fish's own `complete -C`
# (which runs `meshproof` from PATH).
zsh_offers=$(zsh -c 'compdef() { :; }
  compadd() { if [[ $1 == -a ]]; then print -rl -- "${(@P)2}"; else shift; print -rl -- "$@"; fi; }
  source "$1"; words=("$2" run start ""); CURRENT=4; _meshproof' _ "$work/completion.zsh" "$cli" | sort)
[ "$zsh_offers" = "$(printf '10-ingress\n20-egress')" ] || fail "zsh offers [$zsh_offers] for run start"
fish_offers=$(PATH="$bin:$PATH" fish -c 'source $argv[1]; complete -C "meshproof run show "' "$work/completion.fish" | cut -f1 | sort)
[ "$fish_offers" = "$run_id" ] || fail "fish offers [$fish_offers] for run show"

# 5. The scheduler gone: nothing offered, nothing printed, quickly.
kill -TERM "$sched_pid"; wait "$sched_pid" 2>/dev/null || true; sched_pid=""
start=$(date +%s)
expect "" run start ""
[ $(( $(date +%s) - start )) -le 5 ] || fail "completion took more than 5 s with the scheduler down"
[ -z "$("$cli" __complete scenarios 2>&1)" ] || fail "__complete printed something with the scheduler down"
echo "completion: bash, zsh and fish parse; bash offers the scheduler's names"
