#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# meshproof lab: a local reproduction of the seed report's ingress/egress
# gateway topology with real software from Debian packages (httpbin under
# gunicorn, nginx as ingress gateway, nginx stream as egress gateway, an
# "external" HTTPS server, the sidecar's and the egress gateway's Envoy admin
# endpoints generated from the lab's configuration).
#
#   lab.sh up     --dir DIR [--base-port N] [--netns]
#                 [--route-order status-first|catchall-first]
#                 [--egress-route present|absent]
#                 [--outbound-policy allow-any|registry-only]
#                 [--blocked-as blackhole|reset] [--log-delay MS]
#   lab.sh down   --dir DIR
#   lab.sh status --dir DIR
#   lab.sh rotate --dir DIR --style copytruncate|rename [--reopen]
#   lab.sh reopen --dir DIR
#
# See deploy/lab/README.md for what runs where, the lab.env keys, and how
# each test of the report maps to a curl command.
set -euo pipefail

LAB_HOME=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly LAB_HOME
readonly LAB_TEMPLATE_DIR=$LAB_HOME/templates

# shellcheck source=lib/common.sh
. "$LAB_HOME/lib/common.sh"
# shellcheck source=lib/render.sh
. "$LAB_HOME/lib/render.sh"
# shellcheck source=lib/certs.sh
. "$LAB_HOME/lib/certs.sh"
# shellcheck source=lib/ports.sh
. "$LAB_HOME/lib/ports.sh"
# shellcheck source=lib/procs.sh
. "$LAB_HOME/lib/procs.sh"
# shellcheck source=lib/ready.sh
. "$LAB_HOME/lib/ready.sh"
# shellcheck source=lib/netns.sh
. "$LAB_HOME/lib/netns.sh"
# shellcheck source=lib/configs.sh
. "$LAB_HOME/lib/configs.sh"
# shellcheck source=lib/labenv.sh
. "$LAB_HOME/lib/labenv.sh"

# Names the report uses, fixed so that scenarios can rely on them.
readonly ROUTE_HOST=httpbin.example.com
readonly UNKNOWN_HOST=nope.example.com
readonly EXTERNAL_HOST=external.test
readonly UNKNOWN_SNI_HOST=unknown.test
readonly UNREGISTERED_HOST=unregistered.test
# The mesh's own names: the STRICT workload and the egress gateway's service.
readonly MESH_WORKLOAD_HOST=httpbin.mesh-test.svc.cluster.local
readonly MESH_GATEWAY_HOST=istio-egressgateway.istio-system.svc.cluster.local
readonly DEFAULT_BASE_PORT=18000

lab_usage() {
  cat <<'EOF'
usage: lab.sh up     --dir DIR [--base-port N] [--netns]
                     [--route-order status-first|catchall-first]
                     [--egress-route present|absent]
                     [--outbound-policy allow-any|registry-only]
                     [--blocked-as blackhole|reset] [--log-delay MS]
                     [--peer-authentication strict|permissive]
                     [--authz-policy deny-and-allow|allow-only|none]
                     [--tls-origination on|off]
                     [--gateway-mtls istio-mutual|simple]
       lab.sh down   --dir DIR
       lab.sh status --dir DIR
       lab.sh rotate --dir DIR --style copytruncate|rename [--reopen]
       lab.sh reopen --dir DIR

up      starts the lab in DIR (ports N..N+9 on 127.0.0.1, default N=18000;
        --base-port 0 picks a free range) and writes DIR/lab.env (read the
        ports there); refuses if a lab already runs in DIR.
        --netns also builds a mesh / gateway / external namespace path (root).
        --egress-route absent: the egress gateway has no SNI route (and the
        admin endpoints no egress cluster or 8443 listener).
        --outbound-policy registry-only (needs --netns): the mesh namespace
        reaches nothing but the gateway; --blocked-as says how the rest fails.
        --log-delay MS: the gateway's access-log lines appear MS ms late.
        --peer-authentication permissive: the STRICT workload also takes
        plaintext. --authz-policy allow-only|none: its DENY policy (or every
        policy) is gone. --tls-origination off: the egress gateway sends plain
        HTTP to the external TLS port. --gateway-mtls simple: the gateway's
        ISTIO_MUTUAL listener asks for no client certificate.
down    stops exactly what `up` started in DIR (by pid file) and deletes its
        namespaces; safe to repeat.
status  shows each component; exit 0 all running, 1 partly, 3 not running.
rotate  rotates the egress access log: copytruncate (copy to .1, truncate in
        place) or rename (move to .1; the gateway keeps writing the renamed
        file until `reopen`, or at once with --reopen).
reopen  makes the gateway (and the --log-delay relay) reopen its log (USR1).
EOF
}

