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

# Egress gateway master NAME listening on LISTEN and passing external.test
# through to UPSTREAM. Both egress masters share one access log: it is one
# gateway, reached on loopback or from the mesh namespace.
lab_conf_egress_stream() {
  local name=$1 listen=$2 upstream=$3
  lab_render "$LAB_TEMPLATE_DIR/egress-stream.conf.tmpl" "$CONF_DIR/$name-stream.conf" \
    "EXTERNAL_HOST=$EXTERNAL_HOST" \
    "EXTERNAL_UPSTREAM=$upstream" \
    "BLACKHOLE_SOCKET=$RUN_DIR/$name-blackhole.sock" \
    "EGRESS_LISTEN=$listen" \
    "EGRESS_ACCESS_LOG=$LOG_DIR/egress-access.log"
}

# Envoy admin fixture served on LISTEN, as http block file NAME-admin.conf.
lab_conf_admin_http() {
  local name=$1 listen=$2
  lab_render "$LAB_TEMPLATE_DIR/envoy-admin-http.conf.tmpl" "$CONF_DIR/$name-admin.conf" \
    "TMP_DIR=$RUN_DIR/$name/tmp" \
    "ADMIN_LISTEN=$listen" \
    "ADMIN_FIXTURE_DIR=$ADMIN_DIR"
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
    "EXTERNAL_CERT_FILE=$CERT_DIR/external.pem" \
    "EXTERNAL_KEY_FILE=$CERT_DIR/external.key" \
    "EXTERNAL_ACCESS_LOG=$LOG_DIR/external-access.log"
  lab_conf_master "$name" no "$CONF_DIR/$name-http.conf"
}

# Copies the recorded Envoy admin output next to the lab, so a running lab
# does not depend on the checkout it was started from.
lab_conf_admin_fixture() {
  mkdir -p "$ADMIN_DIR"
  cp -- "$LAB_FIXTURE_DIR"/envoy-admin/clusters.txt \
    "$LAB_FIXTURE_DIR"/envoy-admin/listeners.txt \
    "$LAB_FIXTURE_DIR"/envoy-admin/config_dump.json "$ADMIN_DIR/"
}

# Renders every configuration of the loopback lab.
lab_conf_loopback() {
  lab_conf_admin_fixture
  lab_conf_ingress
  lab_conf_egress_stream egress "127.0.0.1:$EGRESS_PORT" "127.0.0.1:$EXTERNAL_DIRECT_PORT"
  lab_conf_master egress yes "$CONF_DIR/egress-stream.conf"
  lab_conf_external external "127.0.0.1:$HTTPBIN_PORT" "127.0.0.1:$EXTERNAL_DIRECT_PORT"
  lab_conf_admin_http envoy-admin "127.0.0.1:$ENVOY_ADMIN_PORT"
  lab_conf_master envoy-admin no "$CONF_DIR/envoy-admin-admin.conf"
}

# Renders the two extra masters of --netns mode: the egress gateway in the
# gateway namespace (with the admin fixture on :15000, where a mesh agent can
# reach it) and the external server in the external namespace.
lab_conf_netns() {
  lab_conf_egress_stream egress-netns "0.0.0.0:$LAB_NETNS_GATEWAY_PORT" "$EXTERNAL_ADDR:443"
  lab_conf_admin_http egress-netns "0.0.0.0:$LAB_NETNS_ADMIN_PORT"
  lab_conf_master egress-netns yes "$CONF_DIR/egress-netns-stream.conf" "$CONF_DIR/egress-netns-admin.conf"
  lab_conf_external external-netns "unix:$RUN_DIR/httpbin.sock" \
    "$EXTERNAL_ADDR:443" "$EXTERNAL_ADDR:$EXTERNAL_DIRECT_PORT"
}
