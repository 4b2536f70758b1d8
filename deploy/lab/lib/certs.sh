# shellcheck shell=bash
# The lab's PKI: a real CA with leaf certificates for the ingress host, the
# external host, the unregistered host and a client, plus an unrelated "wrong" CA for negative tests.
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
}