# Parses options into globals; unknown options are an error.
lab_parse_args() {
  LAB_DIR_ARG=""
  BASE_PORT=$DEFAULT_BASE_PORT
  ROUTE_ORDER=status-first
  LAB_MODE=loopback
  EGRESS_ROUTE=present
  OUTBOUND_POLICY_ARG=allow-any
  BLOCKED_AS=blackhole
  LOG_DELAY_MS=0
  PEER_AUTHENTICATION=strict
  AUTHZ_POLICY="deny-and-allow"
  TLS_ORIGINATION=on
  GATEWAY_MTLS=istio-mutual
  ROTATE_STYLE=""
  ROTATE_REOPEN=no
  while [ "$#" -gt 0 ]; do
    case $1 in
      --dir) [ "$#" -ge 2 ] || lab_die "--dir needs a value"; LAB_DIR_ARG=$2; shift 2 ;;
      --dir=*) LAB_DIR_ARG=${1#--dir=}; shift ;;
      --base-port) [ "$#" -ge 2 ] || lab_die "--base-port needs a value"; BASE_PORT=$2; shift 2 ;;
      --base-port=*) BASE_PORT=${1#--base-port=}; shift ;;
      --route-order) [ "$#" -ge 2 ] || lab_die "--route-order needs a value"; ROUTE_ORDER=$2; shift 2 ;;
      --route-order=*) ROUTE_ORDER=${1#--route-order=}; shift ;;
      --netns) LAB_MODE=netns; shift ;;
      --egress-route) [ "$#" -ge 2 ] || lab_die "--egress-route needs a value"; EGRESS_ROUTE=$2; shift 2 ;;
      --egress-route=*) EGRESS_ROUTE=${1#--egress-route=}; shift ;;
      --outbound-policy) [ "$#" -ge 2 ] || lab_die "--outbound-policy needs a value"; OUTBOUND_POLICY_ARG=$2; shift 2 ;;
      --outbound-policy=*) OUTBOUND_POLICY_ARG=${1#--outbound-policy=}; shift ;;
      --blocked-as) [ "$#" -ge 2 ] || lab_die "--blocked-as needs a value"; BLOCKED_AS=$2; shift 2 ;;
      --blocked-as=*) BLOCKED_AS=${1#--blocked-as=}; shift ;;
      --log-delay) [ "$#" -ge 2 ] || lab_die "--log-delay needs a value"; LOG_DELAY_MS=$2; shift 2 ;;
      --log-delay=*) LOG_DELAY_MS=${1#--log-delay=}; shift ;;
      --peer-authentication) [ "$#" -ge 2 ] || lab_die "--peer-authentication needs a value"; PEER_AUTHENTICATION=$2; shift 2 ;;
      --peer-authentication=*) PEER_AUTHENTICATION=${1#--peer-authentication=}; shift ;;
      --authz-policy) [ "$#" -ge 2 ] || lab_die "--authz-policy needs a value"; AUTHZ_POLICY=$2; shift 2 ;;
      --authz-policy=*) AUTHZ_POLICY=${1#--authz-policy=}; shift ;;
      --tls-origination) [ "$#" -ge 2 ] || lab_die "--tls-origination needs a value"; TLS_ORIGINATION=$2; shift 2 ;;
      --tls-origination=*) TLS_ORIGINATION=${1#--tls-origination=}; shift ;;
      --gateway-mtls) [ "$#" -ge 2 ] || lab_die "--gateway-mtls needs a value"; GATEWAY_MTLS=$2; shift 2 ;;
      --gateway-mtls=*) GATEWAY_MTLS=${1#--gateway-mtls=}; shift ;;
      --style) [ "$#" -ge 2 ] || lab_die "--style needs a value"; ROTATE_STYLE=$2; shift 2 ;;
      --style=*) ROTATE_STYLE=${1#--style=}; shift ;;
      --reopen) ROTATE_REOPEN=yes; shift ;;
      -h | --help) lab_usage; exit 0 ;;
      *) lab_usage >&2; lab_die "unknown option '$1'" ;;
    esac
  done
  case $ROUTE_ORDER in
    status-first | catchall-first) ;;
    *) lab_die "--route-order must be status-first or catchall-first, got '$ROUTE_ORDER'" ;;
  esac
  case $EGRESS_ROUTE in
    present | absent) ;;
    *) lab_die "--egress-route must be present or absent, got '$EGRESS_ROUTE'" ;;
  esac
  case $OUTBOUND_POLICY_ARG in
    allow-any) OUTBOUND_POLICY=ALLOW_ANY ;;
    registry-only) OUTBOUND_POLICY=REGISTRY_ONLY ;;
    *) lab_die "--outbound-policy must be allow-any or registry-only, got '$OUTBOUND_POLICY_ARG'" ;;
  esac
  case $BLOCKED_AS in
    blackhole | reset) ;;
    *) lab_die "--blocked-as must be blackhole or reset, got '$BLOCKED_AS'" ;;
  esac
  case $PEER_AUTHENTICATION in
    strict | permissive) ;;
    *) lab_die "--peer-authentication must be strict or permissive, got '$PEER_AUTHENTICATION'" ;;
  esac
  case $AUTHZ_POLICY in
    deny-and-allow | allow-only | none) ;;
    *) lab_die "--authz-policy must be deny-and-allow, allow-only or none, got '$AUTHZ_POLICY'" ;;
  esac
  case $TLS_ORIGINATION in
    on | off) ;;
    *) lab_die "--tls-origination must be on or off, got '$TLS_ORIGINATION'" ;;
  esac
  case $GATEWAY_MTLS in
    istio-mutual | simple) ;;
    *) lab_die "--gateway-mtls must be istio-mutual or simple, got '$GATEWAY_MTLS'" ;;
  esac
  case $LOG_DELAY_MS in
    '' | *[!0-9]*) lab_die "--log-delay must be a number of milliseconds, got '$LOG_DELAY_MS'" ;;
  esac
  if [ "${#LOG_DELAY_MS}" -gt 5 ] || [ "$((10#$LOG_DELAY_MS))" -gt 60000 ]; then
    lab_die "--log-delay must be at most 60000 ms, got $LOG_DELAY_MS"
  fi
  LOG_DELAY_MS=$((10#$LOG_DELAY_MS))
  if [ "$OUTBOUND_POLICY" = REGISTRY_ONLY ] && [ "$LAB_MODE" != netns ]; then
    lab_die "--outbound-policy registry-only needs --netns (the policy applies to the mesh namespace; the host's own network is never changed)"
  fi
  # Not inside the call's arguments: a failure there would not stop us.
  local dir
  dir=$(lab_resolve_dir "$LAB_DIR_ARG")
  lab_set_paths "$dir"
}

# Takes an exclusive lock on DIR so two lab.sh runs never interleave on it.
lab_take_lock() {
  mkdir -p "$LAB_DIR"
  exec {LAB_LOCK_FD}>"$LAB_DIR/.lab.lock"
  flock -n "$LAB_LOCK_FD" || lab_die "another lab.sh is working on $LAB_DIR"
}

# Succeeds if anything recorded in the state file still exists.
lab_anything_alive() {
  local kind name path _signal
  [ -s "$STATE_FILE" ] || return 1
  while read -r kind name path _signal; do
    case $kind in
      proc) lab_proc_running "$path" && return 0 ;;
      netns) [ -e "/run/netns/$name" ] && return 0 ;;
    esac
  done <"$STATE_FILE"
  return 1
}

