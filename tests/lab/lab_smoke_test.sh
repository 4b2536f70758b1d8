#!/usr/bin/env bash
# Smoke test of the lab (deploy/lab/lab.sh): brings labs up in a temporary
# folder, reproduces the report's ingress (section 2) and egress (section 3)
# tables with curl, checks the failure and teardown paths, and takes
# everything down again, whatever happens.
#
#   tests/lab/lab_smoke_test.sh        exit 0 = every check passed
#
# The --netns checks need root and working `ip netns`; they print SKIP
# otherwise. Needs nginx, libnginx-mod-stream, python3-httpbin, gunicorn,
# openssl, curl, iproute2 (and nftables for --netns): scripts/setup.sh.
set -euo pipefail
# A_* and B_* variables come from the labs' lab.env files (load_env).
# shellcheck disable=SC2154

# shellcheck source=tests/lab/lab_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lab_test_lib.sh"

# ---------------------------------------------------------------- checks

check_lab_env_keys() {
  local file=$1 key missing=()
  for key in LAB_DIR HTTPBIN_URL INGRESS_HOST INGRESS_HTTP_PORT INGRESS_HTTPS_PORT \
    INGRESS_HTTP_URL INGRESS_HTTPS_URL ROUTE_HOST UNKNOWN_HOST LAB_CA_FILE WRONG_CA_FILE \
    CLIENT_CERT_FILE CLIENT_KEY_FILE EGRESS_HOST EGRESS_PORT EGRESS_ACCESS_LOG \
    EXTERNAL_HOST EXTERNAL_DIRECT_PORT UNKNOWN_SNI_HOST ENVOY_ADMIN_URL \
    SIDECAR_ADMIN_URL GATEWAY_ADMIN_URL INGRESS_ACCESS_LOG ROUTE_ORDER EGRESS_ROUTE \
    OUTBOUND_POLICY BLOCKED_AS LOG_DELAY_MS MESHPROOF_ENVIRONMENT EGRESS_LOG_SOURCE \
    GATEWAY_CONFIG_URL GATEWAY_READY_URL; do
    env_get "$file" "$key" >/dev/null || missing+=("$key")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    pass "lab.env has every required key"
  else
    fail "lab.env lacks ${missing[*]}"
  fi
  if grep -vqE '^[A-Z][A-Z0-9_]*=[^[:space:]"'\''$`;&|<>()]*$' "$file"; then
    fail "lab.env has a line that is not a plain NAME=value: $(grep -vE '^[A-Z][A-Z0-9_]*=[^[:space:]"'\''$`;&|<>()]*$' "$file" | head -1)"
  else
    pass "lab.env is plain NAME=value lines"
  fi
  if [ "$(env_get "$file" MESHPROOF_ENVIRONMENT)" = lab ] && [ "$(env_get "$file" OUTBOUND_POLICY)" = ALLOW_ANY ] &&
    [ "$(env_get "$file" EGRESS_ROUTE)" = present ] && [ "$(env_get "$file" LOG_DELAY_MS)" = 0 ]; then
    pass "lab.env says it is a lab, with its options (ALLOW_ANY, egress route present, no log delay)"
  else
    fail "lab.env environment/options: $(grep -E '^(MESHPROOF_ENVIRONMENT|OUTBOUND_POLICY|EGRESS_ROUTE|LOG_DELAY_MS)=' "$file" | tr '\n' ' ')"
  fi
  if [ "$(env_get "$file" ENVOY_ADMIN_URL)" = "$(env_get "$file" SIDECAR_ADMIN_URL)" ]; then
    pass "ENVOY_ADMIN_URL is the sidecar's admin"
  else
    fail "ENVOY_ADMIN_URL differs from SIDECAR_ADMIN_URL"
  fi
}

