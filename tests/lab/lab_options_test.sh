#!/usr/bin/env bash
# The lab's perturbations, checked with curl against real labs: the admin
# endpoints follow --egress-route absent (and the call is really not routed),
# --outbound-policy registry-only refuses a direct call that ALLOW_ANY lets
# through, --log-delay makes the gateway's lines appear late but unchanged,
# and both `lab.sh rotate` styles (plus `reopen`) behave as documented; the
# mesh master (STRICT workload, AuthorizationPolicies, TLS origination,
# ISTIO_MUTUAL) answers as the README's table says, and its options refuse bad values.
#
#   tests/lab/lab_options_test.sh        exit 0 = every check passed
#
# The outbound-policy checks need root, nft and `ip netns`; they print SKIP
# otherwise.
set -euo pipefail
# C_*, D_*, E_* variables come from the labs' lab.env files (load_env).
# shellcheck disable=SC2154

# shellcheck source=tests/lab/lab_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lab_test_lib.sh"

readonly DELAY_MS=800

# Prints the lines of FILE after line MARK, byte for byte.
lines_after() {
  local file=$1 mark=$2
  tail -n "+$((mark + 1))" "$file"
}

inode_of() {
  stat -c %i -- "$1"
}

# One TLS call through the loopback egress gateway for external.test.
egress_call() {
  local prefix=$1
  local ca_var=${prefix}_LAB_CA_FILE resolve_var=${prefix}_EGRESS_RESOLVE url_var=${prefix}_EGRESS_URL
  run_curl --cacert "${!ca_var}" --resolve "${!resolve_var}" "${!url_var}/get"
}

# ------------------------------------------------------------ egress route

# Without the egress route the gateway black-holes external.test, and both
# admin endpoints lose what the route gave them: the config-layer checks of
# 20-egress.yaml must fail here. The ServiceEntry's cluster stays in the
# sidecar. With --netns the mesh's view is checked too, and the direct call of
# ALLOW_ANY (the default policy) goes through.
check_admin_follows_route() {
  local log=$C_EGRESS_ACCESS_LOG mark text
  if [ "$C_EGRESS_ROUTE" = absent ]; then
    pass "lab.env says EGRESS_ROUTE=absent"
  else
    fail "lab.env EGRESS_ROUTE=$C_EGRESS_ROUTE"
  fi
  text=$(curl -s --max-time 5 "$C_SIDECAR_ADMIN_URL/clusters")
  expect_lacks "route absent: sidecar /clusters" "$text" "outbound|443|httpbin|istio-egressgateway.istio-system.svc.cluster.local"
  expect_has "route absent: sidecar /clusters" "$text" "outbound|443||external.test::observability_name::"
  text=$(curl -s --max-time 5 "$C_GATEWAY_ADMIN_URL/listeners")
  expect_lacks "route absent: gateway /listeners" "$text" "0.0.0.0_8443"
  text=$(curl -s --max-time 5 "$C_GATEWAY_ADMIN_URL/clusters")
  expect_lacks "route absent: gateway /clusters" "$text" "outbound|443||external.test"
  text=$(curl -s --max-time 5 "$C_GATEWAY_ADMIN_URL/config_dump")
  expect_lacks "route absent: gateway /config_dump" "$text" "0.0.0.0_8443"
  expect_lacks "route absent: gateway nginx config" "$(cat "$C_LAB_DIR/conf/egress-stream.conf")" "outbound|443||external.test"

  mark=$(line_count "$log")
  expect_curl "route absent: the egress call is cut in the TLS handshake" 000 35 \
    --cacert "$C_LAB_CA_FILE" --resolve "$C_EGRESS_RESOLVE" "$C_EGRESS_URL/get"
  if wait_new_line "$log" "$mark" "BlackHoleCluster - 127.0.0.1:$C_EGRESS_PORT 127.0.0.1:" &&
    ! has_new_line "$log" "$mark" "outbound|443||external.test"; then
    pass "route absent: the gateway logged external.test as BlackHoleCluster, not routed"
  else
    fail "route absent: want one BlackHoleCluster line and no routed line, got: $(lines_after "$log" "$mark")"
  fi

  [ -n "${C_MESH_NETNS:-}" ] || return 0
  local ns=$C_MESH_NETNS
  run_curl --in "$ns" "$C_MESH_GATEWAY_ADMIN_URL/listeners"
  if [ "$CURL_CODE" = 200 ] && ! grep -qF 0.0.0.0_8443 "$WORK/body"; then
    pass "route absent, netns: the gateway admin seen from the mesh has no 8443 listener"
  else
    fail "route absent, netns: gateway admin from the mesh: $CURL_CODE $(cat "$WORK/body")"
  fi
  expect_curl "route absent, netns: the captured call from the mesh is black-holed" 000 35 \
    --in "$ns" --cacert "$C_LAB_CA_FILE" "$C_MESH_EXTERNAL_URL/get"
  expect_curl "ALLOW_ANY, netns: a direct call to the unregistered destination succeeds" 200 0 \
    --in "$ns" --cacert "$C_LAB_CA_FILE" --resolve "$C_UNREGISTERED_HOST:$C_MESH_DIRECT_PORT:$C_MESH_DIRECT_HOST" \
    "https://$C_UNREGISTERED_HOST:$C_MESH_DIRECT_PORT/get"
  if [ "$(env_get "$C_MESH_ENV_FILE" EXTERNAL_DIRECT_HOST)" = "$C_MESH_DIRECT_HOST" ] &&
    [ "$(env_get "$C_MESH_ENV_FILE" GATEWAY_ADMIN_URL)" = "$C_MESH_GATEWAY_ADMIN_URL" ] &&
    [ "$(env_get "$C_MESH_ENV_FILE" LAB_VIEW)" = mesh ]; then
    pass "mesh.env gives the mesh's view of the direct destination and the admin endpoints"
  else
    fail "mesh.env values: $(grep -E '^(EXTERNAL_DIRECT_HOST|GATEWAY_ADMIN_URL|LAB_VIEW)=' "$C_MESH_ENV_FILE" | tr '\n' ' ')"
  fi
}