# Stops processes (newest first), then deletes namespaces and /etc/netns
# entries, all from the state file. Fails if a process would not stop; the
# state file is then kept so `down` can be run again.
lab_teardown() {
  local kind name path signal failed=0 i
  local -a lines=()
  [ -f "$STATE_FILE" ] || return 0
  mapfile -t lines <"$STATE_FILE"
  for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
    read -r kind name path signal <<<"${lines[i]}"
    if [ "$kind" = proc ]; then
      lab_proc_stop "$name" "$path" "$signal" || failed=1
    fi
  done
  # Namespaces and their /etc/netns entries, also newest first, so that
  # /etc/netns itself (if the lab made it) comes after what is inside.
  for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
    read -r kind name path signal <<<"${lines[i]}"
    case $kind in
      netns) lab_netns_delete "$name" || failed=1 ;;
      etcnetns) lab_netns_delete_etc "$name" ;;
    esac
  done
  rm -f -- "$LAB_ENV_FILE" "$MESH_ENV_FILE"
  if [ "$failed" -eq 0 ]; then
    rm -f -- "$STATE_FILE"
  fi
  return "$failed"
}

# Removes what a previous lab in DIR generated (never anything else in DIR),
# so logs and pid files start empty.
lab_clean_generated() {
  rm -rf -- "$CONF_DIR" "$RUN_DIR" "$LOG_DIR" "$ADMIN_DIR" "$CERT_DIR"
  rm -f -- "$LAB_ENV_FILE" "$MESH_ENV_FILE"
  mkdir -p "$CONF_DIR" "$RUN_DIR" "$LOG_DIR"
}

