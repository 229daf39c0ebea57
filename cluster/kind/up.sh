#!/usr/bin/env bash
# Creates the multi-node kind cluster: one control plane and two workers (docs/kind-cluster.yaml)
# made by the real `kind` CLI (v0.33.0, built from its Go module) from a node image assembled
# here (node-image.sh), with kube-router (routing + NetworkPolicy), CoreDNS, local-path
# (StorageClass standard), the Gateway API CRDs, Traefik serving IngressClass and GatewayClass
# traefik on 127.0.0.1:80/443, MetalLB (addresses for LoadBalancer Services, layer 2 on the
# kind network) and metrics-server. The app images are loaded with `kind load` like the
# README's walkthrough. Secrets are encrypted at rest in etcd (an EncryptionConfiguration with
# a key made here).
# Idempotent: on a running cluster it only checks it; a lock or cluster left by a run that
# ended without down.sh is taken over and remade. Env: REFARCH_KEEP_ON_FAILURE=1,
# REFARCH_LOCK_WAIT (seconds to wait for the cluster lock, default 600).
set -euo pipefail
SCRIPT_NAME=kind-up
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# images.sh's helpers: image_tar (the cached tarball of an image), guestbook_next_version
# shellcheck source=../images.sh
. "$CLUSTER_DIR/images.sh"
need_root

UP_OK=0
on_exit() {
  local rc=$?
  [ "$UP_OK" = 1 ] && return 0
  [ "$rc" = 0 ] && rc=1
  trap - EXIT
  set +e
  echo "================ cluster/kind/up.sh FAILED (exit $rc) after $((SECONDS - T0))s ================"
  # (only of our own cluster: while waiting for the lock, the kubeconfig is someone else's)
  if [ "${LOCK_TAKEN:-0}" = 1 ] && [ -f "$KUBECONFIG_FILE" ]; then
    kc get nodes -o wide 2>&1 | head -10
    kc get pods -A -o wide 2>&1 | head -40
    kc get events -A --sort-by=.lastTimestamp 2>&1 | tail -25
  fi
  if [ "${REFARCH_KEEP_ON_FAILURE:-0}" = 1 ]; then
    echo "REFARCH_KEEP_ON_FAILURE=1: leaving everything running; clean up with cluster/kind/down.sh"
  elif [ "${LOCK_TAKEN:-0}" = 1 ]; then
    echo "cleaning up (REFARCH_KEEP_ON_FAILURE=1 keeps the cluster for debugging)"
    bash "$KIND_DIR/down.sh" || true
  fi
  exit "$rc"
}
trap on_exit EXIT

# take_lock (one cluster at a time on this machine)
# shellcheck source=lock.sh
. "$KIND_DIR/lock.sh"

packages() {
  step "Debian packages of the host side (debootstrap for the node and PostgreSQL images, busybox and gcc for small images, curl, openssl, jq)"
  APT_PACKAGES=(debootstrap busybox-static gcc libc6-dev curl openssl jq iptables iproute2 ipset util-linux procps)
  ensure_apt_packages
}

build() {
  step "binaries (cluster/build.sh k8s etcd coredns kube-router local-path traefik kubeadm kind metrics-server metallb; cached after the first run)"
  T0=$T0 bash "$CLUSTER_DIR/build.sh" k8s etcd coredns kube-router local-path traefik kubeadm kind metrics-server metallb | sed -u 's/^/    /'
  [ "${PIPESTATUS[0]}" = 0 ] || die "cluster/build.sh failed"
}

# Secrets encrypted at rest: an EncryptionConfiguration (secretbox, a key made for this
# cluster) mounted into the control-plane node and handed to the API server.
ENCRYPTION_DIR=/etc/kubernetes/encryption
write_encryption_config() {
  local dir=$STATE/encryption
  [ -f "$dir/config.yaml" ] && return 0
  mkdir -p "$dir" && chmod 0700 "$dir"
  cat >"$dir/config.yaml.tmp" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - secretbox:
          keys:
            - name: key1
              secret: $(head -c 32 /dev/urandom | base64 -w0)
      - identity: {}
EOF
  chmod 0600 "$dir/config.yaml.tmp" && mv "$dir/config.yaml.tmp" "$dir/config.yaml"
}

