# shellcheck shell=bash
# lab.env: every endpoint, port, CA file and log path of a running lab as
# NAME=value lines. It doubles as a scenario vars file, so: UPPER_SNAKE keys,
# no quotes, no `export`, no comments, and values free of spaces and shell
# metacharacters (the lab dir is checked for that), so `. lab.env` works too.

# Prints the lab.env lines common to both modes.
lab_env_lines_loopback() {
  cat <<EOF2
LAB_DIR=$LAB_DIR
LAB_MODE=$LAB_MODE
ROUTE_ORDER=$ROUTE_ORDER
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
EGRESS_ACCESS_LOG=$LOG_DIR/egress-access.log
EGRESS_ERROR_LOG=$LOG_DIR/egress-error.log
EXTERNAL_HOST=$EXTERNAL_HOST
EXTERNAL_DIRECT_HOST=127.0.0.1
EXTERNAL_DIRECT_PORT=$EXTERNAL_DIRECT_PORT
EXTERNAL_DIRECT_URL=https://$EXTERNAL_HOST:$EXTERNAL_DIRECT_PORT
EXTERNAL_DIRECT_RESOLVE=$EXTERNAL_HOST:$EXTERNAL_DIRECT_PORT:127.0.0.1
EXTERNAL_ACCESS_LOG=$LOG_DIR/external-access.log
UNKNOWN_SNI_HOST=$UNKNOWN_SNI_HOST
ENVOY_ADMIN_HOST=127.0.0.1
ENVOY_ADMIN_PORT=$ENVOY_ADMIN_PORT
ENVOY_ADMIN_URL=http://127.0.0.1:$ENVOY_ADMIN_PORT
EOF2
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
MESH_ENVOY_ADMIN_URL=http://$GATEWAY_MESH_ADDR:$LAB_NETNS_ADMIN_PORT
EOF2
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
  mv -f -- "$tmp" "$LAB_ENV_FILE"
}