# Called on any failure during `up`: undo everything started so far.
# SIGPIPE is ignored first: if our stderr was a pipe that closed (`| head`),
# writing a message must not kill the cleanup.
lab_up_failed() {
  trap '' PIPE INT TERM HUP
  lab_log "up failed; stopping what was started"
  lab_teardown || lab_log "some components did not stop; run: lab.sh down --dir $LAB_DIR"
}

# Starts every daemon of the lab. httpbin goes first: it is the slowest to
# boot (~0.25 s), and everything else is started while it does.
lab_start_all() {
  lab_start_httpbin
  lab_certs_create "$ROUTE_HOST" "$EXTERNAL_HOST"
  lab_conf_loopback
  if [ "$LAB_MODE" = netns ]; then
    lab_netns_create
    lab_conf_netns
  fi
  if [ "$LOG_DELAY_MS" -gt 0 ]; then
    lab_start_log_relay
  fi
  lab_start_nginx ingress
  lab_start_nginx external
  lab_start_nginx egress
  lab_start_nginx sidecar-admin
  lab_start_nginx gateway-admin
  lab_start_nginx mesh
  if [ "$LAB_MODE" = netns ]; then
    lab_start_nginx external-netns "$EXTERNAL_NETNS"
    lab_start_nginx egress-netns "$GATEWAY_NETNS"
    lab_start_nginx sidecar-netns "$MESH_NETNS"
  fi
}

# Waits for each component with a real request through it.
lab_wait_ready() {
  local ca=$CERT_DIR/ca.pem
  lab_ready_http httpbin "$LOG_DIR/httpbin-error.log" "http://127.0.0.1:$HTTPBIN_PORT/get"
  lab_ready_http "ingress (http)" "$LOG_DIR/ingress-error.log" \
    -H "Host: $ROUTE_HOST" "http://127.0.0.1:$INGRESS_HTTP_PORT/get"
  lab_ready_http "ingress (https)" "$LOG_DIR/ingress-error.log" --cacert "$ca" \
    --resolve "$ROUTE_HOST:$INGRESS_HTTPS_PORT:127.0.0.1" "https://$ROUTE_HOST:$INGRESS_HTTPS_PORT/get"
  lab_ready_http external "$LOG_DIR/external-error.log" --cacert "$ca" \
    --resolve "$EXTERNAL_HOST:$EXTERNAL_DIRECT_PORT:127.0.0.1" "https://$EXTERNAL_HOST:$EXTERNAL_DIRECT_PORT/get"
  lab_ready_egress egress "$EGRESS_ACCESS_LOG" "$LOG_DIR/egress-error.log" --cacert "$ca" \
    --resolve "$EXTERNAL_HOST:$EGRESS_PORT:127.0.0.1" "https://$EXTERNAL_HOST:$EGRESS_PORT/get"
  lab_ready_mesh
  lab_ready_http sidecar-admin "$LOG_DIR/sidecar-admin-error.log" "http://127.0.0.1:$SIDECAR_ADMIN_PORT/ready"
  lab_ready_http gateway-admin "$LOG_DIR/gateway-admin-error.log" "http://127.0.0.1:$GATEWAY_ADMIN_PORT/ready"
  if [ "$LAB_MODE" = netns ]; then
    # The whole captured path at once: mesh -> dnat -> gateway -> external.
    lab_ready_egress "egress (netns)" "$EGRESS_ACCESS_LOG" "$LOG_DIR/egress-netns-error.log" \
      --in-netns "$MESH_NETNS" --cacert "$ca" "https://$EXTERNAL_HOST/get"
    lab_ready_http "sidecar (netns)" "$LOG_DIR/sidecar-netns-error.log" \
      --in-netns "$MESH_NETNS" "http://127.0.0.1:$LAB_NETNS_ADMIN_PORT/ready"
    lab_ready_http "gateway admin (netns)" "$LOG_DIR/egress-netns-error.log" \
      --in-netns "$MESH_NETNS" "http://$GATEWAY_MESH_ADDR:$LAB_NETNS_ADMIN_PORT/ready"
  fi
}

