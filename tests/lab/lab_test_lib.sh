# shellcheck shell=bash
# Shared by the lab's shell tests (lab_smoke_test.sh, lab_options_test.sh):
# check reporting, bounded waits, lab.env loading, curl wrappers, access-log
# counting, and bringing labs up and down on free ports with cleanup on exit.
# Sourced; sets REPO, LAB, WORK and the counters the reports use.

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
LAB=$REPO/deploy/lab/lab.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lab-test.XXXXXX")
FAILURES=0
CHECKS=0
LAB_DIRS=()
HELPER_PIDS=()

# ---------------------------------------------------------------- reporting

pass() {
  CHECKS=$((CHECKS + 1))
  printf 'ok    %s\n' "$*"
}

fail() {
  CHECKS=$((CHECKS + 1))
  FAILURES=$((FAILURES + 1))
  printf 'FAIL  %s\n' "$*" >&2
}

skip() {
  printf 'SKIP  %s\n' "$*"
}

# Stops every lab this test started and the helpers it ran, by their pids.
cleanup() {
  local dir pid
  for pid in "${HELPER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for dir in "${LAB_DIRS[@]}"; do
    "$LAB" down --dir "$dir" >/dev/null 2>&1 || true
  done
  rm -rf -- "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- helpers

now_ms() {
  local now=${EPOCHREALTIME/[.,]/}
  echo $((10#$now / 1000))
}

# Polls COMMAND for up to SECONDS; succeeds as soon as it does.
wait_for() {
  local seconds=$1; shift
  local deadline=$(($(now_ms) + seconds * 1000))
  until "$@"; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# Prints a free base port: 10 consecutive ports no socket uses, tried from a
# random start below the ephemeral range so parallel runs rarely collide.
find_free_base() {
  local tries base port busy
  for ((tries = 0; tries < 50; tries++)); do
    base=$((20000 + (RANDOM % 1200) * 10))
    busy=0
    for ((port = base; port < base + 10; port++)); do
      if [ -n "$(ss -Htan "sport = :$port" 2>/dev/null)" ]; then
        busy=1
        break
      fi
    done
    if [ "$busy" -eq 0 ]; then
      echo "$base"
      return 0
    fi
  done
  echo "no free port range found" >&2
  return 1
}

# Reads KEY from a lab.env file (without sourcing it).
env_get() {
  local file=$1 key=$2 line
  while IFS= read -r line; do
    if [ "${line%%=*}" = "$key" ]; then
      printf '%s\n' "${line#*=}"
      return 0
    fi
  done <"$file"
  return 1
}

# Loads every key of a lab.env file into variables named PREFIX_KEY.
load_env() {
  local file=$1 prefix=$2 line
  while IFS= read -r line; do
    printf -v "${prefix}_${line%%=*}" '%s' "${line#*=}"
  done <"$file"
}

# Runs curl (optionally inside namespace NS given as --in NS) and sets
# CURL_CODE (http_code) and CURL_EXIT; response headers go to $WORK/headers.
run_curl() {
  local wrap=()
  if [ "${1:-}" = --in ]; then
    wrap=(ip netns exec "$2")
    shift 2
  fi
  : >"$WORK/headers"
  CURL_EXIT=0
  CURL_CODE=$("${wrap[@]}" curl -s -o "$WORK/body" -D "$WORK/headers" \
    -w '%{http_code}' --max-time 5 "$@") || CURL_EXIT=$?
}

# Checks a curl call gives http_code WANT_CODE and exit status WANT_EXIT.
expect_curl() {
  local name=$1 want_code=$2 want_exit=$3; shift 3
  run_curl "$@"
  if [ "$CURL_CODE" = "$want_code" ] && [ "$CURL_EXIT" = "$want_exit" ]; then
    pass "$name: http_code $CURL_CODE, curl exit $CURL_EXIT"
  else
    fail "$name: want http_code $want_code and curl exit $want_exit, got $CURL_CODE and exit $CURL_EXIT (curl $*)"
  fi
}

# Checks the last response carried header NAME with VALUE.
expect_header() {
  local name=$1 header=$2 value=$3
  if grep -qi "^$header: $value"$'\r'"\?$" "$WORK/headers"; then
    pass "$name: $header: $value"
  else
    fail "$name: want header '$header: $value', got: $(tr -d '\r' <"$WORK/headers" | grep -i "^$header:" || echo none)"
  fi
}

# Checks that TEXT (an answer named NAME) contains the fixed string WANT.
expect_has() {
  local name=$1 text=$2 want=$3
  if grep -qF -- "$want" <<<"$text"; then
    pass "$name has $want"
  else
    fail "$name lacks $want"
  fi
}

# Checks that TEXT (an answer named NAME) does not contain the fixed string NOT.
expect_lacks() {
  local name=$1 text=$2 not=$3
  if grep -qF -- "$not" <<<"$text"; then
    fail "$name has $not, which it must not"
  else
    pass "$name lacks $not"
  fi
}

line_count() {
  if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# Prints the lines of FILE after line MARK that contain the fixed string PATTERN.
new_lines_matching() {
  local file=$1 mark=$2 pattern=$3
  tail -n "+$((mark + 1))" "$file" | grep -F -- "$pattern" || true
}

has_new_line() {
  [ -n "$(new_lines_matching "$@")" ]
}

# Waits (2 s at most) for a new line in the egress log with PATTERN.
wait_new_line() {
  wait_for 2 has_new_line "$@"
}

# A barrier for the gateway's access log: a call with an unknown SNI is
# black-holed and logged. Lines are written in the order connections close,
# so once this line is there, any line of an earlier call is there too, and
# "no new line" can be asserted without sleeping. Optional --in NS.
egress_barrier() {
  local log=$1; shift
  local mark
  mark=$(line_count "$log")
  run_curl "$@"
  wait_new_line "$log" "$mark" BlackHoleCluster
}

# Pids of the daemons recorded in a lab's pid files, and their children.
lab_pids() {
  local dir=$1 pidfile pid
  for pidfile in "$dir"/run/*.pid; do
    [ -s "$pidfile" ] || continue
    read -r pid <"$pidfile"
    echo "$pid"
    cat "/proc/$pid"/task/*/children 2>/dev/null | tr ' ' '\n' | grep . || true
  done
}

# Pids of live (not zombie) processes whose command line names DIR.
live_pids_naming() {
  local dir=$1 proc pid state
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [ "$pid" = "$$" ] && continue
    if tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -qF -- "$dir/"; then
      state=$(awk '{print $3}' "$proc/stat" 2>/dev/null || echo X)
      [ "$state" = Z ] || [ "$state" = X ] || echo "$pid"
    fi
  done
}

# Succeeds if none of the given pids is a live process. The machine's init
# may not reap orphans, so a zombie counts as gone: it holds no port or file.
all_gone() {
  local pid state
  for pid in "$@"; do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo X)
    if [ "$state" != Z ] && [ "$state" != X ]; then
      return 1
    fi
  done
}

# Brings a lab up in DIR with ARGS on a free port range, timing it: BASE is
# "pick" (this test picks the range) or 0 (lab.sh picks). Another test may
# grab a port between the pick and nginx's bind: then up fails saying "in
# use", and it is retried on another range. Any other failure ends the test.
lab_up() {
  local dir=$1 base=$2; shift 2
  local started attempt port
  LAB_DIRS+=("$dir")
  for attempt in 1 2 3; do
    port=$base
    [ "$base" = pick ] && port=$(find_free_base)
    started=$(now_ms)
    if "$LAB" up --dir "$dir" --base-port "$port" "$@" 2>"$WORK/up.err"; then
      pass "lab up --base-port $port${*:+ $*} in $(($(now_ms) - started)) ms"
      return 0
    fi
    grep -q "in use" "$WORK/up.err" || break
    echo "note: attempt $attempt: a port was taken meanwhile; retrying" >&2
  done
  cat "$WORK/up.err" >&2
  fail "lab up --dir $dir $*"
  exit 1
}

# Takes a lab down and checks nothing of it is left: processes from its pid
# files (masters and workers), namespaces from its lab.env, lab.env itself.
lab_down_and_check() {
  local dir=$1 pids netns=() ns
  mapfile -t pids < <(lab_pids "$dir")
  if [ -f "$dir/lab.env" ]; then
    for ns in MESH_NETNS GATEWAY_NETNS EXTERNAL_NETNS; do
      netns+=("$(env_get "$dir/lab.env" "$ns" || true)")
    done
  fi
  if "$LAB" down --dir "$dir" >"$WORK/down.out" 2>&1; then
    pass "lab down --dir $dir"
  else
    cat "$WORK/down.out" >&2
    fail "lab down --dir $dir"
  fi
  if all_gone "${pids[@]}"; then
    pass "down: all ${#pids[@]} recorded processes are gone"
  else
    fail "down: processes still alive: $(for p in "${pids[@]}"; do all_gone "$p" || printf '%s ' "$p"; done)"
  fi
  for ns in "${netns[@]}"; do
    [ -n "$ns" ] || continue
    if [ -e "/run/netns/$ns" ] || [ -e "/etc/netns/$ns" ]; then
      fail "down: namespace $ns (or /etc/netns/$ns) still there"
    else
      pass "down: namespace $ns removed"
    fi
  done
  if [ -e "$dir/lab.env" ]; then
    fail "down: $dir/lab.env still there"
  fi
  if "$LAB" down --dir "$dir" >/dev/null 2>&1; then
    pass "down again is a no-op"
  else
    fail "second down --dir $dir failed"
  fi
}

netns_usable() {
  [ "$(id -u)" -eq 0 ] && command -v nft >/dev/null && ip netns list >/dev/null 2>&1
}

# Prints the summary line and exits 1 if any check failed.
finish() {
  if [ "$FAILURES" -eq 0 ]; then
    echo "PASS: $CHECKS checks"
  else
    echo "FAILED: $FAILURES of $CHECKS checks" >&2
    exit 1
  fi
}
