# shellcheck shell=bash
# lab.env: every endpoint, port, CA file and log path of a running lab as
# NAME=value lines. It doubles as a scenario vars file, so: UPPER_SNAKE keys,
# no quotes, no `export`, no comments, and values free of spaces and shell
# metacharacters (the lab dir is checked for that), so `. lab.env` works too.

# Prints the lab.env lines common to both modes. The first ones say that
# this is a lab and how it was started, so that results measured with it can
# be marked as lab evidence and never read as a real mesh's.
lab_env_lines_loopback() {
  cat <<EOF2
MESHPROOF_ENVIRONMENT=lab
GATEWAY_LOG_CORRELATE=client_address
LAB_VIEW=host
LAB_DIR=$LAB_DIR
LAB_MODE=$LAB_MODE
ROUTE_ORDER=$ROUTE_ORDER
EGRESS_ROUTE=$EGRESS_ROUTE
OUTBOUND_POLICY=$OUTBOUND_POLICY
BLOCKED_AS=$(lab_env_blocked_as)
LOG_DELAY_MS=$LOG_DELAY_MS
BASE_PORT=$BASE_PORT
LAB_CA_FILE=$CERT_DIR/ca.pem
LAB_CA_KEY_FILE=$CERT_DIR/ca.key
WRONG_CA_FILE=$CERT_DIR/wrong-ca.pem
CLIENT_CERT_FILE=$CERT_DIR/client.pem
CLIENT_KEY_FILE=$CERT_DIR/client.key
HTTPBIN_HOST=127.0.0.1
HTTPBIN_PORT=$HTTPBIN_PORT
HTTPBIN_URL=http://127.0.0.1:$HTTPBIN_PORT
HTTPBIN_ACCESS_LOG=$LOG_DIR/httpbin-access.log
INGRESS_HOST=127.0.0.1
INGRESS_HTTP_PORT=$INGRESS_HTTP_PORT
INGRESS_HTTPS_PORT=$INGRESS_HTTPS_PORT
INGRESS_HTTP_URL=http://127.0.0.1:$INGRESS_HTTP_PORT
INGRESS_HTTPS_URL=https://$ROUTE_HOST:$INGRESS_HTTPS_PORT
INGRESS_HTTPS_RESOLVE=$ROUTE_HOST:$INGRESS_HTTPS_PORT:127.0.0.1
INGRESS_ACCESS_LOG=$LOG_DIR/ingress-access.log
INGRESS_ERROR_LOG=$LOG_DIR/ingress-error.log
ROUTE_HOST=$ROUTE_HOST
UNKNOWN_HOST=$UNKNOWN_HOST
EGRESS_HOST=127.0.0.1
EGRESS_PORT=$EGRESS_PORT
EGRESS_URL=https://$EXTERNAL_HOST:$EGRESS_PORT
EGRESS_RESOLVE=$EXTERNAL_HOST:$EGRESS_PORT:127.0.0.1
EGRESS_ACCESS_LOG=$EGRESS_ACCESS_LOG
EGRESS_LOG_SOURCE=file://$EGRESS_ACCESS_LOG
EGRESS_ERROR_LOG=$LOG_DIR/egress-error.log
EXTERNAL_HOST=$EXTERNAL_HOST
EXTERNAL_DIRECT_HOST=127.0.0.1
EXTERNAL_DIRECT_PORT=$EXTERNAL_DIRECT_PORT
EXTERNAL_DIRECT_URL=https://$EXTERNAL_HOST:$EXTERNAL_DIRECT_PORT
EXTERNAL_DIRECT_RESOLVE=$EXTERNAL_HOST:$EXTERNAL_DIRECT_PORT:127.0.0.1
EXTERNAL_ACCESS_LOG=$LOG_DIR/external-access.log
UNKNOWN_SNI_HOST=$UNKNOWN_SNI_HOST
UNREGISTERED_HOST=$UNREGISTERED_HOST
SIDECAR_ADMIN_HOST=127.0.0.1
SIDECAR_ADMIN_PORT=$SIDECAR_ADMIN_PORT
SIDECAR_ADMIN_URL=http://127.0.0.1:$SIDECAR_ADMIN_PORT
GATEWAY_ADMIN_HOST=127.0.0.1
GATEWAY_ADMIN_PORT=$GATEWAY_ADMIN_PORT
GATEWAY_ADMIN_URL=http://127.0.0.1:$GATEWAY_ADMIN_PORT
GATEWAY_CONFIG_URL=http://127.0.0.1:$GATEWAY_ADMIN_PORT
GATEWAY_READY_URL=http://127.0.0.1:$GATEWAY_ADMIN_PORT/ready
ENVOY_ADMIN_HOST=127.0.0.1
ENVOY_ADMIN_PORT=$ENVOY_ADMIN_PORT
ENVOY_ADMIN_URL=http://127.0.0.1:$ENVOY_ADMIN_PORT
PEER_AUTHENTICATION=$PEER_AUTHENTICATION
AUTHZ_POLICY=$AUTHZ_POLICY
TLS_ORIGINATION=$TLS_ORIGINATION
GATEWAY_MTLS=$GATEWAY_MTLS
MESH_CA_FILE=$CERT_DIR/mesh-ca.pem
MESH_CA_ISSUER=CN=meshproof.lab.mesh.CA
MESH_CLIENT_CERT_FILE=$CERT_DIR/mesh-sleep.pem
MESH_CLIENT_KEY_FILE=$CERT_DIR/mesh-sleep.key
MESH_OTHER_CERT_FILE=$CERT_DIR/mesh-other.pem
MESH_OTHER_KEY_FILE=$CERT_DIR/mesh-other.key
MESH_IMPOSTOR_CERT_FILE=$CERT_DIR/mesh-impostor.pem
MESH_IMPOSTOR_KEY_FILE=$CERT_DIR/mesh-impostor.key
WORKLOAD_HOST=$MESH_WORKLOAD_HOST
WORKLOAD_ADDRESS=127.0.0.1
WORKLOAD_PORT=$MESH_WORKLOAD_PORT
WORKLOAD_URL=https://$MESH_WORKLOAD_HOST:$MESH_WORKLOAD_PORT
WORKLOAD_ACCESS_LOG=$LOG_DIR/workload-access.log
WORKLOAD_LOG_SOURCE=file://$LOG_DIR/workload-access.log
WORKLOAD_CONFIG_URL=http://127.0.0.1:$SIDECAR_ADMIN_PORT/workload
EGRESS_HTTP_HOST=127.0.0.1
EGRESS_HTTP_PORT=$ORIGINATION_PORT
EGRESS_MTLS_HOST=127.0.0.1
EGRESS_MTLS_PORT=$GATEWAY_MTLS_PORT
EGRESS_GATEWAY_NAME=$MESH_GATEWAY_HOST
EOF2
}