# ------------------------------------------------------------ outbound policy

# REGISTRY_ONLY: from the mesh the direct call fails (never reaching the
# external server) while the registered path through the gateway and both
# admin endpoints still work. DIR is the lab; WANT_EXIT is curl's exit for
# the blocked call (35 black hole, 7 reset).
check_registry_only() {
  local dir=$1 want_exit=$2 blocked_as=$3
  local env_file=$dir/lab.env ns ca host port ext mark
  ns=$(env_get "$env_file" MESH_NETNS)
  ca=$(env_get "$env_file" LAB_CA_FILE)
  host=$(env_get "$env_file" MESH_DIRECT_HOST)
  port=$(env_get "$env_file" MESH_DIRECT_PORT)
  ext=$(env_get "$env_file" EXTERNAL_ACCESS_LOG)
  if [ "$(env_get "$env_file" OUTBOUND_POLICY)" = REGISTRY_ONLY ] &&
    [ "$(env_get "$env_file" BLOCKED_AS)" = "$blocked_as" ]; then
    pass "lab.env says OUTBOUND_POLICY=REGISTRY_ONLY, BLOCKED_AS=$blocked_as"
  else
    fail "lab.env policy keys: $(grep -E '^(OUTBOUND_POLICY|BLOCKED_AS)=' "$env_file" | tr '\n' ' ')"
  fi
  mark=$(line_count "$ext")
  expect_curl "REGISTRY_ONLY ($blocked_as): the direct call to $host:$port is refused" 000 "$want_exit" \
    --in "$ns" --connect-timeout 2 --cacert "$ca" --resolve "unregistered.test:$port:$host" "https://unregistered.test:$port/get"
  # The registered path afterwards: its line in the external server's log is
  # the barrier; the refused call must have left none before it.
  expect_curl "REGISTRY_ONLY ($blocked_as): the call through the gateway still succeeds" 200 0 \
    --in "$ns" --cacert "$ca" "$(env_get "$env_file" MESH_EXTERNAL_URL)/get"
  if wait_new_line "$ext" "$mark" "GET /get" && ! has_new_line "$ext" "$mark" "-> $host:$port"; then
    pass "REGISTRY_ONLY ($blocked_as): the external server never saw the direct call"
  else
    fail "REGISTRY_ONLY ($blocked_as): external log after the calls: $(lines_after "$ext" "$mark")"
  fi
  expect_curl "REGISTRY_ONLY ($blocked_as): the sidecar admin answers in the mesh" 200 0 \
    --in "$ns" "$(env_get "$env_file" MESH_SIDECAR_ADMIN_URL)/ready"
  expect_curl "REGISTRY_ONLY ($blocked_as): the gateway admin answers from the mesh" 200 0 \
    --in "$ns" "$(env_get "$env_file" MESH_GATEWAY_ADMIN_URL)/ready"
}

