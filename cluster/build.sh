#!/usr/bin/env bash
# Builds (once) and caches every binary the local cluster runs, from pinned Go
# modules fetched through the Go module proxy. Cache layout, keyed by version:
#   ${REFARCH_CACHE:-/var/cache/refarch}/<component>-<version>/bin/
# A component is rebuilt only when its wrapper module (cluster/go/<dir>) or
# build flags change. Runnable alone to pre-warm the cache.
#   cluster/build.sh            # everything
#   cluster/build.sh etcd k8s   # only some components (names below)
#   cluster/build.sh --fetch [component...]   # only download the modules a build needs
#                               # (network bound: .ci/run runs it beside CPU-bound work)
set -euo pipefail
SCRIPT_NAME=build
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Module checksums: these modules are not in the public checksum database
# reachable from here; the committed go.sum files pin their hashes instead.
export GONOSUMDB=${GONOSUMDB:-k8s.io,github.com/cloudnativelabs/kube-router,github.com/rancher/local-path-provisioner,sigs.k8s.io/sig-storage-lib-external-provisioner}
export GOFLAGS="-mod=readonly -buildvcs=false"
export GOTOOLCHAIN=local

command -v go >/dev/null || die "go is not installed (the project's machines ship Go 1.26)"

# children_cpu: sets CHILDREN_CPU to the CPU seconds (user + sys) of this script's finished
# children, from bash's `times` (run in this shell: in a pipe or $(...) it would see none);
# on a shared machine a build's CPU time says more than its wall time.
children_cpu() {
  local f
  f=$(mktemp)
  times >"$f"
  CHILDREN_CPU=$(awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%d\n", n }' "$f")
  rm -f "$f"
}

k8s_ldflags() { # VERSION COMMIT DATE
  local v=$1 c=$2 d=$3 minor pkg out="-s -w"
  minor=${v#v1.}; minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    out+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    out+=" -X $pkg.gitCommit=$c -X $pkg.gitTreeState=clean -X $pkg.buildDate=$d"
  done
  printf '%s' "$out"
}

# build_component NAME VERSION WRAPPER_DIR CGO LDFLAGS PKG...
build_component() {
  local name=$1 version=$2 wdir=$CLUSTER_DIR/go/$3 cgo=$4 ldflags=$5; shift 5
  local dest=$REFARCH_CACHE/$name-$version key tmp start
  key=$( { cat "$wdir/go.mod" "$wdir/go.sum" "$wdir"/*.go; echo "$cgo $ldflags $* $(go env GOVERSION)"; } | sha256sum | cut -c1-16)
  if [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$key" ]; then
    info "$name $version: cached in $dest/bin"
    return 0
  fi
  if [ "$FETCH_ONLY" = 1 ]; then
    start=$SECONDS
    # Loading the packages downloads exactly the modules the build will read.
    (cd "$wdir" && CGO_ENABLED=$cgo go list -deps -e "$@" >/dev/null) || die "fetching the modules of $name failed"
    info "$name $version: modules fetched in $((SECONDS - start))s"
    return 0
  fi
  local p names=""
  for p in "$@"; do p=${p%/v[0-9]}; names+=" ${p##*/}"; done
  step "building $name $version (${names# }) -> $dest/bin"
  start=$SECONDS
  local cpu0
  children_cpu; cpu0=$CHILDREN_CPU
  mkdir -p "$REFARCH_CACHE"
  tmp=$(mktemp -d "$REFARCH_CACHE/.build-$name.XXXXXX")
  # A cold build of Kubernetes takes many minutes: a line a minute shows it is not hung.
  (cd "$wdir" && CGO_ENABLED=$cgo nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$tmp/bin/" "$@") \
    >"$tmp/build.log" 2>&1 &
  local pid=$! rc=0 n=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    n=$((n + 1))
    [ $((n % 12)) = 0 ] && info "still building $name: $((SECONDS - start))s"
  done
  wait "$pid" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -40 "$tmp/build.log" >&2
    rm -rf "$tmp"
    die "go build of $name failed"
  fi
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "$key" >"$dest/.complete"
  children_cpu
  info "$name $version built in $((SECONDS - start))s (CPU $((CHILDREN_CPU - cpu0))s): $(cd "$dest/bin" && echo *)"
}

build_k8s() {
  build_component kubernetes "$K8S_VERSION" kubernetes-1.35 1 \
    "$(k8s_ldflags "$K8S_VERSION" "$K8S_COMMIT" "$K8S_BUILD_DATE")" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl
}
build_k8s_legacy() {
  # Go 1.26 builds v1.27.16 as is: its dependencies are new enough for the
  # //go:linkname restrictions of Go >= 1.23 (-ldflags=-checklinkname=0 is
  # not needed; checked). An older 1.2x patch might need it.
  build_component kubernetes "$K8S_LEGACY_VERSION" kubernetes-1.27 1 \
    "$(k8s_ldflags "$K8S_LEGACY_VERSION" "$K8S_LEGACY_COMMIT" "$K8S_LEGACY_BUILD_DATE")" \
    k8s.io/kubernetes/cmd/kube-apiserver
}
build_etcd() {
  build_component etcd "$ETCD_VERSION" etcd 1 "-s -w" go.etcd.io/etcd/server/v3 go.etcd.io/etcd/etcdctl/v3
  # `go build` names the server binary after its module path (".../server/v3")
  if [ -f "$ETCD_BIN/server" ]; then mv "$ETCD_BIN/server" "$ETCD_BIN/etcd"; fi
  return 0
}
build_coredns() {
  build_component coredns "$COREDNS_VERSION" coredns 0 \
    "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" .
}
build_traefik() {
  build_component traefik "$TRAEFIK_VERSION" traefik 0 \
    "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
    github.com/traefik/traefik/v3/cmd/traefik
}
build_kube_router() {
  build_component kube-router "$KUBE_ROUTER_VERSION" kube-router 1 \
    "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
    github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
}
build_kubeadm() {
  # Its own wrapper module (go/kubeadm-1.35, the kubernetes-1.35 one plus kubeadm's
  # extra dependencies), so the other Kubernetes binaries keep their cache key.
  build_component kubeadm "$K8S_VERSION" kubeadm-1.35 1 \
    "$(k8s_ldflags "$K8S_VERSION" "$K8S_COMMIT" "$K8S_BUILD_DATE")" k8s.io/kubernetes/cmd/kubeadm
}
build_kind() {
  build_component kind "$KIND_VERSION" kind 0 "-s -w" sigs.k8s.io/kind
}
build_metrics_server() {
  build_component metrics-server "$METRICS_SERVER_VERSION" metrics-server 0 \
    "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION -X k8s.io/component-base/version.gitVersion=$METRICS_SERVER_VERSION" \
    sigs.k8s.io/metrics-server/cmd/metrics-server
}
build_metallb() {
  build_component metallb "$METALLB_VERSION" metallb 0 \
    "-s -w" \
    go.universe.tf/metallb/controller go.universe.tf/metallb/speaker
}
build_local_path() {
  build_component local-path-provisioner "$LOCAL_PATH_PROVISIONER_VERSION" local-path-provisioner 0 \
    "-s -w" github.com/rancher/local-path-provisioner
}

# Everything: the Kubernetes binaries (the kind node image and its component images, and
# the API servers of apiserver-only.sh: 1.35 and, k8s-legacy, 1.27), etcd, the add-ons of
# the kind cluster (MetalLB included) and the kind CLI.
ALL=(k8s k8s-legacy etcd coredns kube-router local-path traefik kubeadm kind metrics-server metallb)
FETCH_ONLY=0
if [ "${1:-}" = --fetch ]; then FETCH_ONLY=1; shift; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")
step "building/caching binaries in $REFARCH_CACHE: ${targets[*]} (the first, uncached build of all takes a long time: 30 min on 2 shared cores, measured)"
for t in "${targets[@]}"; do
  case $t in
    k8s) build_k8s ;;
    k8s-legacy) build_k8s_legacy ;;
    etcd) build_etcd ;;
    coredns) build_coredns ;;
    traefik) build_traefik ;;
    kube-router) build_kube_router ;;
    local-path) build_local_path ;;
    kubeadm) build_kubeadm ;;
    kind) build_kind ;;
    metrics-server) build_metrics_server ;;
    metallb) build_metallb ;;
    *) die "unknown component '$t' (known: ${ALL[*]})" ;;
  esac
done
if [ "$FETCH_ONLY" = 1 ]; then step "modules fetched (total $((SECONDS - T0))s)"; else step "binaries ready (total $((SECONDS - T0))s)"; fi
