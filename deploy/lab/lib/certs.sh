# shellcheck shell=bash
# The lab's PKI: a real CA with leaf certificates for the ingress host, the
# external host, the unregistered host and a client, plus an unrelated "wrong" CA for negative tests;
# and the mesh's own CA (istiod's role) with the workload identities mutual TLS checks.
# EC P-256 keys keep generation to a few milliseconds each.

readonly LAB_CERT_DAYS=30

# Creates a self-signed CA certificate and key: DIR/NAME.pem, DIR/NAME.key.
lab_cert_make_ca() {
  local name=$1 cn=$2
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$CERT_DIR/$name.key" -out "$CERT_DIR/$name.pem" \
    -days "$LAB_CERT_DAYS" -subj "/O=meshproof lab/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

# Creates a leaf certificate NAME signed by CA_NAME with the given
# extensions (one per argument, openssl config syntax).
lab_cert_make_leaf() {
  local name=$1 cn=$2 ca=$3; shift 3
  local ext_file=$CERT_DIR/$name.ext
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" "$@" >"$ext_file"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$CERT_DIR/$name.key" -out "$CERT_DIR/$name.csr" \
    -subj "/O=meshproof lab/CN=$cn" 2>/dev/null
  openssl x509 -req -in "$CERT_DIR/$name.csr" \
    -CA "$CERT_DIR/$ca.pem" -CAkey "$CERT_DIR/$ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days "$LAB_CERT_DAYS" \
    -extfile "$ext_file" -out "$CERT_DIR/$name.pem" 2>/dev/null
  rm -f -- "$CERT_DIR/$name.csr" "$ext_file"
}

# Creates every certificate the lab uses, fresh on each `up`.
lab_certs_create() {
  local route_host=$1 external_host=$2
  mkdir -p "$CERT_DIR"
  chmod 700 "$CERT_DIR"
  lab_cert_make_ca ca "meshproof lab CA"
  lab_cert_make_ca wrong-ca "meshproof unrelated CA"
  lab_cert_make_leaf ingress "$route_host" ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:$route_host"
  lab_cert_make_leaf external "$external_host" ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:$external_host"
  lab_cert_make_leaf unregistered "$UNREGISTERED_HOST" ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:$UNREGISTERED_HOST"
  # A workload-like client identity for mTLS tests (SPIFFE URI SAN as Istio
  # gives the report's sleep pod).
  lab_cert_make_leaf client "sleep.mesh-test" ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
    "subjectAltName=URI:spiffe://cluster.local/ns/mesh-test/sa/sleep"
  lab_certs_create_mesh
}

# The mesh CA and its workload certificates (SPIFFE URI SANs, as istiod issues
# them): the STRICT workload httpbin and the egress gateway as servers, the
# sleep client (the identity the AuthorizationPolicy allows), another mesh
# client it does not allow, and an impostor with sleep's names signed by the
# unrelated CA (refused in the handshake).
lab_certs_create_mesh() {
  local spiffe=spiffe://cluster.local
  lab_cert_make_ca mesh-ca "meshproof lab mesh CA"
  lab_cert_make_leaf mesh-httpbin "$MESH_WORKLOAD_HOST" mesh-ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=DNS:$MESH_WORKLOAD_HOST,URI:$spiffe/ns/mesh-test/sa/httpbin"
  lab_cert_make_leaf mesh-gateway "$MESH_GATEWAY_HOST" mesh-ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=DNS:$MESH_GATEWAY_HOST,URI:$spiffe/ns/istio-system/sa/istio-egressgateway-service-account"
  lab_cert_make_leaf mesh-sleep "sleep.mesh-test" mesh-ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
    "subjectAltName=URI:$spiffe/ns/mesh-test/sa/sleep"
  lab_cert_make_leaf mesh-other "other.mesh-other" mesh-ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
    "subjectAltName=URI:$spiffe/ns/mesh-other/sa/other"
  lab_cert_make_leaf mesh-impostor "sleep.mesh-test" wrong-ca \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
    "subjectAltName=URI:$spiffe/ns/mesh-test/sa/sleep"
}