# Section 2 of the report: the ingress gateway.
check_ingress() {
  local ca=$A_LAB_CA_FILE mark
  expect_curl "T ingress HTTP catch-all /get" 200 0 -H "Host: $A_ROUTE_HOST" "$A_INGRESS_HTTP_URL/get"
  expect_header "T ingress HTTP catch-all /get" x-meshproof-route catchall
  expect_curl "T ingress path match /status/418" 418 0 -H "Host: $A_ROUTE_HOST" "$A_INGRESS_HTTP_URL/status/418"
  expect_header "T ingress path match /status/418" x-meshproof-route status
  mark=$(line_count "$A_INGRESS_ACCESS_LOG")
  expect_curl "T ingress unknown host" 404 0 -H "Host: $A_UNKNOWN_HOST" "$A_INGRESS_HTTP_URL/get"
  if wait_for 2 has_new_line "$A_INGRESS_ACCESS_LOG" "$mark" " 404 NR route_not_found "; then
    pass "T ingress unknown host: access log says 404 NR route_not_found"
  else
    fail "T ingress unknown host: no '404 NR route_not_found' line in $A_INGRESS_ACCESS_LOG"
  fi
  expect_curl "T ingress TLS termination (verified, no -k)" 200 0 --cacert "$ca" \
    --resolve "$A_ROUTE_HOST:$A_INGRESS_HTTPS_PORT:$A_INGRESS_HOST" "https://$A_ROUTE_HOST:$A_INGRESS_HTTPS_PORT/get"
  expect_curl "T ingress TLS with the wrong CA" 000 60 --cacert "$A_WRONG_CA_FILE" \
    --resolve "$A_ROUTE_HOST:$A_INGRESS_HTTPS_PORT:$A_INGRESS_HOST" "https://$A_ROUTE_HOST:$A_INGRESS_HTTPS_PORT/get"
  expect_curl "T ingress unknown SNI refused in handshake" 000 35 --cacert "$ca" \
    --resolve "$A_UNKNOWN_HOST:$A_INGRESS_HTTPS_PORT:$A_INGRESS_HOST" "https://$A_UNKNOWN_HOST:$A_INGRESS_HTTPS_PORT/get"
}

# Section 3 of the report: the egress gateway, on loopback.
check_egress_loopback() {
  local log=$A_EGRESS_ACCESS_LOG ca=$A_LAB_CA_FILE mark lines count
  local via=(--cacert "$ca" --resolve "$A_EXTERNAL_HOST:$A_EGRESS_PORT:$A_EGRESS_HOST" "https://$A_EXTERNAL_HOST:$A_EGRESS_PORT/get")
  local unknown=(--cacert "$ca" --resolve "$A_UNKNOWN_SNI_HOST:$A_EGRESS_PORT:$A_EGRESS_HOST" "https://$A_UNKNOWN_SNI_HOST:$A_EGRESS_PORT/get")

  mark=$(line_count "$log")
  expect_curl "T egress call through the gateway" 200 0 "${via[@]}"
  if wait_new_line "$log" "$mark" "outbound|443||$A_EXTERNAL_HOST"; then
    egress_barrier "$log" "${unknown[@]}" || true
    lines=$(new_lines_matching "$log" "$mark" "outbound|443||$A_EXTERNAL_HOST")
    count=$(grep -c . <<<"$lines")
    if [ "$count" -eq 1 ]; then
      pass "T egress via gateway: exactly one new log line with outbound|443||$A_EXTERNAL_HOST"
    else
      fail "T egress via gateway: want 1 new log line, got $count: $lines"
    fi
    if grep -qF "\"127.0.0.1:$A_EXTERNAL_DIRECT_PORT\"" <<<"$lines" && grep -qF '"- - -" 0' <<<"$lines"; then
      pass "T egress log line is TCP format with the external upstream"
    else
      fail "T egress log line shape: $lines"
    fi
  else
    fail "T egress via gateway: no new line with outbound|443||$A_EXTERNAL_HOST in $log within 2 s"
  fi

  mark=$(line_count "$log")
  expect_curl "T egress unknown SNI fails at the TLS layer" 000 35 "${unknown[@]}"
  if wait_new_line "$log" "$mark" BlackHoleCluster; then
    pass "T egress unknown SNI: logged as BlackHoleCluster"
  else
    fail "T egress unknown SNI: no BlackHoleCluster line in $log"
  fi

  mark=$(line_count "$log")
  expect_curl "T egress bypass (external server directly)" 200 0 --cacert "$ca" \
    --resolve "$A_EXTERNAL_HOST:$A_EXTERNAL_DIRECT_PORT:$A_EXTERNAL_DIRECT_HOST" \
    "https://$A_EXTERNAL_HOST:$A_EXTERNAL_DIRECT_PORT/get"
  if egress_barrier "$log" "${unknown[@]}"; then
    if has_new_line "$log" "$mark" "outbound|443||$A_EXTERNAL_HOST"; then
      fail "T egress bypass: the gateway logged a call it never saw"
    else
      pass "T egress bypass: 200 but no new gateway log line"
    fi
  else
    fail "T egress bypass: barrier call was not logged"
  fi
}

