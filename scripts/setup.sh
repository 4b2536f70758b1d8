#!/usr/bin/env bash
# Installs every Debian package meshproof needs to build, test and run its lab.
# Idempotent: packages already present are skipped, so a second run is quick.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libabsl-dev libyaml-cpp-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libre2-dev
  libssl-dev zlib1g-dev libgtest-dev libgmock-dev libcli11-dev
  # contract checks from Python (other tooling's client)
  python3-grpc-tools python3-grpcio python3-protobuf
  # lab and probes
  nginx libnginx-mod-stream libnginx-mod-stream-js libnginx-mod-http-js python3-httpbin gunicorn openssl curl
  iproute2 nftables
  # benchmarks (bench/): the peers and the ceiling measured in the same run
  prometheus-blackbox-exporter wrk
  # CLI tests: JUnit reports validated against tests/cli/junit.xsd
  libxml2-utils
  # CLI tests: the HTML report opened in headless Chromium (tests/cli/report_html_browser_test.cc)
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
