# Sourced by the deploy tests: sets KUBECTL to Debian 12's kubectl (package
# kubernetes-client, v1.20, with its old embedded kustomize), the one the manifests must
# render with. MESHPROOF_KUBECTL overrides. Where another package owns /usr/bin/kubectl
# (the Google Cloud SDK's), scripts/setup.sh unpacks Debian's beside it.
debian_kubectl_fallback=/usr/local/lib/meshproof/kubernetes-client/usr/bin/kubectl

find_debian_kubectl() {
  if [ -n "${MESHPROOF_KUBECTL:-}" ]; then
    KUBECTL=$MESHPROOF_KUBECTL
  elif dpkg-query -W -f='${Status}' kubernetes-client 2>/dev/null | grep -q "install ok installed"; then
    KUBECTL=$(dpkg -L kubernetes-client | grep -m1 '/bin/kubectl$')
  elif [ -x "$debian_kubectl_fallback" ]; then
    KUBECTL=$debian_kubectl_fallback
  else
    echo "Debian 12's kubectl (package kubernetes-client) is missing: run scripts/setup.sh" >&2
    return 1
  fi
  local version
  version=$("$KUBECTL" version --client --short 2>/dev/null || "$KUBECTL" version --client 2>&1)
  case "$version" in
    *v1.20.*) ;;
    *)
      echo "$KUBECTL is not Debian 12's kubectl 1.20 (it says: ${version%%$'\n'*}); the" \
           "manifests must render with that one's old kustomize" >&2
      return 1
      ;;
  esac
}