# Layer 1 of the report's egress evidence: the two proxies' admin endpoints,
# generated from the lab's configuration (check_admin_follows_route in
# lab_options_test.sh removes the route and sees them change).
check_envoy_admin() {
  # Bodies are read whole first: with pipefail, `curl | grep -q` fails whenever grep exits
  # before curl has written everything (curl then dies of SIGPIPE, exit 23).
  local sidecar_clusters sidecar_listeners gateway_clusters gateway_listeners
  sidecar_clusters=$(curl -s --max-time 5 "$A_SIDECAR_ADMIN_URL/clusters")
  sidecar_listeners=$(curl -s --max-time 5 "$A_SIDECAR_ADMIN_URL/listeners")
  gateway_clusters=$(curl -s --max-time 5 "$A_GATEWAY_ADMIN_URL/clusters")
  gateway_listeners=$(curl -s --max-time 5 "$A_GATEWAY_ADMIN_URL/listeners")
  expect_has "sidecar /clusters" "$sidecar_clusters" "outbound|443||external.test::observability_name::"
  expect_has "sidecar /clusters" "$sidecar_clusters" \
    "outbound|443|httpbin|istio-egressgateway.istio-system.svc.cluster.local::127.0.0.1:$A_EGRESS_PORT::cx_total::"
  expect_lacks "sidecar /listeners" "$sidecar_listeners" "0.0.0.0_8443::"
  expect_has "gateway /listeners" "$gateway_listeners" "0.0.0.0_8443::0.0.0.0:8443"
  expect_has "gateway /clusters" "$gateway_clusters" \
    "outbound|443||external.test::127.0.0.1:$A_EXTERNAL_DIRECT_PORT::hostname::external.test"
  expect_lacks "gateway /clusters" "$gateway_clusters" "outbound|443|httpbin|istio-egressgateway"
  local url doc
  for url in "$A_SIDECAR_ADMIN_URL" "$A_GATEWAY_ADMIN_URL"; do
    if doc=$(curl -s --max-time 5 "$url/config_dump") &&
      /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$doc" 2>/dev/null; then
      pass "admin $url/config_dump is JSON"
    else
      fail "admin $url/config_dump is not JSON"
    fi
    if curl -s --max-time 5 "$url/server_info" |
      /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["state"]=="LIVE" and "/1." in d["version"]' 2>/dev/null; then
      pass "admin $url/server_info is LIVE with an Envoy version"
    else
      fail "admin $url/server_info is not Envoy-shaped"
    fi
  done
  expect_curl "admin /ready" 200 0 "$A_GATEWAY_ADMIN_URL/ready"
}

