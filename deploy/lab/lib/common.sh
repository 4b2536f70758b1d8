# shellcheck shell=bash disable=SC2034 # sets globals the other lab files read
# Shared helpers for lab.sh: messages, the lab's folder layout, bounded waits.
# Sourced by lab.sh; every function here is free of side effects on the lab
# except the ones whose names say so.

# Prints a progress line on stderr, so stdout stays clean for callers.
lab_log() {
  printf 'lab: %s\n' "$*" >&2 || true
}

# Prints an error and exits non-zero. Used for usage and precondition errors.
lab_die() {
  printf 'lab: error: %s\n' "$*" >&2
  exit 1
}

# Sets the global paths of one lab from its folder. Everything the lab writes
# lives under these folders, so `down` and a new `up` know what is theirs.
lab_set_paths() {
  LAB_DIR=$1
  CERT_DIR=$LAB_DIR/certs
  CONF_DIR=$LAB_DIR/conf
  RUN_DIR=$LAB_DIR/run
  LOG_DIR=$LAB_DIR/logs
  ADMIN_DIR=$LAB_DIR/envoy-admin
  LAB_ENV_FILE=$LAB_DIR/lab.env
  # The same keys as seen from inside the mesh namespace (--netns only).
  MESH_ENV_FILE=$LAB_DIR/mesh.env
  EGRESS_ACCESS_LOG=$LOG_DIR/egress-access.log
  # With --log-delay the gateways write here and the relay copies to the log.
  EGRESS_RAW_LOG=$RUN_DIR/egress-access.undelayed.log
  # One line per process or namespace the lab created, in start order:
  # "proc NAME PIDFILE" or "netns NAME" or "etcnetns PATH".
  STATE_FILE=$RUN_DIR/state
}

# Resolves DIR to an absolute path and checks it is safe to write unquoted
# into nginx configs and lab.env (which is read as NAME=value lines with no
# quoting), and short enough for the unix sockets under DIR/run.
lab_resolve_dir() {
  local dir=$1 abs
  [ -n "$dir" ] || lab_die "--dir DIR is required"
  abs=$(realpath -m -- "$dir")
  case $abs in
    *[!A-Za-z0-9._/+-]*) lab_die "lab dir '$abs' may only contain letters, digits and . _ / + -" ;;
  esac
  # sun_path holds 108 bytes; the longest socket is run/egress-netns-blackhole.sock.
  if [ "${#abs}" -gt 70 ]; then
    lab_die "lab dir '$abs' is too long (${#abs} chars, max 70) for its unix sockets"
  fi
  printf '%s\n' "$abs"
}

# Polls a command until it succeeds or the deadline passes. Returns the
# command's last status. The interval is short because components come up in
# milliseconds; the deadline keeps a broken component from hanging `up`.
lab_wait_until() {
  local timeout_s=$1; shift
  local deadline=$(( $(lab_now_us) + timeout_s * 1000000 ))
  until "$@"; do
    if [ "$(lab_now_us)" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.02
  done
}

# Prints the wall clock in microseconds (bash 5's EPOCHREALTIME, no fork).
lab_now_us() {
  local now=${EPOCHREALTIME/[.,]/}
  printf '%s\n' "$((10#$now))"
}

# Prints the last lines of a log file, indented, for failure messages.
lab_show_log_tail() {
  local file=$1
  if [ -s "$file" ]; then
    printf 'lab: --- last lines of %s ---\n' "$file" >&2
    tail -n 15 -- "$file" | sed 's/^/lab:   /' >&2 || true
  else
    printf 'lab: (%s is empty or missing)\n' "$file" >&2
  fi
}

# Records something the lab created, so `down` undoes exactly that.
lab_state_add() {
  printf '%s\n' "$*" >>"$STATE_FILE"
}
