#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# meshproof lab: a local reproduction of the seed report's ingress/egress
# gateway topology with real software from Debian packages (httpbin under
# gunicorn, nginx as ingress gateway, nginx stream as egress gateway, an
# "external" HTTPS server, a recorded Envoy admin endpoint).
#
#   lab.sh up     --dir DIR [--base-port N] [--netns]
#                 [--route-order status-first|catchall-first]
#   lab.sh down   --dir DIR
#   lab.sh status --dir DIR
#
# See deploy/lab/README.md for what runs where, the lab.env keys, and how
# each test of the report maps to a curl command.
set -euo pipefail

LAB_HOME=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly LAB_HOME
readonly LAB_TEMPLATE_DIR=$LAB_HOME/templates
readonly LAB_FIXTURE_DIR=$LAB_HOME/fixtures

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
readonly DEFAULT_BASE_PORT=18000

lab_usage() {
  cat <<'EOF'
usage: lab.sh up     --dir DIR [--base-port N] [--netns]
                     [--route-order status-first|catchall-first]
       lab.sh down   --dir DIR
       lab.sh status --dir DIR

up      starts the lab in DIR (ports N..N+5 on 127.0.0.1, default N=18000;
        --base-port 0 picks a free range) and writes DIR/lab.env (read the
        ports there); refuses if a lab already runs in DIR.
        --netns also builds a mesh / gateway / external namespace path (root).
down    stops exactly what `up` started in DIR (by pid file) and deletes its
        namespaces; safe to repeat.
status  shows each component; exit 0 all running, 1 partly, 3 not running.
EOF
}

# Parses options into globals; unknown options are an error.
lab_parse_args() {
  LAB_DIR_ARG=""
  BASE_PORT=$DEFAULT_BASE_PORT
  ROUTE_ORDER=status-first
  LAB_MODE=loopback
  while [ "$#" -gt 0 ]; do
    case $1 in
      --dir) [ "$#" -ge 2 ] || lab_die "--dir needs a value"; LAB_DIR_ARG=$2; shift 2 ;;
      --dir=*) LAB_DIR_ARG=${1#--dir=}; shift ;;
      --base-port) [ "$#" -ge 2 ] || lab_die "--base-port needs a value"; BASE_PORT=$2; shift 2 ;;
      --base-port=*) BASE_PORT=${1#--base-port=}; shift ;;
      --route-order) [ "$#" -ge 2 ] || lab_die "--route-order needs a value"; ROUTE_ORDER=$2; shift 2 ;;
      --route-order=*) ROUTE_ORDER=${1#--route-order=}; shift ;;
      --netns) LAB_MODE=netns; shift ;;
      -h | --help) lab_usage; exit 0 ;;
      *) lab_usage >&2; lab_die "unknown option '$1'" ;;
    esac
  done
  case $ROUTE_ORDER in
    status-first | catchall-first) ;;
    *) lab_die "--route-order must be status-first or catchall-first, got '$ROUTE_ORDER'" ;;
  esac
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
  rm -f -- "$LAB_ENV_FILE"
  if [ "$failed" -eq 0 ]; then
    rm -f -- "$STATE_FILE"
  fi
  return "$failed"
}

# Removes what a previous lab in DIR generated (never anything else in DIR),
# so logs and pid files start empty.
lab_clean_generated() {
  rm -rf -- "$CONF_DIR" "$RUN_DIR" "$LOG_DIR" "$ADMIN_DIR" "$CERT_DIR"
  rm -f -- "$LAB_ENV_FILE"
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
  lab_start_nginx ingress
  lab_start_nginx external
  lab_start_nginx egress
  lab_start_nginx envoy-admin
  if [ "$LAB_MODE" = netns ]; then
    lab_start_nginx external-netns "$EXTERNAL_NETNS"
    lab_start_nginx egress-netns "$GATEWAY_NETNS"
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
  lab_ready_egress egress "$LOG_DIR/egress-access.log" "$LOG_DIR/egress-error.log" --cacert "$ca" \
    --resolve "$EXTERNAL_HOST:$EGRESS_PORT:127.0.0.1" "https://$EXTERNAL_HOST:$EGRESS_PORT/get"
  lab_ready_http envoy-admin "$LOG_DIR/envoy-admin-error.log" "http://127.0.0.1:$ENVOY_ADMIN_PORT/ready"
  if [ "$LAB_MODE" = netns ]; then
    # The whole captured path at once: mesh -> dnat -> gateway -> external.
    lab_ready_egress "egress (netns)" "$LOG_DIR/egress-access.log" "$LOG_DIR/egress-netns-error.log" \
      --in-netns "$MESH_NETNS" --cacert "$ca" "https://$EXTERNAL_HOST/get"
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
  lab_log "up ($LAB_MODE, routes $ROUTE_ORDER) in ${elapsed_ms} ms; endpoints in $LAB_ENV_FILE"
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

lab_main() {
  local command_name=${1:-}
  [ "$#" -gt 0 ] && shift
  case $command_name in
    up) lab_cmd_up "$@" ;;
    down) lab_cmd_down "$@" ;;
    status) lab_cmd_status "$@" ;;
    -h | --help | help) lab_usage ;;
    *) lab_usage >&2; exit 2 ;;
  esac
}

lab_main "$@"
