# shellcheck shell=bash
# Renders the nginx configurations of the lab's components from
# deploy/lab/templates into DIR/conf. All paths written are absolute: nginx
# resolves a relative ssl_certificate against the config's folder, not -p.

# Prints the main-context directives for a master. The stream module is a
# dynamic module in Debian's nginx. As root, workers would run as "nobody",
# which cannot enter a private lab folder (mktemp -d is mode 700) to reach the
# unix sockets: keep them as root. As non-root the directive is not needed.
lab_conf_main_directives() {
  local with_stream=$1
  if [ "$with_stream" = yes ]; then
    printf 'load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n'
    # njs computes each session's start time for the access log (lib/start_time.js).
    printf 'load_module /usr/lib/nginx/modules/ngx_stream_js_module.so;\n'
  fi
  if [ "$(id -u)" -eq 0 ]; then
    printf 'user root;\n'
  fi
}

# Writes CONF_DIR/NAME.conf: the main file of master NAME including the
# given block files (one `http` and/or one `stream` block).
lab_conf_master() {
  local name=$1 with_stream=$2; shift 2
  local blocks="" block
  for block in "$@"; do
    blocks+="include $block;"$'\n'
  done
  mkdir -p "$RUN_DIR/$name/tmp"
  lab_render "$LAB_TEMPLATE_DIR/nginx-main.conf.tmpl" "$CONF_DIR/$name.conf" \
    "COMPONENT=$name" \
    "MAIN_DIRECTIVES=$(lab_conf_main_directives "$with_stream")" \
    "PID_FILE=$RUN_DIR/$name.pid" \
    "ERROR_LOG=$LOG_DIR/$name-error.log" \
    "BLOCKS=${blocks%$'\n'}"
}

# Writes the route list in ORDER (status-first or catchall-first).
lab_conf_routes() {
  local order=$1 first second
  case $order in
    status-first) first=status second=catchall ;;
    catchall-first) first=catchall second=status ;;
    *) lab_die "unknown route order '$order'" ;;
  esac
  {
    cat "$LAB_TEMPLATE_DIR/route-$first.conf.tmpl"
    echo
    cat "$LAB_TEMPLATE_DIR/route-$second.conf.tmpl"
  } >"$CONF_DIR/ingress-routes.conf"
}

lab_conf_ingress() {
  lab_conf_routes "$ROUTE_ORDER"
  lab_render "$LAB_TEMPLATE_DIR/ingress-http.conf.tmpl" "$CONF_DIR/ingress-http.conf" \
    "TMP_DIR=$RUN_DIR/ingress/tmp" \
    "HTTPBIN_PORT=$HTTPBIN_PORT" \
    "INGRESS_HTTP_PORT=$INGRESS_HTTP_PORT" \
    "INGRESS_HTTPS_PORT=$INGRESS_HTTPS_PORT" \
    "INGRESS_ACCESS_LOG=$LOG_DIR/ingress-access.log" \
    "ROUTE_HOST=$ROUTE_HOST" \
    "INGRESS_CERT_FILE=$CERT_DIR/ingress.pem" \
    "INGRESS_KEY_FILE=$CERT_DIR/ingress.key" \
    "ROUTES_FILE=$CONF_DIR/ingress-routes.conf"
  lab_conf_master ingress no "$CONF_DIR/ingress-http.conf"
}

# Prints the SNI map lines of the egress route for map MAP (upstream or
# cluster) to UPSTREAM, or a comment when --egress-route absent removed it.
lab_conf_egress_routes() {
  local map=$1 upstream=$2
  if [ "$EGRESS_ROUTE" = absent ]; then
    printf '        # no route: the lab was started with --egress-route absent\n'
  elif [ "$map" = upstream ]; then
    printf '        %s %s;\n' "$EXTERNAL_HOST" "$upstream"
  else
    printf '        %s "outbound|443||%s";\n' "$EXTERNAL_HOST" "$EXTERNAL_HOST"
  fi
}

