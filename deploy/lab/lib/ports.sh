# shellcheck shell=bash disable=SC2034 # sets globals the other lab files read
# Port layout: the lab uses BASE_PORT .. BASE_PORT+9 on 127.0.0.1.

readonly LAB_PORT_COUNT=10

# Sets the port globals from the base port.
lab_ports_assign() {
  local base=$1
  HTTPBIN_PORT=$base
  INGRESS_HTTP_PORT=$((base + 1))
  INGRESS_HTTPS_PORT=$((base + 2))
  EGRESS_PORT=$((base + 3))
  EXTERNAL_DIRECT_PORT=$((base + 4))
  # The client-side proxy's admin (ENVOY_ADMIN_PORT, kept for older scenarios, is the
  # same) and the egress gateway's admin.
  SIDECAR_ADMIN_PORT=$((base + 5))
  ENVOY_ADMIN_PORT=$SIDECAR_ADMIN_PORT
  GATEWAY_ADMIN_PORT=$((base + 6))
  # The mesh master: the STRICT workload (mTLS), the egress gateway's plain HTTP
  # port (TLS origination) and its ISTIO_MUTUAL listener.
  MESH_WORKLOAD_PORT=$((base + 7))
  ORIGINATION_PORT=$((base + 8))
  GATEWAY_MTLS_PORT=$((base + 9))
}

# Checks the base port is a number that leaves room for the whole range
# (0 means: pick a free range).
lab_ports_validate_base() {
  local base=$1
  case $base in
    '' | *[!0-9]*) lab_die "--base-port must be a number, got '$base'" ;;
  esac
  [ "$base" -eq 0 ] && return 0
  if [ "$base" -lt 1024 ] || [ "$base" -gt $((65535 - LAB_PORT_COUNT + 1)) ]; then
    lab_die "--base-port must be between 1024 and $((65535 - LAB_PORT_COUNT + 1)), got $base"
  fi
}

# Fails with the list of ports already in use (by anyone, on any address),
# so a collision is reported before anything starts rather than as a bind
# error half-way through.
lab_ports_check_free() {
  local base=$1 port busy=()
  for ((port = base; port < base + LAB_PORT_COUNT; port++)); do
    if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
      busy+=("$port")
    fi
  done
  if [ "${#busy[@]}" -gt 0 ]; then
    lab_die "port(s) ${busy[*]} already in use (the lab needs $base-$((base + LAB_PORT_COUNT - 1))); pick another --base-port"
  fi
}

# Succeeds if no socket at all (listening, bound or connected) uses a port
# of the range starting at BASE.
lab_ports_range_unused() {
  local base=$1 port
  for ((port = base; port < base + LAB_PORT_COUNT; port++)); do
    [ -z "$(ss -Htan "sport = :$port" 2>/dev/null)" ] || return 1
  done
}

# Prints the base of a free range for --base-port 0: random starts between
# 20000 and 32000, below the kernel's usual ephemeral range (32768 up), so
# parallel test runs rarely pick the same one. Another process can still
# take a port before nginx binds it: `up` then fails naming it, and the
# caller may simply retry.
lab_ports_pick_free() {
  local tries base
  for ((tries = 0; tries < 100; tries++)); do
    base=$((20000 + (RANDOM % 1200) * 10))
    if lab_ports_range_unused "$base"; then
      printf '%s\n' "$base"
      return 0
    fi
  done
  lab_die "no free range of $LAB_PORT_COUNT ports found for --base-port 0"
}
