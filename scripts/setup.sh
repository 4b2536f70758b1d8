#!/usr/bin/env bash
# Installs every Debian package meshproof needs to build, test and run its lab.
# Idempotent: packages already present are skipped, so a second run is quick.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev clang-format
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libabsl-dev libyaml-cpp-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libre2-dev
  libssl-dev zlib1g-dev libgtest-dev libgmock-dev libcli11-dev
  # the /metrics listener (services/common/metrics)
  libcpp-httplib-dev
  # contract checks from Python (other tooling's client)
  python3-grpc-tools python3-grpcio python3-protobuf
  # lab and probes
  nginx libnginx-mod-stream libnginx-mod-stream-js libnginx-mod-http-js python3-httpbin gunicorn openssl curl
  iproute2 nftables
  # the TCP probe's reproduction line (`nc -z`), executed by the lab tests
  netcat-openbsd
  # benchmarks (bench/): the peers and the ceiling measured in the same run
  prometheus-blackbox-exporter wrk
  # CLI tests: JUnit reports validated against tests/cli/junit.xsd
  libxml2-utils
  # CLI tests: the HTML report opened in headless Chromium (tests/cli/report_html_browser_test.cc)
  chromium
  # deploy checks (tests/deploy): systemd-analyze for the units; ldd/dpkg for the image's
  # runtime packages come with the base system
  systemd
)

# deploy checks: node and npm for the manifest schema checks. A machine with another
# Node.js (e.g. NodeSource's, which bundles npm and conflicts with Debian's npm) keeps it.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# Debian 12's kubectl (kubernetes-client), whose old embedded kustomize the manifests must
# render with. Where another package already owns /usr/bin/kubectl (the Google Cloud
# SDK's), dpkg cannot install it; its kubectl is unpacked beside it below instead.
kubectl_owner=$(dpkg -S /usr/bin/kubectl 2>/dev/null | cut -d: -f1 || true)
if [ -z "$kubectl_owner" ] || [ "$kubectl_owner" = kubernetes-client ]; then
  packages+=(kubernetes-client)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's kubectl beside another package's /usr/bin/kubectl (tests/deploy/kubectl.sh
# looks here).
debian_kubectl_root=/usr/local/lib/meshproof/kubernetes-client
if [ -n "$kubectl_owner" ] && [ "$kubectl_owner" != kubernetes-client ] &&
   [ ! -x "$debian_kubectl_root/usr/bin/kubectl" ]; then
  echo "setup: /usr/bin/kubectl belongs to $kubectl_owner; unpacking Debian's kubernetes-client into $debian_kubectl_root"
  download=$(mktemp -d)
  chmod 0755 "$download"  # apt's download user writes here
  (cd "$download" && apt-get download -qq kubernetes-client 2>/dev/null)
  $SUDO mkdir -p "$debian_kubectl_root"
  $SUDO dpkg-deb -x "$download"/kubernetes-client_*.deb "$debian_kubectl_root"
  rm -rf "$download"
fi

# The manifest checks' npm packages, at the versions tests/deploy/npm/package-lock.json
# pins (a no-op when they are installed).
"$(dirname "$0")/../tests/deploy/npm/install.sh"
echo "setup: done"