lab_cmd_up() {
  local started_us elapsed_ms
  started_us=$(lab_now_us)
  lab_parse_args "$@"
  lab_ports_validate_base "$BASE_PORT"
  lab_take_lock
  if lab_anything_alive; then
    lab_die "a lab is already running in $LAB_DIR; run: lab.sh down --dir $LAB_DIR"
  fi
  # Leftovers of a lab that died without `down` (nothing alive): forget them.
  lab_teardown >/dev/null 2>&1 || true
  if [ "$BASE_PORT" -eq 0 ]; then
    BASE_PORT=$(lab_ports_pick_free)
  fi
  lab_ports_assign "$BASE_PORT"
  lab_ports_check_free "$BASE_PORT"
  if [ "$LAB_MODE" = netns ]; then
    lab_netns_assign
    lab_netns_check_available
  fi
  lab_clean_generated
  # Any exit before the end, by error or by signal, runs lab_up_failed.
  trap lab_up_failed EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP PIPE
  lab_start_all
  lab_wait_ready
  lab_env_write
  trap - EXIT INT TERM HUP PIPE
  elapsed_ms=$((($(lab_now_us) - started_us) / 1000))
  lab_log "up ($LAB_MODE, routes $ROUTE_ORDER, egress route $EGRESS_ROUTE, $OUTBOUND_POLICY, log delay ${LOG_DELAY_MS} ms, peer auth $PEER_AUTHENTICATION, authz $AUTHZ_POLICY, origination $TLS_ORIGINATION, gateway mTLS $GATEWAY_MTLS) in ${elapsed_ms} ms; endpoints in $LAB_ENV_FILE"
}

lab_cmd_down() {
  lab_parse_args "$@"
  if [ ! -d "$LAB_DIR" ]; then
    lab_log "no lab in $LAB_DIR"
    return 0
  fi
  lab_take_lock
  if [ ! -f "$STATE_FILE" ]; then
    lab_log "nothing to stop in $LAB_DIR"
    rm -f -- "$LAB_ENV_FILE"
    return 0
  fi
  lab_teardown
  lab_log "down: $LAB_DIR"
}

# Prints one line per recorded component and sets the exit status.
lab_cmd_status() {
  local kind name path _signal pid total=0 up=0
  lab_parse_args "$@"
  if [ ! -s "$STATE_FILE" ]; then
    echo "no lab in $LAB_DIR"
    return 3
  fi
  while read -r kind name path _signal; do
    case $kind in
      proc)
        total=$((total + 1))
        if lab_proc_running "$path"; then
          pid=$(lab_proc_read_pid "$path")
          printf '%-16s running  pid %s\n' "$name" "$pid"
          up=$((up + 1))
        else
          printf '%-16s stopped\n' "$name"
        fi
        ;;
      netns)
        total=$((total + 1))
        if [ -e "/run/netns/$name" ]; then
          printf '%-16s present  netns\n' "$name"
          up=$((up + 1))
        else
          printf '%-16s missing  netns\n' "$name"
        fi
        ;;
    esac
  done <"$STATE_FILE"
  if [ -f "$LAB_ENV_FILE" ]; then
    echo "lab.env: $LAB_ENV_FILE"
  fi
  if [ "$up" -eq "$total" ] && [ "$total" -gt 0 ]; then
    return 0
  elif [ "$up" -gt 0 ]; then
    return 1
  fi
  return 3
}