check_registry_only_needs_netns() {
  if "$LAB" up --dir "$WORK/refused" --outbound-policy registry-only >/dev/null 2>"$WORK/refused.err"; then
    "$LAB" down --dir "$WORK/refused" >/dev/null 2>&1 || true
    fail "registry-only without --netns was accepted"
  elif grep -q "needs --netns" "$WORK/refused.err"; then
    pass "registry-only without --netns is refused: $(head -1 "$WORK/refused.err")"
  else
    fail "registry-only without --netns: unclear message: $(cat "$WORK/refused.err")"
  fi
}

# ------------------------------------------------------------ log delay

# The gateway writes its line at once (the relay's input shows it), the log
# agents read shows it only DELAY_MS later, byte for byte, lines in order.
check_log_delay() {
  local log=$D_EGRESS_ACCESS_LOG raw=$D_LAB_DIR/run/egress-access.undelayed.log
  local mark raw_mark raw_seen out_seen i
  if [ "$D_LOG_DELAY_MS" = "$DELAY_MS" ]; then
    pass "lab.env says LOG_DELAY_MS=$DELAY_MS"
  else
    fail "lab.env LOG_DELAY_MS=$D_LOG_DELAY_MS"
  fi
  mark=$(line_count "$log")
  raw_mark=$(line_count "$raw")
  egress_call D
  [ "$CURL_CODE" = 200 ] || fail "log delay: the call failed ($CURL_CODE, exit $CURL_EXIT)"
  if ! wait_for 2 lab_line_count_above_file "$raw" "$raw_mark"; then
    fail "log delay: the gateway wrote no line"
    return
  fi
  raw_seen=$(now_ms)
  if [ "$(line_count "$log")" -eq "$mark" ]; then
    pass "log delay: the gateway has written the line, the access log does not show it yet"
  else
    fail "log delay: the line is in the access log at once"
  fi
  if ! wait_for $((DELAY_MS / 1000 + 3)) lab_line_count_above_file "$log" "$mark"; then
    fail "log delay: the line never reached the access log"
    return
  fi
  out_seen=$(now_ms)
  # raw_seen is at most one poll after the write; the relay counts from its
  # own read, which is no earlier than the write.
  if [ $((out_seen - raw_seen)) -ge $((DELAY_MS - 50)) ]; then
    pass "log delay: the line appeared $((out_seen - raw_seen)) ms after the gateway wrote it (delay $DELAY_MS ms)"
  else
    fail "log delay: the line appeared after only $((out_seen - raw_seen)) ms (delay $DELAY_MS ms)"
  fi
  # Three calls in a row: same bytes, same order.
  mark=$(line_count "$log")
  raw_mark=$(line_count "$raw")
  for i in 1 2 3; do
    run_curl --cacert "$D_LAB_CA_FILE" --resolve "$D_UNKNOWN_SNI_HOST:$D_EGRESS_PORT:127.0.0.1" \
      "https://$D_UNKNOWN_SNI_HOST:$D_EGRESS_PORT/get?n=$i"
  done
  wait_for 2 lab_line_count_above_file "$raw" $((raw_mark + 2)) || true
  if wait_for $((DELAY_MS / 1000 + 3)) lab_line_count_above_file "$log" $((mark + 2)) &&
    cmp -s <(lines_after "$log" "$mark") <(lines_after "$raw" "$raw_mark"); then
    pass "log delay: three lines relayed byte for byte and in order"
  else
    fail "log delay: relayed lines differ from the gateway's: $(diff <(lines_after "$log" "$mark") <(lines_after "$raw" "$raw_mark") | head -5)"
  fi
}

lab_line_count_above_file() {
  [ "$(line_count "$1")" -gt "$2" ]
}

# ------------------------------------------------------------ rotation

# Waits for a line for the unknown SNI after MARK in FILE (any gateway call
# writes one; this one is black-holed and logged at once).
unknown_sni_call() {
  local prefix=$1
  local ca_var=${prefix}_LAB_CA_FILE port_var=${prefix}_EGRESS_PORT host_var=${prefix}_UNKNOWN_SNI_HOST
  run_curl --cacert "${!ca_var}" --resolve "${!host_var}:${!port_var}:127.0.0.1" "https://${!host_var}:${!port_var}/get"
}

