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
    --egress-route "$EGRESS_ROUTE" --node-ip "$node_ip" --authz-policy "$AUTHZ_POLICY" ||
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
  lab_conf_mesh
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

# Prints the AuthorizationPolicy rules of --authz-policy as nginx rewrite
# directives of the workload's server, in Envoy's order: ALLOW policies, then
# DENY policies, whose match overrides (DENY wins over ALLOW).
lab_conf_authz_rules() {
  local allow deny
  allow=$(
    cat <<'EOF2'
# AuthorizationPolicy allow-sleep (ALLOW): principal cluster.local/ns/mesh-test/sa/sleep,
# method GET, paths /get /headers /status/* /admin/*. With an ALLOW policy present, a
# request it does not match is denied.
set $meshproof_verdict deny;
set $meshproof_details "rbac_access_denied_matched_policy[none]";
set $meshproof_allow_key "$meshproof_principal $request_method $uri";
if ($meshproof_allow_key ~ "^cluster\.local/ns/mesh-test/sa/sleep GET (/get|/headers|/status/.*|/admin/.*)$") {
    set $meshproof_verdict allow;
    set $meshproof_details via_upstream;
}
EOF2
  )
  deny=$(
    cat <<'EOF2'
# AuthorizationPolicy deny-admin (DENY): paths /admin/*, any principal.
if ($uri ~ "^/admin/") {
    set $meshproof_verdict deny;
    set $meshproof_details "rbac_access_denied_matched_policy[ns[mesh-test]-policy[deny-admin]-rule[0]]";
}
EOF2
  )
  case $AUTHZ_POLICY in
    deny-and-allow) printf '%s\n%s\n' "$allow" "$deny" ;;
    allow-only) printf '%s\n# no DENY policy: the lab was started with --authz-policy allow-only\n' "$allow" ;;
    none) printf '# no AuthorizationPolicy: the lab was started with --authz-policy none\n' ;;
  esac
}

# Prints the origination location's proxy directives: TLS to the external
# service verified against the lab CA (--tls-origination on), or plain HTTP to
# its TLS port, the DestinationRule missing (off: the server answers 400).
lab_conf_origination_proxy() {
  if [ "$TLS_ORIGINATION" = on ]; then
    cat <<EOF2
            proxy_pass https://127.0.0.1:$EXTERNAL_DIRECT_PORT;
            proxy_ssl_server_name on;
            proxy_ssl_name $EXTERNAL_HOST;
            proxy_ssl_verify on;
            proxy_ssl_trusted_certificate $CERT_DIR/ca.pem;
            proxy_ssl_protocols TLSv1.2 TLSv1.3;
EOF2
  else
    cat <<EOF2
            # --tls-origination off: no TLS towards the external service's TLS port.
            proxy_pass http://127.0.0.1:$EXTERNAL_DIRECT_PORT;
EOF2
  fi
}

# Prints the client-certificate check of the gateway's ISTIO_MUTUAL listener.
lab_conf_gateway_verify() {
  if [ "$GATEWAY_MTLS" = istio-mutual ]; then
    printf '        ssl_conf_command VerifyMode Peer,Require;\n'
    printf '        ssl_conf_command VerifyCAFile %s;\n' "$CERT_DIR/mesh-ca.pem"
  else
    printf '        # --gateway-mtls simple: server TLS only, no client certificate asked for.\n'
  fi
}