# Pid files of the processes that write the egress access log: both gateway
# masters, the mesh master (the gateway's TLS origination) and, with --log-delay, the relay (then the log's only writer).
lab_egress_log_writers() {
  printf '%s\n' "$RUN_DIR/egress.pid" "$RUN_DIR/egress-netns.pid" "$RUN_DIR/mesh.pid" \
    "$RUN_DIR/egress-log-relay.pid"
}

# Sends USR1 (reopen the log files) to every running writer of the egress
# log. nginx's master reopens and hands the new files to its workers.
lab_reopen_egress_log() {
  local pidfile pid count=0
  while read -r pidfile; do
    [ -f "$pidfile" ] || continue
    pid=$(lab_proc_read_pid "$pidfile") || continue
    if lab_proc_is_ours "$pid"; then
      kill -USR1 "$pid"
      count=$((count + 1))
    fi
  done < <(lab_egress_log_writers)
  [ "$count" -gt 0 ] || lab_die "no running egress gateway in $LAB_DIR"
  # USR1 is handled asynchronously (nginx's master, then each worker): return
  # only once no writer holds the rotated file any more, so a call made right
  # after `reopen` is logged in the new file.
  if ! lab_wait_until 5 lab_no_writer_holds "$EGRESS_ACCESS_LOG.1"; then
    lab_die "reopen: a writer still holds $EGRESS_ACCESS_LOG.1 after 5 s"
  fi
  lab_log "reopen: $count writer(s) of $EGRESS_ACCESS_LOG reopened it"
}

# Succeeds if no process of the egress log's writers (masters, their
# workers, the relay) has FILE open.
lab_no_writer_holds() {
  local file=$1 pidfile pid proc fd
  while read -r pidfile; do
    pid=$(lab_proc_read_pid "$pidfile" 2>/dev/null) || continue
    for proc in "$pid" $(lab_proc_children "$pid"); do
      for fd in /proc/"$proc"/fd/*; do
        [ "$(readlink "$fd" 2>/dev/null)" != "$file" ] || return 1
      done
    done
  done < <(lab_egress_log_writers)
}

# Fails unless a lab is fully up in LAB_DIR.
lab_require_running() {
  [ -f "$LAB_ENV_FILE" ] || lab_die "no lab running in $LAB_DIR (no lab.env)"
}

# Rotates the egress access log the way log rotators do, for tests of
# evidence readers:
#   copytruncate: copy the log to LOG.1, then truncate LOG in place; the
#     writers keep their descriptor (O_APPEND) and go on at offset 0. A line
#     written between the copy and the truncation is lost, as with
#     logrotate's copytruncate.
#   rename: move LOG to LOG.1 and create an empty LOG (logrotate's `create`);
#     the writers keep writing to LOG.1 until they reopen (`lab.sh reopen`,
#     or --reopen here, like a postrotate script).
lab_cmd_rotate() {
  lab_parse_args "$@"
  lab_take_lock
  lab_require_running
  local log=$EGRESS_ACCESS_LOG
  case $ROTATE_STYLE in
    copytruncate)
      cp -p -- "$log" "$log.1"
      : >"$log"
      ;;
    rename)
      mv -f -- "$log" "$log.1"
      : >"$log"
      ;;
    '') lab_die "rotate needs --style copytruncate|rename" ;;
    *) lab_die "--style must be copytruncate or rename, got '$ROTATE_STYLE'" ;;
  esac
  lab_log "rotate ($ROTATE_STYLE): $log -> $log.1"
  if [ "$ROTATE_REOPEN" = yes ]; then
    lab_reopen_egress_log
  fi
}

lab_cmd_reopen() {
  lab_parse_args "$@"
  lab_take_lock
  lab_require_running
  lab_reopen_egress_log
}

lab_main() {
  local command_name=${1:-}
  [ "$#" -gt 0 ] && shift
  case $command_name in
    up) lab_cmd_up "$@" ;;
    down) lab_cmd_down "$@" ;;
    status) lab_cmd_status "$@" ;;
    rotate) lab_cmd_rotate "$@" ;;
    reopen) lab_cmd_reopen "$@" ;;
    -h | --help | help) lab_usage ;;
    *) lab_usage >&2; exit 2 ;;
  esac
}

lab_main "$@"