check_rotation() {
  local log=$E_EGRESS_ACCESS_LOG before inode_before
  # copytruncate: .1 holds what the log held, the log is empty with the same
  # inode, and the next line goes to the log.
  unknown_sni_call E
  wait_for 2 test -s "$log" || true
  before=$(cat "$log")
  inode_before=$(inode_of "$log")
  if "$LAB" rotate --dir "$E_LAB_DIR" --style copytruncate 2>>"$WORK/rotate.err"; then
    pass "rotate --style copytruncate"
  else
    fail "rotate --style copytruncate: $(cat "$WORK/rotate.err")"
  fi
  if [ "$(cat "$log.1")" = "$before" ] && [ ! -s "$log" ] && [ "$(inode_of "$log")" = "$inode_before" ]; then
    pass "copytruncate: .1 has the old lines, the log is empty and keeps its inode"
  else
    fail "copytruncate: .1 $(line_count "$log.1") lines, log $(line_count "$log") lines, inode $(inode_of "$log") (was $inode_before)"
  fi
  unknown_sni_call E
  if wait_new_line "$log" 0 BlackHoleCluster && [ "$(cat "$log.1")" = "$before" ]; then
    pass "copytruncate: the next line is written at the start of the truncated log"
  else
    fail "copytruncate: the next line is not in the log ($(line_count "$log") lines)"
  fi

  # rename without reopen: the gateway keeps writing the renamed file, the new
  # log stays empty; after `reopen` lines go to the new log.
  inode_before=$(inode_of "$log")
  local renamed_lines
  "$LAB" rotate --dir "$E_LAB_DIR" --style rename 2>>"$WORK/rotate.err" || fail "rotate --style rename: $(cat "$WORK/rotate.err")"
  renamed_lines=$(line_count "$log.1")
  if [ "$(inode_of "$log.1")" = "$inode_before" ] && [ -f "$log" ] && [ ! -s "$log" ]; then
    pass "rename: the log moved to .1 (same inode) and an empty log was created"
  else
    fail "rename: .1 inode $(inode_of "$log.1") (log was $inode_before), log size $(stat -c %s "$log" 2>/dev/null || echo none)"
  fi
  unknown_sni_call E
  if wait_new_line "$log.1" "$renamed_lines" BlackHoleCluster && [ ! -s "$log" ]; then
    pass "rename: before reopen the gateway still writes the renamed file"
  else
    fail "rename: the line went elsewhere (.1: $(line_count "$log.1") lines, log: $(line_count "$log"))"
  fi
  if "$LAB" reopen --dir "$E_LAB_DIR" 2>>"$WORK/rotate.err"; then
    pass "reopen"
  else
    fail "reopen: $(cat "$WORK/rotate.err")"
  fi
  renamed_lines=$(line_count "$log.1")
  unknown_sni_call E
  if wait_new_line "$log" 0 BlackHoleCluster && [ "$(line_count "$log.1")" = "$renamed_lines" ]; then
    pass "rename: after reopen the gateway writes the new log"
  else
    fail "rename: after reopen, log $(line_count "$log") lines, .1 $(line_count "$log.1") (was $renamed_lines)"
  fi

  # rename --reopen: like a postrotate script, the next line is in the new log.
  "$LAB" rotate --dir "$E_LAB_DIR" --style rename --reopen 2>>"$WORK/rotate.err" || fail "rotate --reopen: $(cat "$WORK/rotate.err")"
  unknown_sni_call E
  if wait_new_line "$log" 0 BlackHoleCluster; then
    pass "rename --reopen: the next line is in the new log"
  else
    fail "rename --reopen: no line in the new log"
  fi

  # The --log-delay relay is a writer like nginx: after a rename it keeps
  # writing the renamed file.
  local dlog=$D_EGRESS_ACCESS_LOG
  "$LAB" rotate --dir "$D_LAB_DIR" --style rename 2>>"$WORK/rotate.err" || fail "rotate (delayed lab): $(cat "$WORK/rotate.err")"
  renamed_lines=$(line_count "$dlog.1")
  unknown_sni_call D
  if wait_for $((DELAY_MS / 1000 + 3)) has_new_line "$dlog.1" "$renamed_lines" BlackHoleCluster && [ ! -s "$dlog" ]; then
    pass "log delay + rename: the relay keeps writing the renamed file until reopen"
  else
    fail "log delay + rename: .1 $(line_count "$dlog.1") lines, log $(line_count "$dlog")"
  fi
}

