# shellcheck shell=bash
# Sourced by schemas/crosscheck.sh and schemas/dry-run-generated.sh: installs the vendored
# Gateway API CRDs into a bare API server before its dry runs, one file at a time, so the
# server validates Gateways and HTTPRoutes with the same schemas the offline validator uses.
# A file that install-results.json records as refused by this minor must be refused, every
# other one accepted: a difference fails (re-run schemas/gateway-api/capture.sh).

# install_vendored_crds MINOR(1.NN) KUBECTL...: prints "installed N of M CRDs" or fails.
install_vendored_crds() {
  local minor=$1 f out rel expect ok=0 all=0 dir
  shift
  dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$GATEWAY_API_VERSION
  for f in "$dir"/crds/*.yaml; do
    grep -q '^kind: CustomResourceDefinition$' "$f" || continue
    all=$((all + 1))
    rel=crds/$(basename "$f")
    expect=$(jq -r --arg m "$minor" --arg f "$rel" 'if .[$m].refused[$f] then "refuse" else "accept" end' "$dir/install-results.json")
    if out=$("$@" apply --server-side -f "$f" 2>&1); then
      [ "$expect" = accept ] || { echo "Kubernetes $minor accepted $rel, which install-results.json records as refused (schemas/gateway-api/capture.sh)" >&2; return 1; }
      ok=$((ok + 1))
    else
      [ "$expect" = refuse ] || { echo "Kubernetes $minor refused $rel: $out" >&2; return 1; }
    fi
  done
  "$@" wait --for=condition=Established --timeout=60s crd --all >/dev/null
  echo "Gateway API $GATEWAY_API_VERSION: installed $ok of $all CRDs (as install-results.json records for $minor)"
}
