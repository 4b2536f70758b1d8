# shellcheck shell=bash disable=SC2034 # sets globals the other lab files read
# Network-namespace mode: three namespaces per lab, named from a hash of the
# lab folder so two labs can coexist.
#
#   mesh ns (the agent)      gateway ns (egress GW)        external ns
#   mesh0 NET.1/30 ------- gw-mesh NET.2/30
#   default via NET.2        ip_forward=0
#   nft: tcp/443 -> dnat     nginx stream 0.0.0.0:8443
#        NET.2:8443          gw-ext NET.5/30 ------------- ext0 NET.6/30
#                                                          nginx :443 and
#                                                          :EXTERNAL_DIRECT_PORT
#   mesh1 NET.9/30 ------------------------------------- ext1 NET.10/30
#   (direct link)                                          nginx :EXTERNAL_DIRECT_PORT
#
# The external address NET.6 lies behind the gateway namespace, which does
# not forward: from the mesh the only way to it is the captured port 443,
# which lands on the gateway's listener. NET.10 is the unregistered
# destination: reachable directly, not through the gateway, the way a pod
# under ALLOW_ANY reaches any address; --outbound-policy registry-only blocks
# it (and anything else but the gateway) in the mesh's nft rules. Nothing is
# added to the host's own network namespace; servers inside reach httpbin
# through its unix socket.

readonly LAB_NETNS_GATEWAY_PORT=8443
readonly LAB_NETNS_ADMIN_PORT=15000
# The mesh sidecar's black hole (Istio's outbound capture port).
readonly LAB_NETNS_BLACKHOLE_PORT=15001