# ------------------------------------------------------------ mesh master

# The mesh master on a default lab, row by row as the README's table says: STRICT
# refuses plaintext without an answer and certificate-less or foreign TLS in the
# handshake; sleep gets 200, /admin/* and another identity 403 "RBAC: access denied"
# with the matched policy in the workload's line; the gateway originates TLS (an HTTP
# line) and its ISTIO_MUTUAL listener wants a mesh certificate. Each logged call waits
# for its line, so none lands later in another check's count.
check_mesh_master() {
  local wlog=$E_WORKLOAD_ACCESS_LOG elog=$E_EGRESS_ACCESS_LOG mark
  local ca=(--cacert "$E_MESH_CA_FILE") tls12=(--tls-max 1.2)
  local to=(--resolve "$E_WORKLOAD_HOST:$E_WORKLOAD_PORT:127.0.0.1")
  local sleep_cert=(--cert "$E_MESH_CLIENT_CERT_FILE" --key "$E_MESH_CLIENT_KEY_FILE")
  local other_cert=(--cert "$E_MESH_OTHER_CERT_FILE" --key "$E_MESH_OTHER_KEY_FILE")
  local impostor=(--cert "$E_MESH_IMPOSTOR_CERT_FILE" --key "$E_MESH_IMPOSTOR_KEY_FILE")
  local gw=(--resolve "$E_EGRESS_GATEWAY_NAME:$E_EGRESS_MTLS_PORT:127.0.0.1" -H "Host: $E_EXTERNAL_HOST")
  local gw_url=https://$E_EGRESS_GATEWAY_NAME:$E_EGRESS_MTLS_PORT/get

  expect_curl "STRICT: plaintext is closed without an answer" 000 52 "http://127.0.0.1:$E_WORKLOAD_PORT/get"
  expect_curl "STRICT: TLS without a client certificate fails the handshake" 000 35 \
    "${tls12[@]}" "${ca[@]}" "${to[@]}" "$E_WORKLOAD_URL/get"
  expect_curl "STRICT: a foreign client certificate fails the handshake" 000 35 \
    "${tls12[@]}" "${ca[@]}" "${impostor[@]}" "${to[@]}" "$E_WORKLOAD_URL/get"
  mark=$(line_count "$wlog")
  expect_curl "authz: sleep GET /get" 200 0 "${ca[@]}" "${sleep_cert[@]}" "${to[@]}" "$E_WORKLOAD_URL/get"
  if wait_new_line "$wlog" "$mark" '"GET /get HTTP/1.1" 200 - via_upstream '; then
    pass "authz: the workload logged sleep's 200"
  else
    fail "authz: no 200 line: $(lines_after "$wlog" "$mark")"
  fi
  mark=$(line_count "$wlog")
  expect_curl "authz: sleep GET /admin/config (DENY wins)" 403 0 "${ca[@]}" "${sleep_cert[@]}" "${to[@]}" "$E_WORKLOAD_URL/admin/config"
  expect_has "authz: the denial's body" "$(cat "$WORK/body")" "RBAC: access denied"
  if wait_new_line "$wlog" "$mark" '403 - rbac_access_denied_matched_policy[ns[mesh-test]-policy[deny-admin]-rule[0]] '; then
    pass "authz: the workload logged the DENY policy"
  else
    fail "authz: no DENY line: $(lines_after "$wlog" "$mark")"
  fi
  mark=$(line_count "$wlog")
  expect_curl "authz: another identity GET /get" 403 0 "${ca[@]}" "${other_cert[@]}" "${to[@]}" "$E_WORKLOAD_URL/get"
  if wait_new_line "$wlog" "$mark" '403 - rbac_access_denied_matched_policy[none] '; then
    pass "authz: the workload logged matched_policy[none]"
  else
    fail "authz: no [none] line: $(lines_after "$wlog" "$mark")"
  fi

  # The workload sidecar's configuration lists the policies it enforces, DENY filter first.
  if curl -sS --max-time 5 "$E_WORKLOAD_CONFIG_URL/config_dump" -o "$WORK/workload-dump.json" &&
    /usr/bin/python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
names = []
def walk(node):
    if isinstance(node, list):
        for item in node: walk(item)
    elif isinstance(node, dict):
        if node.get("name") == "envoy.filters.http.rbac":
            names.extend(sorted(node["typed_config"]["rules"]["policies"]))
        else:
            for value in node.values(): walk(value)
walk(doc)
sys.exit(0 if names == ["ns[mesh-test]-policy[deny-admin]-rule[0]", "ns[mesh-test]-policy[allow-sleep]-rule[0]"] else 1)
' "$WORK/workload-dump.json"; then
    pass "authz: the workload's config dump lists deny-admin, then allow-sleep"
  else
    fail "authz: the workload's config dump at $E_WORKLOAD_CONFIG_URL/config_dump lacks the policies"
  fi

  mark=$(line_count "$elog")
  expect_curl "origination: http:// through the gateway" 200 0 -H "Host: $E_EXTERNAL_HOST" "http://127.0.0.1:$E_EGRESS_HTTP_PORT/get"
  if wait_new_line "$elog" "$mark" "\"GET /get HTTP/1.1\" 200 - via_upstream " &&
    has_new_line "$elog" "$mark" " outbound|443||$E_EXTERNAL_HOST "; then
    pass "origination: the gateway wrote an HTTP line for outbound|443||$E_EXTERNAL_HOST"
  else
    fail "origination: $(lines_after "$elog" "$mark")"
  fi
  mark=$(line_count "$elog")
  expect_curl "ISTIO_MUTUAL: sleep's certificate" 200 0 "${ca[@]}" "${sleep_cert[@]}" "${gw[@]}" "$gw_url"
  if ! wait_new_line "$elog" "$mark" " outbound|443||$E_EXTERNAL_HOST "; then
    fail "ISTIO_MUTUAL: no gateway line: $(lines_after "$elog" "$mark")"
  fi
  expect_curl "ISTIO_MUTUAL: no client certificate" 000 35 "${tls12[@]}" "${ca[@]}" "${gw[@]}" "$gw_url"
  expect_curl "ISTIO_MUTUAL: a foreign client certificate" 000 35 "${tls12[@]}" "${ca[@]}" "${impostor[@]}" "${gw[@]}" "$gw_url"
}

