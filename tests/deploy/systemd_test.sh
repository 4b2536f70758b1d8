#!/usr/bin/env bash
# Checks the systemd units in deploy/systemd:
#   - `systemd-analyze verify` accepts each with no warning (it works without a running
#     systemd; it needs ExecStart's program to exist, so a copy points at BIN_DIR);
#   - `systemd-analyze security --offline` rates each at most 1.5 exposure;
#   - the hardening and lifecycle the deployment relies on is there (DynamicUser,
#     StateDirectory for the services with a database, ProtectSystem=strict,
#     NoNewPrivileges, a restart policy, KillSignal=SIGTERM, TimeoutStopSec above the
#     services' drain);
#   - every flag in ExecStart is one the binary's --help lists.
# Then proves each check can fail on a bad copy of a unit.
#   systemd_test.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin_dir=$(cd "${1:?usage: systemd_test.sh BIN_DIR}" && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing: run scripts/setup.sh" >&2; exit 1; }

drain=$(sed -n 's/.*drain_timeout = absl::Seconds(\([0-9]*\));.*/\1/p' \
          "$root/services/common/server_runner.h")
[ -n "$drain" ] || { echo "cannot find drain_timeout in server_runner.h" >&2; exit 1; }
max_exposure=15  # systemd-analyze's tenths: 1.5

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints every problem of UNIT (a file whose name is the unit's); returns 1 if any.
check_unit() {
  local unit=$1 name problems=0
  name=$(basename "$unit")
  mkdir -p "$out/verify"
  rm -f "$out/verify/"*
  sed "s#/usr/local/bin/#$bin_dir/#g" "$unit" > "$out/verify/$name"
  if ! systemd-analyze verify "$out/verify/$name" > "$out/verify.log" 2>&1 || [ -s "$out/verify.log" ]; then
    echo "$name: systemd-analyze verify: $(sed "s#$out/verify/##g" "$out/verify.log")"
    problems=1
  fi
  if ! systemd-analyze security --offline=yes --threshold="$max_exposure" "$out/verify/$name" \
       > "$out/security.log" 2>&1; then
    echo "$name: systemd-analyze security: $(grep 'Overall exposure' "$out/security.log" || tail -1 "$out/security.log") (at most 1.5 allowed)"
    problems=1
  fi
  value() { sed -n "s/^$1=\(.*\)$/\1/p" "$unit" | tail -1; }
  local exec binary
  exec=$(value ExecStart)
  binary=$(basename "${exec%% *}")
  [ "$binary.service" = "$name" ] || { echo "$name: ExecStart runs $binary"; problems=1; }
  [ "$(value DynamicUser)" = yes ] || [ -n "$(value User)" ] || { echo "$name: neither DynamicUser=yes nor User="; problems=1; }
  [ "$(value ProtectSystem)" = strict ] || { echo "$name: ProtectSystem is not strict"; problems=1; }
  [ "$(value NoNewPrivileges)" = yes ] || { echo "$name: NoNewPrivileges is not yes"; problems=1; }
  case "$(value Restart)" in on-failure|always|on-abnormal) ;; *) echo "$name: no restart policy"; problems=1 ;; esac
  [ "$(value KillSignal)" = SIGTERM ] || { echo "$name: KillSignal is not SIGTERM"; problems=1; }
  local stop
  stop=$(value TimeoutStopSec)
  if ! [[ "$stop" =~ ^[0-9]+s?$ ]] || [ "${stop%s}" -le "$drain" ]; then
    echo "$name: TimeoutStopSec ${stop:-unset} is not above the services' ${drain} s drain"
    problems=1
  fi
  if [[ " $exec " == *" --db="* ]] && [ -z "$(value StateDirectory)" ]; then
    echo "$name: keeps a database but has no StateDirectory"
    problems=1
  fi
  local help flag
  if ! help=$("$bin_dir/$binary" --help 2>&1); then
    echo "$name: $binary --help failed"
    problems=1
  fi
  for flag in $(grep -o -- ' --[a-z-]*' <<< "$exec"); do
    grep -q -- "^ *$flag " <<< "$help" || { echo "$name: $binary has no flag $flag"; problems=1; }
  done
  return "$problems"
}

units=("$root"/deploy/systemd/*.service)
[ "${#units[@]}" -eq 3 ] || { echo "expected 3 units, found ${#units[@]}" >&2; exit 1; }
failed=0
for unit in "${units[@]}"; do
  if check_unit "$unit"; then echo "ok   $(basename "$unit")"; else failed=1; fi
done

# Each bad copy must be rejected, with the message that names its fault.
expect_rejected() {  # NAME UNIT SED-EXPRESSION EXPECTED-MESSAGE-FRAGMENT
  mkdir -p "$out/bad"
  local bad="$out/bad/$2"
  sed "$3" "$root/deploy/systemd/$2" > "$bad"
  if cmp -s "$root/deploy/systemd/$2" "$bad"; then
    echo "FAIL $1: the edit changed nothing"; failed=1; return
  fi
  if check_unit "$bad" > "$out/bad.log" 2>&1; then
    echo "FAIL $1: accepted"; failed=1
  elif ! grep -qF -- "$4" "$out/bad.log"; then
    echo "FAIL $1: rejected, but not for \"$4\":"; cat "$out/bad.log"; failed=1
  else
    echo "ok   $1: rejected"
  fi
}
expect_rejected "an unknown directive" meshproof-store.service \
  's/^NoNewPrivileges=yes$/NoNewPrivileges=yes\nProtectEverything=yes/' "Unknown key 'ProtectEverything'"
expect_rejected "hardening removed" meshproof-agent.service \
  '/^\(ProtectSystem\|ProtectHome\|PrivateDevices\|SystemCallFilter\|RestrictAddressFamilies\|CapabilityBoundingSet\)=/d' \
  "systemd-analyze security"
expect_rejected "a writable system" meshproof-scheduler.service \
  's/^ProtectSystem=strict$/ProtectSystem=full/' "ProtectSystem is not strict"
expect_rejected "privileges may grow" meshproof-store.service \
  's/^NoNewPrivileges=yes$/NoNewPrivileges=no/' "NoNewPrivileges is not yes"
expect_rejected "no restart" meshproof-agent.service \
  's/^Restart=on-failure$/Restart=no/' "no restart policy"
expect_rejected "killed by SIGINT" meshproof-agent.service \
  's/^KillSignal=SIGTERM$/KillSignal=SIGINT/' "KillSignal is not SIGTERM"
expect_rejected "stop timeout within the drain" meshproof-scheduler.service \
  "s/^TimeoutStopSec=.*/TimeoutStopSec=$drain/" "is not above the services'"
expect_rejected "a database without a state directory" meshproof-store.service \
  '/^StateDirectory/d' "has no StateDirectory"
expect_rejected "a flag the binary does not have" meshproof-scheduler.service \
  's/--store-token-file=/--store-token=/' "has no flag --store-token"
exit "$failed"