# Sets namespace names and addresses from the lab folder.
lab_netns_assign() {
  local hash
  hash=$(printf '%s' "$LAB_DIR" | sha256sum)
  hash=${hash:0:8}
  MESH_NETNS=mp${hash}mesh
  GATEWAY_NETNS=mp${hash}gw
  EXTERNAL_NETNS=mp${hash}ext
  # 10.64.0.0/10 .. 10.127.255.0: any /28 in it will do, since the addresses
  # exist only inside this lab's namespaces.
  local net=10.$((64 + 0x${hash:0:2} % 64)).$((0x${hash:2:2})).$((0x${hash:4:2} / 16 * 16))
  local base=${net%.*} last=${net##*.}
  MESH_ADDR=$base.$((last + 1))
  GATEWAY_MESH_ADDR=$base.$((last + 2))
  GATEWAY_EXT_ADDR=$base.$((last + 5))
  EXTERNAL_ADDR=$base.$((last + 6))
  MESH_DIRECT_ADDR=$base.$((last + 9))
  DIRECT_ADDR=$base.$((last + 10))
  MESH_NET=$base.$last/30
}

# Fails unless namespaces can be made here and this lab's names are free.
lab_netns_check_available() {
  local ns
  [ "$(id -u)" -eq 0 ] || lab_die "--netns needs root (ip netns, nft)"
  ip netns list >/dev/null 2>&1 || lab_die "--netns: 'ip netns' does not work here"
  command -v nft >/dev/null || lab_die "--netns needs nft (package nftables)"
  for ns in "$MESH_NETNS" "$GATEWAY_NETNS" "$EXTERNAL_NETNS"; do
    if [ -e "/run/netns/$ns" ]; then
      lab_die "network namespace $ns already exists (another lab with this dir? run: lab.sh down --dir $LAB_DIR)"
    fi
  done
}

# Runs a command inside namespace NS.
lab_in_ns() {
  local ns=$1; shift
  ip netns exec "$ns" "$@"
}

# Creates namespace NS with loopback up and IPv6 off (the lab is IPv4 only;
# no router solicitations or DAD noise on the veths).
lab_netns_add() {
  local ns=$1
  # Recorded first, so that even an `up` killed right here leaves a trace
  # for `down`.
  lab_state_add netns "$ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  lab_in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}

# Links two namespaces with a veth pair, created directly inside them so no
# interface name ever appears in the host namespace.
lab_netns_link() {
  local ns_a=$1 if_a=$2 addr_a=$3 ns_b=$4 if_b=$5 addr_b=$6
  ip link add name "$if_a" netns "$ns_a" type veth peer name "$if_b" netns "$ns_b"
  ip -n "$ns_a" addr add "$addr_a/30" dev "$if_a"
  ip -n "$ns_b" addr add "$addr_b/30" dev "$if_b"
  ip -n "$ns_a" link set "$if_a" up
  ip -n "$ns_b" link set "$if_b" up
}

# Gives the mesh namespace its names: /etc/netns/NS/hosts is bind-mounted
# over /etc/hosts by `ip netns exec`. An empty resolv.conf makes any other
# name fail at once instead of waiting on a resolver it cannot reach.
lab_netns_write_etc() {
  local dir=/etc/netns/$MESH_NETNS
  if [ ! -d /etc/netns ]; then
    # Created by us: removed again by `down` once empty.
    lab_state_add etcnetns /etc/netns
  fi
  lab_state_add etcnetns "$dir"
  mkdir -p "$dir"
  printf '%s\n' "127.0.0.1 localhost" \
    "$EXTERNAL_ADDR $EXTERNAL_HOST" "$EXTERNAL_ADDR $UNKNOWN_SNI_HOST" >"$dir/hosts"
  printf '# no resolver in the lab: names come from hosts\n' >"$dir/resolv.conf"
}

# Prints the nat rule that sends connections to unregistered destinations to
# the sidecar's black hole (REGISTRY_ONLY, blocked as a black hole), or a
# comment. Registered: loopback and the gateway (its listener, which the
# capture rule above has already made the destination of port 443, and its
# admin). The capture rule is a dnat and ends NAT for its connections first.
lab_netns_policy_nat_rules() {
  if [ "$OUTBOUND_POLICY" = REGISTRY_ONLY ] && [ "$BLOCKED_AS" = blackhole ]; then
    printf '        ip daddr != { 127.0.0.0/8, %s } meta l4proto tcp counter redirect to :%s\n' \
      "$GATEWAY_MESH_ADDR" "$LAB_NETNS_BLACKHOLE_PORT"
  else
    printf '        # outbound policy %s: no black hole\n' "$OUTBOUND_POLICY"
  fi
}

# Prints a filter chain that refuses connections to unregistered
# destinations with a TCP reset (REGISTRY_ONLY, blocked as reset), or a
# comment. It runs after the nat chain, so a captured connection already has
# the gateway as its destination and passes. Anything for this namespace's
# own addresses leaves through lo and passes too: the reset the rule sends
# back is such a packet, and refusing it would turn the refusal into a
# timeout.
lab_netns_policy_filter_chain() {
  if [ "$OUTBOUND_POLICY" = REGISTRY_ONLY ] && [ "$BLOCKED_AS" = reset ]; then
    printf '%s\n' "    chain registry_only {" \
      "        type filter hook output priority 0; policy accept;" \
      "        oif lo accept" \
      "        ip daddr $GATEWAY_MESH_ADDR accept" \
      "        meta l4proto tcp counter reject with tcp reset" \
      "        counter reject" \
      "    }"
  else
    printf '    # outbound policy %s: no refusing chain\n' "$OUTBOUND_POLICY"
  fi
}

# Builds the three namespaces, their links, routes and the capture rule.
lab_netns_create() {
  lab_netns_add "$MESH_NETNS"
  lab_netns_add "$GATEWAY_NETNS"
  lab_netns_add "$EXTERNAL_NETNS"
  lab_netns_link "$MESH_NETNS" mesh0 "$MESH_ADDR" "$GATEWAY_NETNS" gw-mesh "$GATEWAY_MESH_ADDR"
  lab_netns_link "$GATEWAY_NETNS" gw-ext "$GATEWAY_EXT_ADDR" "$EXTERNAL_NETNS" ext0 "$EXTERNAL_ADDR"
  # The gateway namespace is a chokepoint, not a router: with forwarding off,
  # a packet from the mesh for the external address is dropped there.
  lab_in_ns "$GATEWAY_NETNS" sysctl -qw net.ipv4.ip_forward=0
  ip -n "$MESH_NETNS" route add default via "$GATEWAY_MESH_ADDR"
  # The way back exists, so forwarding is the only thing that blocks a bypass.
  ip -n "$EXTERNAL_NETNS" route add "$MESH_NET" via "$GATEWAY_EXT_ADDR"
  # The unregistered destination, on a link of its own: only the mesh's
  # outbound policy decides whether it is reachable.
  lab_netns_link "$MESH_NETNS" mesh1 "$MESH_DIRECT_ADDR" "$EXTERNAL_NETNS" ext1 "$DIRECT_ADDR"
  lab_render "$LAB_TEMPLATE_DIR/mesh-capture.nft.tmpl" "$CONF_DIR/mesh-capture.nft" \
    "GATEWAY_ADDR=$GATEWAY_MESH_ADDR" "GATEWAY_PORT=$LAB_NETNS_GATEWAY_PORT" \
    "OUTBOUND_POLICY=$OUTBOUND_POLICY" \
    "POLICY_NAT_RULES=$(lab_netns_policy_nat_rules)" \
    "POLICY_FILTER_CHAIN=$(lab_netns_policy_filter_chain)"
  lab_in_ns "$MESH_NETNS" nft -f "$CONF_DIR/mesh-capture.nft"
  lab_netns_write_etc
}

# Deletes namespace NS if it exists. Processes the lab did not start may
# still live in it (an agent run with `ip netns exec`): they are left alone,
# and named so the caller knows.
lab_netns_delete() {
  local ns=$1 pids
  [ -e "/run/netns/$ns" ] || return 0
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)
  if [ -n "$pids" ]; then
    lab_log "netns $ns: processes not started by the lab still inside (pids ${pids% }); left running"
  fi
  ip netns del "$ns"
  lab_log "netns $ns: deleted"
}

# Removes /etc/netns/NS written by the lab (only paths of the lab's form),
# and /etc/netns itself if the lab created it and it is empty now.
lab_netns_delete_etc() {
  local dir=$1
  case $dir in
    /etc/netns) rmdir -- "$dir" 2>/dev/null || true ;;
    /etc/netns/mp*) rm -rf -- "$dir" ;;
    *) lab_log "refusing to remove unexpected path $dir" ;;
  esac
}