# A second `up` on a running lab must refuse and leave the lab untouched;
# an `up` on busy ports must say which ports.
check_refusals() {
  local dir=$1 base=$2
  if "$LAB" up --dir "$dir" --base-port "$base" >/dev/null 2>"$WORK/refuse.err"; then
    fail "second up on a running lab succeeded"
  elif grep -q "already running" "$WORK/refuse.err"; then
    pass "second up on a running lab refuses: $(head -1 "$WORK/refuse.err")"
  else
    fail "second up on a running lab failed without saying why: $(cat "$WORK/refuse.err")"
  fi
  if "$LAB" status --dir "$dir" >/dev/null; then
    pass "status: every component running"
  else
    fail "status after refused up: not all running"
  fi
  LAB_DIRS+=("$WORK/collide")
  if "$LAB" up --dir "$WORK/collide" --base-port "$base" >/dev/null 2>"$WORK/collide.err"; then
    fail "up on ports in use succeeded"
  elif grep -q "already in use" "$WORK/collide.err"; then
    pass "up on busy ports fails clearly: $(head -1 "$WORK/collide.err")"
  else
    fail "up on busy ports: unclear message: $(cat "$WORK/collide.err")"
  fi
}

# T10 of the report: with the catch-all listed first, /status/418 gives 200.
check_catchall_first() {
  expect_curl "T10 catch-all first: /status/418" 200 0 -H "Host: $B_ROUTE_HOST" "$B_INGRESS_HTTP_URL/status/418"
  expect_header "T10 catch-all first: /status/418" x-meshproof-route catchall
}

# The report's egress path from inside the mesh: a plain URL, captured.
check_netns() {
  local log=$B_EGRESS_ACCESS_LOG ca=$B_LAB_CA_FILE ns=$B_MESH_NETNS mark lines count
  local unknown=(--in "$ns" --cacert "$ca" "https://$B_UNKNOWN_SNI_HOST/get")
  mark=$(line_count "$log")
  expect_curl "netns: plain https://$B_EXTERNAL_HOST/get from the mesh" 200 0 --in "$ns" --cacert "$ca" "$B_MESH_EXTERNAL_URL/get"
  if wait_new_line "$log" "$mark" "outbound|443||$B_EXTERNAL_HOST"; then
    egress_barrier "$log" "${unknown[@]}" || true
    lines=$(new_lines_matching "$log" "$mark" "outbound|443||$B_EXTERNAL_HOST")
    count=$(grep -c . <<<"$lines")
    if [ "$count" -eq 1 ] && grep -qF " $B_MESH_EGRESS_HOST:$B_MESH_EGRESS_PORT $B_MESH_ADDR:" <<<"$lines"; then
      pass "netns: one new gateway line, mesh $B_MESH_ADDR -> gateway $B_MESH_EGRESS_HOST:$B_MESH_EGRESS_PORT"
    else
      fail "netns: want one line from $B_MESH_ADDR to $B_MESH_EGRESS_HOST:$B_MESH_EGRESS_PORT, got $count: $lines"
    fi
  else
    fail "netns: no new gateway line for the mesh call"
  fi
  expect_curl "netns: unknown SNI from the mesh" 000 35 "${unknown[@]}"
  mark=$(line_count "$log")
  run_curl --in "$ns" --cacert "$ca" --connect-timeout 1 "$B_EXTERNAL_BYPASS_URL/get"
  if [ "$CURL_EXIT" -ne 0 ] && [ "$CURL_CODE" = 000 ]; then
    pass "netns: bypass $B_EXTERNAL_BYPASS_URL fails (curl exit $CURL_EXIT)"
  else
    fail "netns: bypass $B_EXTERNAL_BYPASS_URL got through (http_code $CURL_CODE, exit $CURL_EXIT)"
  fi
  if egress_barrier "$log" "${unknown[@]}" && ! has_new_line "$log" "$mark" "outbound|443||$B_EXTERNAL_HOST"; then
    pass "netns: bypass left no gateway line"
  else
    fail "netns: bypass attempt shows in the gateway log (or barrier failed)"
  fi
  expect_curl "netns: sidecar admin on the mesh's loopback" 200 0 --in "$ns" "$B_MESH_SIDECAR_ADMIN_URL/clusters"
  expect_curl "netns: gateway admin reachable from the mesh" 200 0 --in "$ns" "$B_MESH_GATEWAY_ADMIN_URL/listeners"
}

