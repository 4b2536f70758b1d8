# shellcheck shell=bash
# Readiness checks: each component is ready when a real request through it
# succeeds (HTTP or TLS), never on a bare TCP connect. A bare connect to the
# egress gateway would itself write an access-log line with no SNI.

readonly LAB_READY_TIMEOUT_S=5

# Prints the HTTP status curl got (000 when there was no HTTP answer).
# With --in-netns NS first, curl runs inside network namespace NS.
lab_http_code() {
  local wrap=()
  if [ "${1:-}" = --in-netns ]; then
    wrap=(ip netns exec "$2")
    shift 2
  fi
  "${wrap[@]}" curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" || true
}

# Succeeds when curl ARGS... answers with HTTP status EXPECTED.
lab_http_code_is() {
  local expected=$1; shift
  [ "$(lab_http_code "$@")" = "$expected" ]
}

# Waits until curl ARGS... answers 200; on timeout reports NAME, the last
# status and the tail of LOG, and fails.
lab_ready_http() {
  local name=$1 log=$2; shift 2
  if lab_wait_until "$LAB_READY_TIMEOUT_S" lab_http_code_is 200 "$@"; then
    return 0
  fi
  lab_log "$name: not ready after ${LAB_READY_TIMEOUT_S} s (last status $(lab_http_code "$@"), want 200)"
  lab_show_log_tail "$log"
  return 1
}

# Prints the number of lines in FILE (0 if it does not exist yet).
lab_line_count() {
  if [ -f "$1" ]; then
    wc -l <"$1"
  else
    echo 0
  fi
}

lab_line_count_above() {
  [ "$(lab_line_count "$1")" -gt "$2" ]
}

# Succeeds when one call through the egress gateway answers WANT and its
# access-log line has been written (counting from just before that call).
# With --log-delay the line is waited for that much longer.
lab_egress_call_logged() {
  local access_log=$1 want=$2; shift 2
  local before
  before=$(lab_line_count "$access_log")
  lab_http_code_is "$want" "$@" || return 1
  lab_wait_until $((2 + (LOG_DELAY_MS + 999) / 1000)) lab_line_count_above "$access_log" "$before"
}

# Waits until a call through the egress gateway answers as the route says
# (200; 000 when --egress-route absent black-holes it) and is logged: the
# logged line shows the gateway handled it, which a refused connection (also
# 000) never is. The line is written when the connection closes, which can be
# just after curl exits: waiting for it here means no readiness line can land
# in the log after `up` returns and upset a test's count.
lab_ready_egress() {
  local name=$1 access_log=$2 error_log=$3; shift 3
  local want=200
  [ "$EGRESS_ROUTE" = absent ] && want=000
  if lab_wait_until "$LAB_READY_TIMEOUT_S" lab_egress_call_logged "$access_log" "$want" "$@"; then
    return 0
  fi
  lab_log "$name: no logged $want through the gateway after ${LAB_READY_TIMEOUT_S} s (last status $(lab_http_code "$@"))"
  lab_show_log_tail "$error_log"
  return 1
}

# Waits until a call (curl ARGS...) answers WANT and a new line is in
# ACCESS_LOG; on timeout reports NAME with the tail of ERROR_LOG. Every
# readiness call of the mesh master is waited for this way so that none of
# their lines lands in a log after `up` returns.
lab_ready_logged() {
  local name=$1 access_log=$2 error_log=$3 want=$4; shift 4
  if lab_wait_until "$LAB_READY_TIMEOUT_S" lab_egress_call_logged "$access_log" "$want" "$@"; then
    return 0
  fi
  lab_log "$name: no logged $want after ${LAB_READY_TIMEOUT_S} s (last status $(lab_http_code "$@"))"
  lab_show_log_tail "$error_log"
  return 1
}

# The mesh master: the STRICT workload through mutual TLS with the allowed
# identity, the gateway's TLS origination (400 when --tls-origination off sends
# plain HTTP to the TLS port) and its ISTIO_MUTUAL listener.
lab_ready_mesh() {
  local errlog=$LOG_DIR/mesh-error.log want=200
  local sleep_cert=(--cert "$CERT_DIR/mesh-sleep.pem" --key "$CERT_DIR/mesh-sleep.key")
  [ "$TLS_ORIGINATION" = off ] && want=400
  lab_ready_logged "mesh workload (mTLS)" "$LOG_DIR/workload-access.log" "$errlog" 200 \
    --cacert "$CERT_DIR/mesh-ca.pem" "${sleep_cert[@]}" \
    --resolve "$MESH_WORKLOAD_HOST:$MESH_WORKLOAD_PORT:127.0.0.1" \
    "https://$MESH_WORKLOAD_HOST:$MESH_WORKLOAD_PORT/get"
  lab_ready_logged "gateway origination (http)" "$EGRESS_ACCESS_LOG" "$errlog" "$want" \
    -H "Host: $EXTERNAL_HOST" "http://127.0.0.1:$ORIGINATION_PORT/get"
  lab_ready_logged "gateway ISTIO_MUTUAL" "$EGRESS_ACCESS_LOG" "$errlog" "$want" \
    --cacert "$CERT_DIR/mesh-ca.pem" "${sleep_cert[@]}" -H "Host: $EXTERNAL_HOST" \
    --resolve "$MESH_GATEWAY_HOST:$GATEWAY_MTLS_PORT:127.0.0.1" \
    "https://$MESH_GATEWAY_HOST:$GATEWAY_MTLS_PORT/get"
}