# The mesh master: the STRICT workload with its AuthorizationPolicies and the
# egress gateway's TLS origination and ISTIO_MUTUAL listener (loopback only).
lab_conf_mesh() {
  lab_render "$LAB_TEMPLATE_DIR/mesh-stream.conf.tmpl" "$CONF_DIR/mesh-stream.conf" \
    "WORKLOAD_SERVERS=$(lab_conf_workload_servers)" \
    "GATEWAY_MTLS_PORT=$GATEWAY_MTLS_PORT" \
    "PEER_AUTHENTICATION=$PEER_AUTHENTICATION" \
    "GATEWAY_MTLS=$GATEWAY_MTLS" \
    "RUN_DIR=$RUN_DIR" \
    "GATEWAY_CERT_FILE=$CERT_DIR/mesh-gateway.pem" \
    "GATEWAY_KEY_FILE=$CERT_DIR/mesh-gateway.key" \
    "GATEWAY_VERIFY=$(lab_conf_gateway_verify)"
  lab_render "$LAB_TEMPLATE_DIR/mesh-workload-server.conf.tmpl" "$CONF_DIR/mesh-workload-server.conf" \
    "WORKLOAD_PORT=$MESH_WORKLOAD_PORT" \
    "AUTHZ_POLICY=$AUTHZ_POLICY" \
    "AUTHZ_RULES=$(lab_conf_authz_rules)" \
    "WORKLOAD_ACCESS_LOG=$LOG_DIR/workload-access.log"
  lab_render "$LAB_TEMPLATE_DIR/mesh-http.conf.tmpl" "$CONF_DIR/mesh-http.conf" \
    "AUTHZ_POLICY=$AUTHZ_POLICY" \
    "TLS_ORIGINATION=$TLS_ORIGINATION" \
    "TMP_DIR=$RUN_DIR/mesh/tmp" \
    "HTTPBIN_PORT=$HTTPBIN_PORT" \
    "RUN_DIR=$RUN_DIR" \
    "WORKLOAD_HOST=$MESH_WORKLOAD_HOST" \
    "WORKLOAD_SERVER_FILE=$CONF_DIR/mesh-workload-server.conf" \
    "EXTERNAL_HOST=$EXTERNAL_HOST" \
    "ORIGINATION_PORT=$ORIGINATION_PORT" \
    "EGRESS_ACCESS_LOG=$(lab_conf_egress_log_target)" \
    "ORIGINATION_PROXY=$(lab_conf_origination_proxy)"
  lab_conf_master mesh yes "$CONF_DIR/mesh-stream.conf" "$CONF_DIR/mesh-http.conf"
}

# Prints the stream servers of the workload's port for --peer-authentication.
# STRICT: the port is the TLS edge itself; plaintext fails its handshake and the
# connection is closed without a byte (no HTTP status). PERMISSIVE: the first
# bytes decide, as Envoy's TLS inspector does: plaintext goes straight to the
# workload (no principal), TLS to the same mutual-TLS edge on a unix socket.
lab_conf_workload_servers() {
  local tls_edge
  tls_edge=$(
    cat <<EOF2
        ssl_certificate     $CERT_DIR/mesh-httpbin.pem;
        ssl_certificate_key $CERT_DIR/mesh-httpbin.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_conf_command VerifyMode Peer,Require;
        ssl_conf_command VerifyCAFile $CERT_DIR/mesh-ca.pem;
        proxy_pass \$meshproof_workload_principal;
        proxy_protocol on;
        access_log off;
EOF2
  )
  if [ "$PEER_AUTHENTICATION" = strict ]; then
    printf '    server {\n        listen 127.0.0.1:%s ssl;\n%s\n    }\n' "$MESH_WORKLOAD_PORT" "$tls_edge"
    return
  fi
  cat <<EOF2
    # --peer-authentication permissive
    map \$ssl_preread_protocol \$meshproof_workload_entry {
        ""      unix:$RUN_DIR/mesh-workload-plain.sock;
        default unix:$RUN_DIR/mesh-workload-tls.sock;
    }
    server {
        listen 127.0.0.1:$MESH_WORKLOAD_PORT;
        ssl_preread on;
        preread_timeout 5s;
        proxy_pass \$meshproof_workload_entry;
        proxy_protocol on;
        access_log off;
    }
    # Behind the inspector the caller's address is lost (the PROXY header it
    # passes on names a unix socket): PERMISSIVE is a broken variant only.
    server {
        listen unix:$RUN_DIR/mesh-workload-tls.sock ssl proxy_protocol;
$tls_edge
    }
EOF2
}