# An `up` that fails half-way stops what it started; `down` afterwards is
# clean. The egress port is bound (not listening) by a helper: the up-front
# port check (listeners only) passes, and nginx's bind fails later.
check_failed_up() {
  local dir=$WORK/failed base pid
  base=$(find_free_base)
  /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True)
time.sleep(60)
' "$((base + 3))" >"$WORK/binder.out" &
  pid=$!
  HELPER_PIDS+=("$pid")
  wait_for 5 grep -q bound "$WORK/binder.out" || fail "helper could not bind port $((base + 3))"
  LAB_DIRS+=("$dir")
  if "$LAB" up --dir "$dir" --base-port "$base" >/dev/null 2>"$WORK/failed.err"; then
    fail "up with the egress port taken succeeded"
  elif grep -q "egress" "$WORK/failed.err" && grep -q "Address already in use" "$WORK/failed.err"; then
    pass "failed up names the component and shows its error log"
  else
    fail "failed up message unclear: $(cat "$WORK/failed.err")"
  fi
  if [ -z "$(live_pids_naming "$dir")" ]; then
    pass "failed up left no process behind"
  else
    fail "failed up left processes: $(live_pids_naming "$dir" | tr '\n' ' ')"
  fi
  if "$LAB" down --dir "$dir" >/dev/null 2>&1; then
    pass "down after a failed up succeeds"
  else
    fail "down after a failed up failed"
  fi
  kill "$pid" 2>/dev/null || true
}

# An `up` killed outright (no cleanup of its own) must still be undone by
# `down`, from the state it recorded before each start.
check_killed_up() {
  local dir=$WORK/killed base pid
  base=$(find_free_base)
  LAB_DIRS+=("$dir")
  "$LAB" up --dir "$dir" --base-port "$base" >/dev/null 2>&1 &
  pid=$!
  if wait_for 5 test -s "$dir/run/ingress.pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ -n "$(live_pids_naming "$dir")" ]; then
      pass "killed up left processes (as expected) for down to clean"
    fi
    "$LAB" down --dir "$dir" >/dev/null 2>&1 || fail "down after a killed up failed"
    # Daemons write their pid file just after forking: a late one is gone too.
    if wait_for 2 test -z "$(live_pids_naming "$dir")"; then
      pass "down after a killed up left no process"
    else
      fail "down after a killed up left: $(live_pids_naming "$dir" | tr '\n' ' ')"
    fi
  else
    wait "$pid" 2>/dev/null || true
    fail "killed-up check: lab did not get as far as the ingress"
  fi
}

# ---------------------------------------------------------------- main

main() {
  local netns_args=()
  lab_up "$WORK/a" pick
  load_env "$WORK/a/lab.env" A
  check_lab_env_keys "$WORK/a/lab.env"
  check_ingress
  check_egress_loopback
  check_envoy_admin
  check_refusals "$WORK/a" "$A_BASE_PORT"

  if netns_usable; then
    netns_args=(--netns)
  else
    skip "--netns checks (need root, nft and ip netns)"
  fi
  # The second lab lets lab.sh pick its ports (--base-port 0).
  lab_up "$WORK/b" 0 --route-order catchall-first "${netns_args[@]}"
  load_env "$WORK/b/lab.env" B
  check_catchall_first
  if [ "${#netns_args[@]}" -gt 0 ]; then
    check_netns
  fi

  lab_down_and_check "$WORK/a"
  lab_down_and_check "$WORK/b"
  check_failed_up
  check_killed_up

  finish
}

main "$@"