# The file the egress masters write their access log to: the log itself, or
# with --log-delay the relay's input (the relay appends each line to the log
# late).
lab_conf_egress_log_target() {
  if [ "$LOG_DELAY_MS" -gt 0 ]; then
    printf '%s\n' "$EGRESS_RAW_LOG"
  else
    printf '%s\n' "$EGRESS_ACCESS_LOG"
  fi
}

# Egress gateway master NAME listening on LISTEN and passing external.test
# through to UPSTREAM. Both egress masters share one access log: it is one
# gateway, reached on loopback or from the mesh namespace.
lab_conf_egress_stream() {
  local name=$1 listen=$2 upstream=$3
  lab_render "$LAB_TEMPLATE_DIR/egress-stream.conf.tmpl" "$CONF_DIR/$name-stream.conf" \
    "EGRESS_ROUTE=$EGRESS_ROUTE" \
    "UPSTREAM_ROUTES=$(lab_conf_egress_routes upstream "$upstream")" \
    "CLUSTER_ROUTES=$(lab_conf_egress_routes cluster "$upstream")" \
    "BLACKHOLE_SOCKET=$RUN_DIR/$name-blackhole.sock" \
    "EGRESS_LISTEN=$listen" \
    "START_TIME_JS=$LAB_HOME/lib/start_time.js" \
    "EGRESS_ACCESS_LOG=$(lab_conf_egress_log_target)"
}

# Writes one proxy's admin answers into ADMIN_DIR/VIEW from the same values
# that render the gateways (lib/envoy_admin.py; templates/envoy-admin/).
# ROLE is sidecar or gateway; EXTERNAL and GATEWAY are the IP:PORT the proxy
# sees for the external service and the gateway's listener; NODE_IP is its own.
lab_conf_admin_answers() {
  local view=$1 role=$2 external=$3 gateway=$4 node_ip=$5
  /usr/bin/python3 "$LAB_HOME/lib/envoy_admin.py" --role "$role" \
    --templates "$LAB_TEMPLATE_DIR/envoy-admin" --out "$ADMIN_DIR/$view" \
    --external-host "$EXTERNAL_HOST" --external-endpoint "$external" \
    --gateway-endpoint "$gateway" --gateway-port "$LAB_NETNS_GATEWAY_PORT" \
    --egress-route "$EGRESS_ROUTE" --node-ip "$node_ip" ||
    lab_die "could not generate the $view admin answers"
}

# Admin endpoint serving ADMIN_DIR/VIEW on LISTEN, as http block file
# NAME-admin.conf for master NAME.
lab_conf_admin_http() {
  local name=$1 listen=$2 view=$3
  lab_render "$LAB_TEMPLATE_DIR/envoy-admin-http.conf.tmpl" "$CONF_DIR/$name-admin.conf" \
    "ADMIN_ROLE=$view" \
    "TMP_DIR=$RUN_DIR/$name/tmp" \
    "ADMIN_LISTEN=$listen" \
    "ADMIN_ANSWERS_DIR=$ADMIN_DIR/$view"
}

# External HTTPS server master NAME with the given listen addresses (one per
# argument) in front of httpbin at UPSTREAM.
lab_conf_external() {
  local name=$1 upstream=$2; shift 2
  local listens="" addr
  for addr in "$@"; do
    listens+="        listen $addr ssl http2;"$'\n'
  done
  lab_render "$LAB_TEMPLATE_DIR/external-http.conf.tmpl" "$CONF_DIR/$name-http.conf" \
    "TMP_DIR=$RUN_DIR/$name/tmp" \
    "HTTPBIN_UPSTREAM=$upstream" \
    "EXTERNAL_LISTENS=${listens%$'\n'}" \
    "EXTERNAL_HOST=$EXTERNAL_HOST" \
    "UNREGISTERED_HOST=$UNREGISTERED_HOST" \
    "UNREGISTERED_CERT_FILE=$CERT_DIR/unregistered.pem" \
    "UNREGISTERED_KEY_FILE=$CERT_DIR/unregistered.key" \
    "EXTERNAL_CERT_FILE=$CERT_DIR/external.pem" \
    "EXTERNAL_KEY_FILE=$CERT_DIR/external.key" \
    "EXTERNAL_ACCESS_LOG=$LOG_DIR/external-access.log"
  lab_conf_master "$name" no "$CONF_DIR/$name-http.conf"
}