# How REGISTRY_ONLY blocks (blackhole or reset); "none" under ALLOW_ANY.
lab_env_blocked_as() {
  if [ "$OUTBOUND_POLICY" = REGISTRY_ONLY ]; then
    printf '%s\n' "$BLOCKED_AS"
  else
    printf 'none\n'
  fi
}

# Prints the extra lines of --netns mode: what an agent started with
# `ip netns exec $MESH_NETNS` sees.
lab_env_lines_netns() {
  cat <<EOF2
MESH_NETNS=$MESH_NETNS
GATEWAY_NETNS=$GATEWAY_NETNS
EXTERNAL_NETNS=$EXTERNAL_NETNS
MESH_ADDR=$MESH_ADDR
MESH_EGRESS_HOST=$GATEWAY_MESH_ADDR
MESH_EGRESS_PORT=$LAB_NETNS_GATEWAY_PORT
MESH_EXTERNAL_ADDR=$EXTERNAL_ADDR
MESH_EXTERNAL_URL=https://$EXTERNAL_HOST
EXTERNAL_BYPASS_URL=https://$EXTERNAL_HOST:$EXTERNAL_DIRECT_PORT
MESH_DIRECT_HOST=$DIRECT_ADDR
MESH_DIRECT_PORT=$EXTERNAL_DIRECT_PORT
MESH_SIDECAR_ADMIN_URL=http://127.0.0.1:$LAB_NETNS_ADMIN_PORT
MESH_GATEWAY_ADMIN_URL=http://$GATEWAY_MESH_ADDR:$LAB_NETNS_ADMIN_PORT
MESH_ENVOY_ADMIN_URL=http://127.0.0.1:$LAB_NETNS_ADMIN_PORT
MESH_ENV_FILE=$MESH_ENV_FILE
EOF2
}

