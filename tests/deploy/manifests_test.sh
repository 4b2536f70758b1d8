#!/usr/bin/env bash
# Renders every kustomization under deploy/kubernetes with Debian 12's kubectl, checks
# each rendered object against the Kubernetes OpenAPI schemas and the deployment policy
# (check_manifests.mjs), then proves each check can fail (check_bad_cases.mjs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/kubectl.sh"
find_debian_kubectl

"$here/npm/install.sh"

# The services' drain deadline after SIGTERM: grace periods must be above it.
drain=$(sed -n 's/.*drain_timeout = absl::Seconds(\([0-9]*\));.*/\1/p' \
          "$root/services/common/server_runner.h")
[ -n "$drain" ] || { echo "cannot find drain_timeout in server_runner.h" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rendered=()
while IFS= read -r kustomization; do
  dir=$(dirname "$kustomization")
  name=$(realpath --relative-to="$root/deploy/kubernetes" "$dir" | tr / -)
  if ! "$KUBECTL" kustomize "$dir" > "$out/$name.yaml" 2> "$out/$name.err"; then
    echo "$dir does not render with $KUBECTL:" >&2
    cat "$out/$name.err" >&2
    exit 1
  fi
  rendered+=("$out/$name.yaml")
done < <(find "$root/deploy/kubernetes" -name kustomization.yaml | sort)
[ "${#rendered[@]}" -ge 6 ] || { echo "expected at least 6 kustomizations, found ${#rendered[@]}" >&2; exit 1; }

node "$here/check_manifests.mjs" --drain-seconds "$drain" "${rendered[@]}"
node "$here/check_bad_cases.mjs" --drain-seconds "$drain" "$out/overlays-one-cluster.yaml"