# Renders every configuration of the loopback lab.
lab_conf_loopback() {
  lab_conf_ingress
  lab_conf_egress_stream egress "127.0.0.1:$EGRESS_PORT" "127.0.0.1:$EXTERNAL_DIRECT_PORT"
  lab_conf_master egress yes "$CONF_DIR/egress-stream.conf"
  lab_conf_external external "127.0.0.1:$HTTPBIN_PORT" "127.0.0.1:$EXTERNAL_DIRECT_PORT"
  lab_conf_admin_answers sidecar sidecar "127.0.0.1:$EXTERNAL_DIRECT_PORT" "127.0.0.1:$EGRESS_PORT" 127.0.0.1
  lab_conf_admin_answers gateway gateway "127.0.0.1:$EXTERNAL_DIRECT_PORT" "127.0.0.1:$EGRESS_PORT" 127.0.0.1
  lab_conf_admin_http sidecar-admin "127.0.0.1:$SIDECAR_ADMIN_PORT" sidecar
  lab_conf_master sidecar-admin no "$CONF_DIR/sidecar-admin-admin.conf"
  lab_conf_admin_http gateway-admin "127.0.0.1:$GATEWAY_ADMIN_PORT" gateway
  lab_conf_master gateway-admin no "$CONF_DIR/gateway-admin-admin.conf"
}

# Renders the three extra masters of --netns mode: the egress gateway in the
# gateway namespace (with its admin on :15000, where a mesh agent can reach
# it), the external server in the external namespace (also on the direct
# link's address, the unregistered destination), and the mesh's sidecar: its
# admin on the mesh's 127.0.0.1:15000 and, for REGISTRY_ONLY, the black hole
# on 127.0.0.1:15001 that unregistered connections are redirected to.
lab_conf_netns() {
  lab_conf_egress_stream egress-netns "0.0.0.0:$LAB_NETNS_GATEWAY_PORT" "$EXTERNAL_ADDR:443"
  lab_conf_admin_answers mesh-gateway gateway "$EXTERNAL_ADDR:443" "$GATEWAY_MESH_ADDR:$LAB_NETNS_GATEWAY_PORT" "$GATEWAY_MESH_ADDR"
  lab_conf_admin_http egress-netns "0.0.0.0:$LAB_NETNS_ADMIN_PORT" mesh-gateway
  lab_conf_master egress-netns yes "$CONF_DIR/egress-netns-stream.conf" "$CONF_DIR/egress-netns-admin.conf"
  lab_conf_external external-netns "unix:$RUN_DIR/httpbin.sock" \
    "$EXTERNAL_ADDR:443" "$EXTERNAL_ADDR:$EXTERNAL_DIRECT_PORT" "$DIRECT_ADDR:$EXTERNAL_DIRECT_PORT"
  lab_conf_admin_answers mesh-sidecar sidecar "$EXTERNAL_ADDR:443" "$GATEWAY_MESH_ADDR:$LAB_NETNS_GATEWAY_PORT" "$MESH_ADDR"
  lab_conf_admin_http sidecar-netns "127.0.0.1:$LAB_NETNS_ADMIN_PORT" mesh-sidecar
  lab_render "$LAB_TEMPLATE_DIR/sidecar-blackhole-stream.conf.tmpl" "$CONF_DIR/sidecar-netns-stream.conf" \
    "BLACKHOLE_LISTEN=127.0.0.1:$LAB_NETNS_BLACKHOLE_PORT"
  lab_conf_master sidecar-netns yes "$CONF_DIR/sidecar-netns-admin.conf" "$CONF_DIR/sidecar-netns-stream.conf"
}