# Each mesh-master option refuses a bad value before anything starts, naming itself.
check_mesh_options_validated() {
  local option
  for option in --peer-authentication --authz-policy --tls-origination --gateway-mtls; do
    if "$LAB" up --dir "$WORK/bad" "$option" bogus >/dev/null 2>"$WORK/bad.err"; then
      "$LAB" down --dir "$WORK/bad" >/dev/null 2>&1 || true
      fail "$option bogus was accepted"
    elif grep -q -- "$option must be" "$WORK/bad.err"; then
      pass "$option bogus is refused: $(head -1 "$WORK/bad.err")"
    else
      fail "$option bogus: unclear message: $(cat "$WORK/bad.err")"
    fi
  done
}

# ---------------------------------------------------------------- main

main() {
  local netns_args=()
  if netns_usable; then
    netns_args=(--netns)
  else
    skip "--netns and --outbound-policy checks (need root, nft and ip netns)"
  fi
  lab_up "$WORK/c" 0 --egress-route absent "${netns_args[@]}"
  load_env "$WORK/c/lab.env" C
  check_admin_follows_route

  lab_up "$WORK/d" 0 --log-delay "$DELAY_MS"
  load_env "$WORK/d/lab.env" D
  check_log_delay

  lab_up "$WORK/e" 0
  load_env "$WORK/e/lab.env" E
  check_mesh_master
  check_rotation
  check_mesh_options_validated

  check_registry_only_needs_netns
  if [ "${#netns_args[@]}" -gt 0 ]; then
    lab_up "$WORK/g" 0 --netns --outbound-policy registry-only
    check_registry_only "$WORK/g" 35 blackhole
    lab_up "$WORK/h" 0 --netns --outbound-policy registry-only --blocked-as reset
    check_registry_only "$WORK/h" 7 reset
  fi

  local dir
  for dir in "${LAB_DIRS[@]}"; do
    "$LAB" down --dir "$dir" >/dev/null 2>&1 || fail "down --dir $dir"
  done
  finish
}

main "$@"