# The config is docs/kind-cluster.yaml (what users run) plus what this machine and the
# checks need.
write_config() {
  mkdir -p "$STATE"
  write_encryption_config
  node -e '
    const fs = require("fs"), yaml = require(process.argv[1] + "/node_modules/yaml");
    const c = yaml.parse(fs.readFileSync(process.argv[2], "utf8"));
    c.name = process.argv[3];
    const cp = c.nodes.find((n) => n.role === "control-plane");
    cp.extraMounts = [...(cp.extraMounts ?? []), { hostPath: process.argv[7], containerPath: process.argv[8], readOnly: true }];
    c.networking = { ipFamily: "ipv4", podSubnet: process.argv[4], serviceSubnet: process.argv[5],
      apiServerAddress: "127.0.0.1" };
    c.kubeadmConfigPatches = [
      // cgroup v1 host: Kubernetes 1.35 refuses it unless told otherwise (KEP-5573)
      "kind: KubeletConfiguration\nfailCgroupV1: false\nserializeImagePulls: false\n",
      // kubeadm'"'"'s CoreDNS forwards unknown names to the node'"'"'s resolvers; addons.yaml has one
      // without. (The list replaces kind'"'"'s own, which is just "preflight".)
      "kind: InitConfiguration\nskipPhases:\n  - preflight\n  - addon/coredns\n",
      // leave the conntrack sysctls of the host alone
      "kind: KubeProxyConfiguration\nconntrack:\n  maxPerCore: 0\n  tcpEstablishedTimeout: 0s\n  tcpCloseWaitTimeout: 0s\n",
      // Secrets encrypted at rest (kind writes kubeadm v1beta3 for 1.35: extraArgs is a map)
      "kind: ClusterConfiguration\napiServer:\n  extraArgs:\n    encryption-provider-config: " + process.argv[8] + "/config.yaml\n" +
        "  extraVolumes:\n    - name: encryption\n      hostPath: " + process.argv[8] + "\n      mountPath: " + process.argv[8] +
        "\n      readOnly: true\n      pathType: Directory\n",
    ];
    fs.writeFileSync(process.argv[6], "# generated by cluster/kind/up.sh from docs/kind-cluster.yaml\n" + yaml.stringify(c));
  ' "$REPO_DIR" "$REPO_DIR/docs/kind-cluster.yaml" "$KIND_CLUSTER" "$KIND_POD_SUBNET" "$KIND_SERVICE_SUBNET" "$STATE/kind-config.yaml" \
    "$STATE/encryption" "$ENCRYPTION_DIR"
}

cluster_exists() { kind_ get clusters 2>/dev/null | grep -qx "$KIND_CLUSTER"; }

create_cluster() {
  step "kind create cluster --name $KIND_CLUSTER --image $KIND_NODE_IMAGE (1 control plane, 2 workers)"
  write_config
  # A cluster found by a run that took a free lock was left by one that ended without down.sh
  # (its node containers stopped with their dockerd): nobody can use it, so it is remade.
  if [ "${LOCK_FRESH:-0}" = 1 ] && cluster_exists; then
    info "cluster $KIND_CLUSTER is left from a run that ended without cluster/kind/down.sh: deleting it"
    kind_ delete cluster --name "$KIND_CLUSTER" --kubeconfig "$KUBECONFIG_FILE" 2>&1 | sed -u 's/^/    /'
    [ "${PIPESTATUS[0]}" = 0 ] || die "kind delete cluster (of the leftover cluster) failed"
  fi
  if cluster_exists; then
    info "cluster $KIND_CLUSTER exists"
    local n
    for n in $(kind_ get nodes --name "$KIND_CLUSTER"); do
      [ "$(docker_ inspect -f '{{.State.Running}}' "$n")" = true ] || die "node container $n is not running (cluster/kind/down.sh, then up again)"
    done
  else
    kind_ create cluster --name "$KIND_CLUSTER" --image "$KIND_NODE_IMAGE" --config "$STATE/kind-config.yaml" \
      --kubeconfig "$KUBECONFIG_FILE" --retain 2>&1 | sed -u 's/^/    /'
    [ "${PIPESTATUS[0]}" = 0 ] || die "kind create cluster failed"
  fi
  kind_ get kubeconfig --name "$KIND_CLUSTER" >"$KUBECONFIG_FILE.tmp" && mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
  chmod 0600 "$KUBECONFIG_FILE"
}