# Prints mesh.env: the lab.env keys a scenario uses, with the values an agent
# started with `ip netns exec $MESH_NETNS` must use. The ingress, httpbin and
# mesh-master keys are left out: the host's loopback is not reachable from the mesh.
lab_env_lines_mesh() {
  local line key
  local -A mesh=(
    [LAB_VIEW]=mesh
    [EGRESS_HOST]=$GATEWAY_MESH_ADDR
    [EGRESS_PORT]=$LAB_NETNS_GATEWAY_PORT
    [EGRESS_URL]=https://$EXTERNAL_HOST:$LAB_NETNS_GATEWAY_PORT
    [EGRESS_RESOLVE]=$EXTERNAL_HOST:$LAB_NETNS_GATEWAY_PORT:$GATEWAY_MESH_ADDR
    [EXTERNAL_DIRECT_HOST]=$DIRECT_ADDR
    [EXTERNAL_DIRECT_RESOLVE]=$EXTERNAL_HOST:$EXTERNAL_DIRECT_PORT:$DIRECT_ADDR
    [SIDECAR_ADMIN_HOST]=127.0.0.1
    [SIDECAR_ADMIN_PORT]=$LAB_NETNS_ADMIN_PORT
    [SIDECAR_ADMIN_URL]=http://127.0.0.1:$LAB_NETNS_ADMIN_PORT
    [GATEWAY_ADMIN_HOST]=$GATEWAY_MESH_ADDR
    [GATEWAY_ADMIN_PORT]=$LAB_NETNS_ADMIN_PORT
    [GATEWAY_ADMIN_URL]=http://$GATEWAY_MESH_ADDR:$LAB_NETNS_ADMIN_PORT
    [GATEWAY_CONFIG_URL]=http://$GATEWAY_MESH_ADDR:$LAB_NETNS_ADMIN_PORT
    [GATEWAY_READY_URL]=http://$GATEWAY_MESH_ADDR:$LAB_NETNS_ADMIN_PORT/ready
    [ENVOY_ADMIN_HOST]=127.0.0.1
    [ENVOY_ADMIN_PORT]=$LAB_NETNS_ADMIN_PORT
    [ENVOY_ADMIN_URL]=http://127.0.0.1:$LAB_NETNS_ADMIN_PORT
  )
  while IFS= read -r line; do
    key=${line%%=*}
    case $key in
      HTTPBIN_* | INGRESS_* | ROUTE_HOST | UNKNOWN_HOST) continue ;;
      # The mesh master (STRICT workload, origination, ISTIO_MUTUAL) is loopback only.
      WORKLOAD_* | EGRESS_HTTP_* | EGRESS_MTLS_* | EGRESS_GATEWAY_NAME) continue ;;
    esac
    if [ -n "${mesh[$key]+set}" ]; then
      printf '%s=%s\n' "$key" "${mesh[$key]}"
    else
      printf '%s\n' "$line"
    fi
  done < <(lab_env_lines_loopback; lab_env_lines_netns)
}

# Writes DIR/lab.env atomically, last thing in `up`: its presence means the
# lab came up completely.
lab_env_write() {
  local tmp=$LAB_ENV_FILE.tmp
  {
    lab_env_lines_loopback
    if [ "$LAB_MODE" = netns ]; then
      lab_env_lines_netns
    fi
  } >"$tmp"
  if [ "$LAB_MODE" = netns ]; then
    # Before lab.env: lab.env's presence means everything is written.
    lab_env_lines_mesh >"$MESH_ENV_FILE.tmp"
    mv -f -- "$MESH_ENV_FILE.tmp" "$MESH_ENV_FILE"
  fi
  mv -f -- "$tmp" "$LAB_ENV_FILE"
}
