# shellcheck shell=bash
# Starting and stopping the lab's daemons. Every daemon writes its own pid
# file under DIR/run; stopping goes by that pid and only after checking the
# process is still this lab's (its command line names the lab folder), so a
# stale pid file can never make `down` signal somebody else's process.

# The lock on DIR is held on this descriptor (set when taken); daemons must not inherit it or
# they would hold the lock for their whole life.
LAB_LOCK_FD=9

# Prints the pid recorded in PIDFILE, or fails if there is none.
lab_proc_read_pid() {
  local pidfile=$1 pid
  [ -s "$pidfile" ] || return 1
  read -r pid <"$pidfile" || true
  case $pid in
    '' | *[!0-9]*) return 1 ;;
  esac
  printf '%s\n' "$pid"
}

# Succeeds if PID is alive and was started by this lab. A zombie has an
# empty command line, so it counts as gone.
lab_proc_is_ours() {
  local pid=$1 cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$LAB_DIR/"* ]]
}

# Succeeds if the process recorded in PIDFILE is running and ours.
lab_proc_running() {
  local pid
  pid=$(lab_proc_read_pid "$1") || return 1
  lab_proc_is_ours "$pid"
}

lab_proc_gone() {
  ! lab_proc_is_ours "$1"
}

# Prints the pids of PID's children (nginx or gunicorn workers), from /proc
# so that procps is not needed.
lab_proc_children() {
  cat "/proc/$1"/task/*/children 2>/dev/null || true
}

# Sends SIGNAL to PID only if it is still ours (no-op otherwise).
lab_proc_signal() {
  local signal=$1 pid=$2
  if lab_proc_is_ours "$pid"; then
    kill "-$signal" "$pid" 2>/dev/null || true
  fi
}

# Stops the daemon recorded in PIDFILE: GRACEFUL signal first, then TERM,
# then KILL for the master and the children it had. Succeeds when it is gone
# or was not running.
lab_proc_stop() {
  local name=$1 pidfile=$2 graceful=$3 pid children child
  # A daemon writes its pid file just after it forks away from us. If `up`
  # was interrupted right then, the file is still to come: give it a moment,
  # unless the start command itself failed (then there is no daemon).
  if [ ! -e "$pidfile.failed" ]; then
    lab_wait_until 1 test -s "$pidfile" || true
  fi
  if ! pid=$(lab_proc_read_pid "$pidfile"); then
    return 0
  fi
  if ! lab_proc_is_ours "$pid"; then
    lab_log "$name: pid $pid is gone or not this lab's; nothing to stop"
    rm -f -- "$pidfile"
    return 0
  fi
  # Workers only: they lose their parent if the master has to be killed.
  children=$(lab_proc_children "$pid")
  lab_proc_signal "$graceful" "$pid"
  if ! lab_wait_until 5 lab_proc_gone "$pid"; then
    lab_log "$name: still running 5 s after SIG$graceful; sending TERM"
    lab_proc_signal TERM "$pid"
    if ! lab_wait_until 2 lab_proc_gone "$pid"; then
      lab_log "$name: still running; sending KILL"
      lab_proc_signal KILL "$pid"
      for child in $children; do
        kill -KILL "$child" 2>/dev/null || true
      done
      lab_wait_until 2 lab_proc_gone "$pid" || {
        lab_log "$name: pid $pid did not exit"
        return 1
      }
    fi
  fi
  rm -f -- "$pidfile" "$pidfile.failed"
  lab_log "$name: stopped (pid $pid)"
}

# Prints the first nginx [emerg] message of FILE (the cause; later ones are
# retries), or its first line.
lab_first_error() {
  local file=$1 line
  line=$(grep -m1 -o '\[emerg\].*' "$file" || head -n 1 "$file")
  printf '%s\n' "${line#\[emerg\] }"
}

# Starts an nginx master NAME with CONF_DIR/NAME.conf, in network namespace
# NETNS if given, and waits for its pid file. Start-up errors (bad config,
# port taken) are shown with the error log.
lab_start_nginx() {
  local name=$1 netns=${2:-}
  local conf=$CONF_DIR/$name.conf pidfile=$RUN_DIR/$name.pid
  local errlog=$LOG_DIR/$name-error.log out=$RUN_DIR/$name.start.out
  local cmd=(/usr/sbin/nginx -p "$RUN_DIR/$name/" -c "$conf" -e "$errlog")
  if [ -n "$netns" ]; then
    cmd=(ip netns exec "$netns" "${cmd[@]}")
  fi
  lab_state_add proc "$name" "$pidfile" QUIT
  # Output to a file, not a pipe: a daemon keeping a pipe open would hang us.
  if ! "${cmd[@]}" >"$out" 2>&1 {LAB_LOCK_FD}>&-; then
    : >"$pidfile.failed"
    lab_log "$name: nginx failed to start: $(lab_first_error "$out")"
    lab_show_log_tail "$errlog"
    return 1
  fi
  if ! lab_wait_until 2 test -s "$pidfile"; then
    lab_log "$name: nginx wrote no pid file"
    lab_show_log_tail "$errlog"
    return 1
  fi
}

# Starts httpbin under Debian's gunicorn. /usr/bin/gunicorn runs
# /usr/bin/python3, which has python3-httpbin; a python3 found on PATH may
# not. Python variables from the caller's environment are dropped for the
# same reason. It also listens on a unix socket so that servers inside the
# lab's network namespaces can reach it without a route to the host.
lab_start_httpbin() {
  local pidfile=$RUN_DIR/httpbin.pid errlog=$LOG_DIR/httpbin-error.log
  lab_state_add proc httpbin "$pidfile" TERM
  if ! env -u PYTHONPATH -u PYTHONHOME -u PYTHONSTARTUP -u PYTHONUSERBASE \
    /usr/bin/gunicorn --daemon --pid "$pidfile" \
    --name "meshproof-lab-httpbin:$LAB_DIR/" \
    --bind "127.0.0.1:$HTTPBIN_PORT" --bind "unix:$RUN_DIR/httpbin.sock" \
    --workers 2 --threads 4 --graceful-timeout 3 --chdir "$RUN_DIR" \
    --access-logfile "$LOG_DIR/httpbin-access.log" --error-logfile "$errlog" \
    httpbin:app >"$RUN_DIR/httpbin.start.out" 2>&1 {LAB_LOCK_FD}>&-; then
    : >"$pidfile.failed"
    lab_log "httpbin: gunicorn failed to start: $(tr '\n' ' ' <"$RUN_DIR/httpbin.start.out")"
    lab_show_log_tail "$errlog"
    return 1
  fi
}

# Starts the access-log relay of --log-delay: the egress masters write
# EGRESS_RAW_LOG and the relay appends each line to EGRESS_ACCESS_LOG
# LOG_DELAY_MS later (lib/log_relay.py). Started before the gateways so no
# line is written before it follows the file.
lab_start_log_relay() {
  local pidfile=$RUN_DIR/egress-log-relay.pid errlog=$LOG_DIR/egress-log-relay-error.log
  : >"$EGRESS_RAW_LOG"
  lab_state_add proc egress-log-relay "$pidfile" TERM
  # setsid + nohup-like redirections: the relay outlives lab.sh and holds no
  # descriptor of ours (the lock above all).
  setsid /usr/bin/python3 "$LAB_HOME/lib/log_relay.py" --in "$EGRESS_RAW_LOG" \
    --out "$EGRESS_ACCESS_LOG" --delay-ms "$LOG_DELAY_MS" --pid-file "$pidfile" \
    </dev/null >"$errlog" 2>&1 {LAB_LOCK_FD}>&- &
  if ! lab_wait_until 2 test -s "$pidfile"; then
    : >"$pidfile.failed"
    lab_log "egress-log-relay: did not start"
    lab_show_log_tail "$errlog"
    return 1
  fi
}