apply_addons() {
  step "Gateway API CRDs $GATEWAY_API_VERSION (standard channel, from schemas/gateway-api/)"
  install_gateway_api_crds kc
  step "add-ons: CoreDNS (no upstream), Traefik (IngressClass and GatewayClass traefik), metrics-server"
  sed -e "s#@@DNS_SERVICE_IP@@#$(kind_dns_ip)#g" -e "s#@@CLUSTER_DOMAIN@@#$CLUSTER_DOMAIN#g" \
    -e "s#@@COREDNS_IMAGE@@#$COREDNS_IMAGE#g" -e "s#@@TRAEFIK_IMAGE@@#$TRAEFIK_IMAGE#g" \
    -e "s#@@METRICS_SERVER_IMAGE@@#$METRICS_SERVER_IMAGE#g" "$KIND_DIR/addons.yaml" >"$STATE/addons.yaml"
  kc_apply_retrying "$STATE/addons.yaml" "$STATE/addons-apply.log"
}
kind_dns_ip() { echo "${KIND_SERVICE_SUBNET%.*/*}.10"; }

# MetalLB from its module (config/manifests/metallb-native.yaml of the version go/metallb
# pins, as build.sh built it), with the images built here, then its pool (metallb.yaml).
apply_metallb() {
  step "MetalLB $METALLB_VERSION (layer 2): LoadBalancer addresses from $KIND_LB_RANGE on $KIND_BRIDGE"
  local dir
  dir=$(cd "$CLUSTER_DIR/go/metallb" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' go.universe.tf/metallb) ||
    die "go.universe.tf/metallb is not in the module cache (cluster/build.sh metallb)"
  sed -e "s#quay.io/metallb/controller:$METALLB_VERSION#$METALLB_CONTROLLER_IMAGE#" \
    -e "s#quay.io/metallb/speaker:$METALLB_VERSION#$METALLB_SPEAKER_IMAGE#" "$dir/config/manifests/metallb-native.yaml" >"$STATE/metallb-native.yaml"
  ! grep -n 'image: quay.io' "$STATE/metallb-native.yaml" || die "metallb-native.yaml names an image not built here"
  kc_apply_retrying "$STATE/metallb-native.yaml" "$STATE/metallb-apply.log"
}
# The pool goes through MetalLB's admission webhook, which answers once the controller is
# ready and its certificate is in place.
metallb_pool() {
  sed "s#@@KIND_LB_RANGE@@#$KIND_LB_RANGE#" "$KIND_DIR/metallb.yaml" >"$STATE/metallb.yaml"
  local i ok=0
  for i in $(seq 1 30); do
    if kc apply --server-side --force-conflicts -f "$STATE/metallb.yaml" >"$STATE/metallb-pool.log" 2>&1; then ok=1; break; fi
    sleep 2
  done
  [ "$ok" = 1 ] || { cat "$STATE/metallb-pool.log"; die "MetalLB's pool was not accepted within 60 s"; }
  info "pool $KIND_LB_RANGE, layer-2 advertisement on the kind network"
}

# docker_load_oci TAR: loads one of cluster/images.sh's OCI tarballs into dockerd. The
# tarball gets a docker-archive manifest.json beside its OCI index, so `docker load`
# and containerd's import both read it.
docker_load_oci() {
  local tar=$1 d ref cfg layer
  d=$(mktemp -d "$STATE/.load.XXXXXX")
  tar -xf "$tar" -C "$d"
  ref=$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' "$d/index.json")
  local man
  man=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$d/index.json")
  cfg=$(jq -r '.config.digest | sub("sha256:"; "")' "$d/blobs/sha256/$man")
  layer=$(jq -r '.layers[0].digest | sub("sha256:"; "")' "$d/blobs/sha256/$man")
  jq -n --arg c "blobs/sha256/$cfg" --arg r "$ref" --arg l "blobs/sha256/$layer" '[{Config: $c, RepoTags: [$r], Layers: [$l]}]' >"$d/manifest.json"
  tar --format=gnu --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d" -cf "$d.tar" oci-layout index.json manifest.json blobs
  docker_ load -i "$d.tar" >/dev/null
  mv "$d.tar" "${tar%.oci.tar}.both.tar"
  rm -rf "$d"
  echo "$ref"
}

load_images() {
  step "app images: cluster/images.sh, then kind load (image-archive and docker-image)"
  T0=$T0 SCRIPT_NAME=images bash "$CLUSTER_DIR/images.sh" busybox postgresql postgresql-patroni guestbook guestbook-next postgresql-next postgresql-patroni-next | sed -u 's/^/    /'
  [ "${PIPESTATUS[0]}" = 0 ] || die "cluster/images.sh failed"
  local name tar ref ver
  ver=$(sed -n 's/.*org\.opencontainers\.image\.version="\([^"]*\)".*/\1/p' "$REPO_DIR/app/Dockerfile" | head -1)
  # `kind load image-archive` keeps the OCI manifest digests, so manifests may pin them (prod).
  # guestbook-next and postgresql-next are second builds (other digests) for the dev suite's
  # upgrade step.
  for name in postgresql postgresql-next postgresql-patroni postgresql-patroni-next guestbook guestbook-next busybox; do
    tar=$(image_tar "$name")
    ref=$(docker_load_oci "$tar")
    kind_ load image-archive "${tar%.oci.tar}.both.tar" --name "$KIND_CLUSTER" 2>&1 | sed -u 's/^/    /'
    # The digest reference (repository@sha256:...), which a manifest pinned by digest asks
    # for: containerd 1.6's import names the image by its tag only.
    for n in $(kind_ get nodes --name "$KIND_CLUSTER"); do
      docker_ exec "$n" ctr -n k8s.io images tag --force "$ref" "${ref%:*}@$(cat "$tar.digest")" >/dev/null
    done
    info "loaded $ref (${ref%:*}@$(cat "$tar.digest")) into every node"
  done
  # the client image name of the e2e suite
  for n in $(kind_ get nodes --name "$KIND_CLUSTER"); do
    docker_ exec "$n" ctr -n k8s.io images tag --force "$BUSYBOX_IMAGE" "$NETCHECK_IMAGE" >/dev/null
  done
  printf 'E2E_WEB_IMAGE_NEXT=%s\nE2E_DB_IMAGE_NEXT=%s\nE2E_DB_PATRONI_IMAGE_NEXT=%s\n' "$GUESTBOOK_IMAGE_REPO:$(guestbook_next_version)" "$POSTGRES_IMAGE-next" "$POSTGRES_PATRONI_IMAGE-next" >"$STATE/upgrade-images.env"
  info "second builds for the upgrade check: $GUESTBOOK_IMAGE_REPO:$(guestbook_next_version) ($(cat "$(image_tar guestbook-next).digest")), $POSTGRES_IMAGE-next ($(cat "$(image_tar postgresql-next).digest")), $POSTGRES_PATRONI_IMAGE-next ($(cat "$(image_tar postgresql-patroni-next).digest"))"
  # The README's kind walkthrough, for real: a docker image name, `kind load docker-image`.
  docker_ tag "$GUESTBOOK_IMAGE_REPO:$ver" "refarch-guestbook:$ver"
  kind_ load docker-image "refarch-guestbook:$ver" --name "$KIND_CLUSTER" 2>&1 | sed -u 's/^/    /'
  [ "${PIPESTATUS[0]}" = 0 ] || die "kind load docker-image failed"
  info "kind load docker-image refarch-guestbook:$ver: done"
}

node_ready_all() { [ "$(kc get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)" = 3 ]; }
dns_works() {
  kc -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns -o jsonpath='{.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}' | grep -q .
}
ingress_answers() {
  local code
  code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 3 -H "Host: refarch-up-check.localtest.me" http://127.0.0.1/)
  [ "$code" = 404 ]
}
top_works() { kc top nodes >/dev/null 2>&1; }
gatewayclass_accepted() { [ "$(kc get gatewayclass traefik -o jsonpath='{.status.conditions[?(@.type=="Accepted")].status}')" = True ]; }

wait_ready() {
  step "waiting for 3 nodes Ready, kube-router, CoreDNS, local-path, Traefik (Ingress and Gateway API), MetalLB, metrics-server"
  wait_until "3 nodes Ready" 240 node_ready_all || die "not every node is Ready"
  info "nodes: $(kc get nodes --no-headers | awk '{printf "%s(%s) ", $1, $2}')"
  kc -n kube-system rollout status daemonset/kube-router --timeout=180s >/dev/null || die "kube-router is not ready"
  local d
  for d in kube-system/coredns local-path-storage/local-path-provisioner traefik/traefik metallb-system/controller kube-system/metrics-server; do
    kc -n "${d%/*}" rollout status "deployment/${d#*/}" --timeout=180s >/dev/null || die "deployment $d is not ready"
    info "deployment $d ready"
  done
  wait_until "DNS endpoints" 60 dns_works || die "cluster DNS has no ready endpoint"
  [ "$(kc get storageclass standard -o jsonpath='{.metadata.annotations.storageclass\.kubernetes\.io/is-default-class}')" = true ] ||
    die "StorageClass standard is missing or not default"
  info "default StorageClass: standard (rancher.io/local-path)"
  wait_until "ingress controller on 127.0.0.1:80" 90 ingress_answers || die "the ingress controller does not answer on 127.0.0.1:80"
  info "ingress controller answers on http://127.0.0.1:80 (and https://127.0.0.1:443)"
  wait_until "GatewayClass traefik Accepted" 60 gatewayclass_accepted || die "Traefik did not accept the GatewayClass traefik"
  info "GatewayClass traefik accepted by $(kc get gatewayclass traefik -o jsonpath='{.spec.controllerName}')"
  kc -n metallb-system rollout status daemonset/speaker --timeout=180s >/dev/null || die "MetalLB's speaker is not ready"
  metallb_pool
  info "MetalLB speaker on every node"
  wait_until "kubectl top nodes (metrics-server)" 120 top_works || die "kubectl top nodes does not work"
  kc top nodes | sed -u 's/^/    /'
}

label_check() {
  step "node labels: kubernetes.io/hostname and topology.kubernetes.io/zone"
  kc get nodes -L kubernetes.io/hostname -L topology.kubernetes.io/zone | sed -u 's/^/    /'
  [ "$(kc get nodes -o jsonpath='{range .items[*]}{.metadata.labels.topology\.kubernetes\.io/zone}{"\n"}{end}' | sort -u | grep -c .)" = 3 ] ||
    die "the three nodes do not have three different zones"
}

echo "[kind-up] multi-node kind cluster (Kubernetes $K8S_VERSION, kind $KIND_VERSION). First run: builds and the node image (minutes); later ~2 min."
take_lock
packages
build
bash "$KIND_DIR/docker.sh" start | sed -u 's/^/    /'; [ "${PIPESTATUS[0]}" = 0 ] || die "dockerd did not start"
step "node image $KIND_NODE_IMAGE (cluster/kind/node-image.sh; cached by content)"
T0=$T0 bash "$KIND_DIR/node-image.sh" | sed -u 's/^/    /'; [ "${PIPESTATUS[0]}" = 0 ] || die "node-image.sh failed"
create_cluster
apply_addons
apply_metallb
load_images
wait_ready
label_check
SCRIPT_NAME=docker bash "$KIND_DIR/docker.sh" check | sed -u 's/^/    /'; [ "${PIPESTATUS[0]}" = 0 ] || die "confinement check failed"
UP_OK=1
step "kind cluster $KIND_CLUSTER is up ($((SECONDS - T0))s)"
kc get nodes -o wide | sed -u 's/^/    /'
echo
echo "export KUBECONFIG=$KUBECONFIG_FILE PATH=$K8S_BIN:\$PATH"
