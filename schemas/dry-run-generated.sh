#!/usr/bin/env bash
# Server-side strict dry run of the generated edge configurations: every configuration
# that synth accepts (scripts/generate-edge-configs.ts, the generator and seed of
# test/edge-configs.test.ts) must also be accepted by a real kube-apiserver. Starts
# cluster/apiserver-only.sh for the minor (etcd + kube-apiserver on loopback, no nodes),
# creates the generated namespaces, runs
#   kubectl apply --dry-run=server --validate=strict -f <file>
# for each file, and stops the API server again (also when interrupted) unless it was
# already running. Exit 0 when the server accepts every file.
#
#   sudo schemas/dry-run-generated.sh            # minor 35, the default runs and seed
#   sudo schemas/dry-run-generated.sh 27         # 1.27
#   EDGE_RUNS=2000 EDGE_SEED=7 sudo schemas/dry-run-generated.sh 35
#
# Needs root (apiserver-only.sh does) and the binaries of cluster/build.sh (k8s or
# k8s-legacy, and etcd): it refuses to start a build of its own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
# shellcheck source=../cluster/versions.env
. cluster/versions.env
CACHE=${REFARCH_CACHE:-/var/cache/refarch}
export CDK8S_CHECK_UPGRADE=false

log() { printf '[dry-run-generated +%ss] %s\n' "$SECONDS" "$*"; }
die() { printf '[dry-run-generated] ERROR: %s\n' "$*" >&2; exit 1; }

minor=${1:-${K8S_VERSION#v1.}}
minor=${minor#v}; minor=${minor#1.}; minor=${minor%%.*}
case $minor in
  27) version=$K8S_LEGACY_VERSION ;;
  "$(echo "$K8S_VERSION" | cut -d. -f2)") version=$K8S_VERSION ;;
  *) die "no kube-apiserver for 1.$minor (pinned: $K8S_LEGACY_VERSION, $K8S_VERSION)" ;;
esac
bin=$CACHE/kubernetes-$version/bin
[ -x "$bin/kube-apiserver" ] || die "$bin/kube-apiserver is missing: build it first (cluster/build.sh $([ "$minor" = 27 ] && echo k8s-legacy || echo k8s) etcd)"
[ -x "$CACHE/etcd-$ETCD_VERSION/bin/etcd" ] || die "etcd $ETCD_VERSION is missing: build it first (cluster/build.sh etcd)"
# kubectl of the cluster's version: within the supported skew of both minors.
KUBECTL=${KUBECTL:-$CACHE/kubernetes-$K8S_VERSION/bin/kubectl}
[ -x "$KUBECTL" ] || die "$KUBECTL is missing: build it first (cluster/build.sh k8s)"

work=$(mktemp -d "${TMPDIR:-/tmp}/refarch-dry-run-generated.XXXXXX")
started=no
cleanup() {
  if [ "$started" = yes ]; then bash "$REPO/cluster/apiserver-only.sh" stop "$minor" >/dev/null 2>&1 || true; fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "generating the accepted edge configurations"
node --import tsx scripts/generate-edge-configs.ts --out "$work/edge" ${EDGE_RUNS:+--runs "$EDGE_RUNS"} ${EDGE_SEED:+--seed "$EDGE_SEED"}
files=("$work"/edge/*.k8s.yaml)
[ -e "${files[0]}" ] || die "the generator wrote no files"

if bash cluster/apiserver-only.sh status "$minor" >/dev/null 2>&1; then
  log "apiserver-only 1.$minor is already running: using it, leaving it running"
else
  started=yes
  bash cluster/apiserver-only.sh start "$minor"
fi
kubeconfig=$(bash cluster/apiserver-only.sh kubeconfig "$minor")
k=("$KUBECTL" --kubeconfig "$kubeconfig")
# The Gateway API kinds (gateway.* settings) are validated with the vendored CRDs.
# shellcheck source=gateway-api/install.sh
. schemas/gateway-api/install.sh
installed=$(install_vendored_crds "1.$minor" "${k[@]}") || die "installing the Gateway API CRDs into 1.$minor failed"
log "$installed"

# Namespaced objects are refused in a namespace that does not exist, dry run or not.
sed -n "s/^  namespace: ['\"]\{0,1\}\([^'\"]*\)['\"]\{0,1\}$/\1/p" "${files[@]}" | sort -u | while read -r ns; do
  "${k[@]}" get namespace "$ns" >/dev/null 2>&1 || "${k[@]}" create namespace "$ns" >/dev/null
done

refused=0
for f in "${files[@]}"; do
  if ! out=$("${k[@]}" apply --dry-run=server --validate=strict -f "$f" 2>&1); then
    refused=$((refused + 1))
    printf 'REFUSED %s\n  config: %s\n  server: %s\n' "$(basename "$f")" "$(head -1 "$f" | cut -c3-400)" \
      "$(echo "$out" | grep -v '^Warning' | grep -iv 'created (server dry run)\|configured (server dry run)\|unchanged (server dry run)' | head -3)"
  fi
done
if [ "$refused" -ne 0 ]; then die "the 1.$minor API server refused $refused of ${#files[@]} configurations that synth accepted"; fi
log "the 1.$minor API server ($version) accepts all ${#files[@]} configurations that synth accepted"
