#!/usr/bin/env bash
# Checks deploy/container/Containerfile without a container engine (check_container.mjs):
# the runtime stage's packages against the libraries the built binaries load, and its
# entrypoints, ports and user against the rendered Kubernetes manifests. Then proves the
# check can fail: a Containerfile missing a package, with a package too many, with a
# port or user that disagrees, or a CMD that would listen beyond loopback without a tokens
# file, must each be rejected.
#   container_test.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin_dir=${1:?usage: container_test.sh BIN_DIR}
. "$here/kubectl.sh"
find_debian_kubectl
"$here/npm/install.sh"

version=$(sed -n 's/^project(meshproof VERSION \([0-9.]*\) .*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || { echo "cannot find the project version in CMakeLists.txt" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rendered=()
for overlay in one-cluster hub-and-spoke/hub hub-and-spoke/spoke; do
  file="$out/$(echo "$overlay" | tr / -).yaml"
  "$KUBECTL" kustomize "$root/deploy/kubernetes/overlays/$overlay" > "$file"
  rendered+=("$file")
done

check() {
  node "$here/check_container.mjs" --containerfile "$1" --bin-dir "$bin_dir" \
    --version "$version" --libraries-cache "$out/libraries.json" "${rendered[@]}"
}

containerfile="$root/deploy/container/Containerfile"
check "$containerfile"

# Each bad Containerfile must be rejected, with the message that names its fault.
failed=0
expect_rejected() {  # NAME SED-EXPRESSION EXPECTED-MESSAGE-FRAGMENT
  sed "$2" "$containerfile" > "$out/Containerfile.bad"
  if cmp -s "$containerfile" "$out/Containerfile.bad"; then
    echo "FAIL $1: the edit changed nothing"; failed=1; return
  fi
  if check "$out/Containerfile.bad" > "$out/bad.out" 2>&1; then
    echo "FAIL $1: accepted"; failed=1
  elif ! grep -qF -- "$3" "$out/bad.out"; then
    echo "FAIL $1: rejected, but not for \"$3\":"; cat "$out/bad.out"; failed=1
  else
    echo "ok   $1: rejected"
  fi
}
expect_rejected "a library package missing" '/^  libssl3 \\$/d' \
  "from libssl3, which RUNTIME_LIBRARY_PACKAGES does not list"
expect_rejected "a package no binary needs" 's/^  zlib1g"$/  zlib1g libxml2"/' \
  "lists libxml2, which provides no library"
expect_rejected "a port the image does not serve" 's/^EXPOSE 7001 7101 9464$/EXPOSE 7001 7201 9464/' \
  "stage store: EXPOSE 7001, 7201, 9464, its CMD serves 7001, 7101, 9464"
expect_rejected "a health port the manifests do not probe" \
  's#"--health-listen=0.0.0.0:7101"#"--health-listen=0.0.0.0:7201"#; s/^EXPOSE 7001 7101 9464$/EXPOSE 7001 7201 9464/' \
  "the image's health port is 7201"
expect_rejected "root as the image's user" 's/^USER 10001:10001$/USER 0/' \
  "is not a numeric non-root user"
expect_rejected "an entrypoint without the manifests' flags" \
  's#^ENTRYPOINT \["/usr/local/bin/meshproof-store"\]$#ENTRYPOINT ["/usr/local/bin/meshproof"]#' \
  "meshproof has no flag --listen"
expect_rejected "another entrypoint stage name" 's/^FROM runtime AS store$/FROM runtime AS results/' \
  "names no Containerfile stage"
expect_rejected "a CMD on every interface without a tokens file" \
  's#, "--tokens=/etc/meshproof/tokens/tokens.yaml"\]$#]#' \
  "stage agent: CMD --listen 0.0.0.0:7002 is reachable from other hosts"
expect_rejected "a CMD with metrics on every interface without --metrics-open" \
  's#^\(CMD \["--listen=0.0.0.0:7002".*\), "--metrics-open"#\1#' \
  "stage agent: CMD --metrics-listen 0.0.0.0:9464 is reachable from other hosts"
expect_rejected "a metrics port the image does not expose" \
  's#^EXPOSE 7001 7101 9464$#EXPOSE 7001 7101#' \
  "stage store: EXPOSE 7001, 7101, its CMD serves 7001, 7101, 9464"
exit "$failed"
