#!/usr/bin/env bash
# Assembles the kind node image locally (never `kind build node-image`, which pulls
# its base image), in the layout kind's code reads (sigs.k8s.io/kind v0.33.0,
# pkg/build/nodeimage and images/base):
#   - a Debian bookworm rootfs (debootstrap, minbase) with systemd, containerd 1.6,
#     runc, the CNI plugins, iptables/nftables, ipset, conntrack, iproute2, jq;
#   - kind's own files from its Go module (images/base/files: entrypoint, kubelet and
#     containerd units, kind/bin scripts, sysctls), containerd pointed at Debian's binary,
#     without OOMScoreAdjust (root here cannot lower it);
#   - /usr/bin/kubeadm, kubelet, kubectl ($K8S_VERSION, built by cluster/build.sh);
#   - /kind/version, /kind/manifests/default-cni.yaml (kube-router), default-storage.yaml
#     (local-path-provisioner, StorageClass standard);
#   - the images kubeadm expects, and the add-on images, preloaded in containerd's
#     k8s.io namespace (imported with ctr inside a build container, then committed, as
#     kind's own builder does).
# Every image is made here from binaries built from source; nothing is pulled.
#   cluster/kind/node-image.sh              # build (cached by content)
#   cluster/kind/node-image.sh base-rootfs  # only the Debian rootfs tarball (no docker needed)
set -euo pipefail
SCRIPT_NAME=${SCRIPT_NAME:-node-image}
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# images.sh's OCI helpers (oci_pack, cached_tar, the busybox/coredns/... builders)
# shellcheck source=../images.sh
. "$CLUSTER_DIR/images.sh"
need_root
SELF=$(readlink -f "${BASH_SOURCE[0]}") # cache keys read this file, also when it is sourced

KIND_SRC=$(GOFLAGS=-mod=mod go env GOMODCACHE)/sigs.k8s.io/kind@$KIND_VERSION
NODE_CACHE=$REFARCH_CACHE/kind-node
mkdir -p "$NODE_CACHE" "$IMG_CACHE"

BASE_PACKAGES="systemd dbus containerd runc containernetworking-plugins iptables nftables ipset conntrack iproute2
  ethtool util-linux mount kmod libseccomp2 e2fsprogs bash ca-certificates jq procps socat"

base_key() { { sed -n '/^base_rootfs()/,/^}/p' "$SELF"; echo "$BASE_PACKAGES"; } | sha256sum | cut -c1-16; }

# A Debian rootfs with systemd and the container runtime, as a tarball in the cache.
# Network and disk bound (debootstrap, apt), no docker: .ci/run makes it while Go builds.
base_rootfs() {
  local key=$1 root mirror tar=$NODE_CACHE/base-$1.tar
  if [ ! -f "$tar" ]; then
    mirror=$(debian_mirror)
    root=$(mktemp -d "$NODE_CACHE/.root.XXXXXX")
    info "debootstrap bookworm (minbase) from $mirror + $(wc -w <<<"$BASE_PACKAGES") packages (a few minutes, once)"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$NODE_CACHE/debootstrap.log" 2>&1 ||
      { tail -30 "$NODE_CACHE/debootstrap.log"; die "debootstrap failed"; }
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 0755 "$root/usr/sbin/policy-rc.d"
    cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
    rm -f "$root/etc/resolv.conf"; cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    mount -t proc proc "$root/proc"
    # shellcheck disable=SC2086
    { chroot "$root" apt-get update -o Acquire::Retries=3 &&
      DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y --no-install-recommends $BASE_PACKAGES; } \
      >>"$NODE_CACHE/debootstrap.log" 2>&1 || { umount -l "$root/proc"; tail -30 "$NODE_CACHE/debootstrap.log"; die "apt-get install in the node rootfs failed"; }
    umount -l "$root/proc"
    chroot "$root" apt-get clean
    rm -rf "$root/var/lib/apt/lists/"* "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/sbin/policy-rc.d"
    : >"$root/etc/resolv.conf"
    # as kind's base Dockerfile: no services but ours, journald without kmsg, systemd as /sbin/init
    find "$root/lib/systemd/system/sysinit.target.wants/" -name "systemd-tmpfiles-setup.service" -delete
    rm -f "$root"/lib/systemd/system/multi-user.target.wants/* "$root"/etc/systemd/system/*.wants/* \
      "$root"/lib/systemd/system/local-fs.target.wants/* "$root"/lib/systemd/system/sockets.target.wants/*udev* \
      "$root"/lib/systemd/system/sockets.target.wants/*initctl* "$root"/lib/systemd/system/basic.target.wants/*
    echo "ReadKMsg=no" >>"$root/etc/systemd/journald.conf"
    ln -sf /usr/lib/systemd/systemd "$root/sbin/init"
    tar --numeric-owner -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$root"
  fi
  # older bases (other keys) go
  local old
  for old in "$NODE_CACHE"/base-*.tar; do [ "$old" = "$tar" ] || rm -f "$old"; done
}

# The base rootfs imported as a docker image.
build_base() {
  local key=$1 tar=$NODE_CACHE/base-$1.tar old
  base_rootfs "$key"
  for old in $(docker_ images --format '{{.Repository}}:{{.Tag}}' "${KIND_NODE_BASE_IMAGE%:*}" 2>/dev/null); do
    [ "$old" = "$KIND_NODE_BASE_IMAGE-$key" ] || docker_ rmi "$old" >/dev/null 2>&1 || true
  done
  if ! docker_ image inspect "$KIND_NODE_BASE_IMAGE-$key" >/dev/null 2>&1; then
    docker_ import "$tar" "$KIND_NODE_BASE_IMAGE-$key" >/dev/null
    info "imported $KIND_NODE_BASE_IMAGE-$key"
  fi
}


# add_bin ROOT FILE...: copies executables (keeping their path) and every shared library
# they load (ldd), so a dynamically linked binary runs in an image without a distribution.
add_bin() {
  local root=$1 f lib; shift
  for f; do
    # die, not a failed install: the image would be cached without the file
    [ -e "$f" ] || die "add_bin: $f is missing on this machine (its Debian package is not installed?)"
    install -D -m 0755 "$(readlink -f "$f")" "$root$f" || die "add_bin: copying $f failed"
    for lib in $(ldd "$f" 2>/dev/null | awk '/\// {print ($3 ~ /^\//) ? $3 : $1}'); do
      [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib" || die "add_bin: copying $lib failed"
    done
  done
}

# add_iptables ROOT: iptables/ip6tables (nft backend) with their extensions, and ipset.
add_iptables() {
  local root=$1 l ext=/usr/lib/x86_64-linux-gnu/xtables
  add_bin "$root" /usr/sbin/xtables-nft-multi /usr/sbin/ipset
  for l in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore \
    iptables-nft iptables-nft-save iptables-nft-restore ip6tables-nft ip6tables-nft-save ip6tables-nft-restore; do
    ln -sf xtables-nft-multi "$root/usr/sbin/$l"
  done
  mkdir -p "$root$ext"
  cp -a "$ext"/. "$root$ext/"
  for l in "$ext"/*.so; do add_bin "$root" "$l"; done
  mkdir -p "$root/run" "$root/var/run"
}

# component_image NAME REF KEYEXTRA BUILDER: a cached OCI tarball for REF made by BUILDER ROOT
component_image() {
  local name=$1 ref=$2 keyextra=$3 builder=$4 key tar root
  key=$( { echo "$ref $keyextra"; sed -n "/^$builder()/,/^}/p" "$SELF"; sed -n '/^add_bin()/,/^}/p;/^add_iptables()/,/^}/p' "$SELF"; } | sha256sum | cut -c1-16)
  tar=$(cached_tar "kind-$name" "$key")
  if [ ! -f "$tar.digest" ]; then
    root=$(mktemp -d "$IMG_CACHE/.root.XXXXXX")
    passwd_files "$root"
    "$builder" "$root"
    oci_pack "$ref" "$root" "$tar" "${IMAGE_USER:-0:0}" "$IMAGE_ENTRY" "[\"PATH=$DEFAULT_PATH\"]"
    rm -rf "$root"
    info "built $ref" >&2
  fi
  echo "$tar"
}

cp_k8s_bin() { add_bin "$1" "$K8S_BIN/$2"; mkdir -p "$1/usr/local/bin"; mv "$1$K8S_BIN/$2" "$1/usr/local/bin/$2"; rm -rf "${1:?}/var"; }
b_apiserver() { cp_k8s_bin "$1" kube-apiserver; }
b_controller_manager() { cp_k8s_bin "$1" kube-controller-manager; }
b_scheduler() { cp_k8s_bin "$1" kube-scheduler; }
b_proxy() { cp_k8s_bin "$1" kube-proxy; add_iptables "$1"; }
b_etcd() { add_bin "$1" "$ETCD_BIN/etcd" "$ETCD_BIN/etcdctl"; mkdir -p "$1/usr/local/bin"; mv "$1$ETCD_BIN"/* "$1/usr/local/bin/"; rm -rf "${1:?}/var"; mkdir -p "$1/var/lib/etcd"; }
b_kube_router() { add_bin "$1" "$KUBE_ROUTER_BIN/kube-router"; mkdir -p "$1/usr/local/bin"; mv "$1$KUBE_ROUTER_BIN/kube-router" "$1/usr/local/bin/"; rm -rf "${1:?}/var"; add_iptables "$1"; add_bin "$1" /usr/sbin/ip /usr/bin/nsenter; }
b_metrics_server() { install -D -m 0755 "$METRICS_SERVER_BIN/metrics-server" "$1/metrics-server"; }
# MetalLB's images hold just the binary at the path its release images use.
b_metallb_controller() { install -D -m 0755 "$METALLB_BIN/controller" "$1/controller"; }
b_metallb_speaker() { install -D -m 0755 "$METALLB_BIN/speaker" "$1/speaker"; }

# The images kubeadm expects (`kubeadm config images list`), under its names, plus
# the add-on images; prints "REF TAR" lines.
control_plane_images() {
  local ref
  for ref in $("$KUBEADM_BIN/kubeadm" config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null); do
    case $ref in
      */kube-apiserver:*) echo "$ref $(IMAGE_ENTRY='["/usr/local/bin/kube-apiserver"]' component_image apiserver "$ref" "$(sha256sum <"$K8S_BIN/kube-apiserver")" b_apiserver)" ;;
      */kube-controller-manager:*) echo "$ref $(IMAGE_ENTRY='["/usr/local/bin/kube-controller-manager"]' component_image controller-manager "$ref" "$(sha256sum <"$K8S_BIN/kube-controller-manager")" b_controller_manager)" ;;
      */kube-scheduler:*) echo "$ref $(IMAGE_ENTRY='["/usr/local/bin/kube-scheduler"]' component_image scheduler "$ref" "$(sha256sum <"$K8S_BIN/kube-scheduler")" b_scheduler)" ;;
      */kube-proxy:*) echo "$ref $(IMAGE_ENTRY='["/usr/local/bin/kube-proxy"]' component_image proxy "$ref" "$(sha256sum <"$K8S_BIN/kube-proxy")" b_proxy)" ;;
      */etcd:*) echo "$ref $(IMAGE_ENTRY='["/usr/local/bin/etcd"]' component_image etcd "$ref" "$(sha256sum <"$ETCD_BIN/etcd")" b_etcd)" ;;
      */pause:*) echo "$ref pause" ;;
      */coredns:*) ;; # kubeadm's CoreDNS add-on is skipped: ours has no upstream forward
      *) die "kubeadm expects an image this script cannot make: $ref" ;;
    esac
  done
  echo "$KUBE_ROUTER_IMAGE $(IMAGE_ENTRY='["/usr/local/bin/kube-router"]' component_image kube-router "$KUBE_ROUTER_IMAGE" "$(sha256sum <"$KUBE_ROUTER_BIN/kube-router")" b_kube_router)"
  echo "$METRICS_SERVER_IMAGE $(IMAGE_USER=65532:65532 IMAGE_ENTRY='["/metrics-server"]' component_image metrics-server "$METRICS_SERVER_IMAGE" "$(sha256sum <"$METRICS_SERVER_BIN/metrics-server")" b_metrics_server)"
  echo "$METALLB_CONTROLLER_IMAGE $(IMAGE_USER=65534:65534 IMAGE_ENTRY='["/controller"]' component_image metallb-controller "$METALLB_CONTROLLER_IMAGE" "$(sha256sum <"$METALLB_BIN/controller")" b_metallb_controller)"
  echo "$METALLB_SPEAKER_IMAGE $(IMAGE_ENTRY='["/speaker"]' component_image metallb-speaker "$METALLB_SPEAKER_IMAGE" "$(sha256sum <"$METALLB_BIN/speaker")" b_metallb_speaker)"
}

# The node image: base + kind's files + Kubernetes binaries + preloaded images.
build_node() {
  local base_key node_key c images ref tar pause_ref
  base_key=$(base_key)
  build_base "$base_key"
  images=$(control_plane_images)
  pause_ref=$(awk '$2 == "pause" {print $1}' <<<"$images")
  [ -n "$pause_ref" ] || die "kubeadm lists no pause image"
  img_pause >/dev/null # refarch.local/pause tarball: retagged as $pause_ref in the node
  img_coredns >/dev/null; img_local_path >/dev/null; img_busybox >/dev/null; img_traefik >/dev/null
  node_key=$( { echo "$base_key"; echo "$images"; cat "$IMG_CACHE"/pause-*.digest "$IMG_CACHE"/coredns-*.digest \
      "$IMG_CACHE"/local-path-*.digest "$IMG_CACHE"/busybox-*.digest "$IMG_CACHE"/traefik-*.digest;
    sha256sum "$KUBEADM_BIN/kubeadm" "$K8S_BIN/kubelet" "$K8S_BIN/kubectl";
    file_sums "$KIND_DIR"/node/* "$KIND_DIR/runc-nosysresource.sh" "$SELF"; } | sha256sum | cut -c1-16)
  if [ "$(docker_ image inspect -f '{{index .Config.Labels "refarch.node-key"}}' "$KIND_NODE_IMAGE" 2>/dev/null)" = "$node_key" ]; then
    info "$KIND_NODE_IMAGE is up to date (key $node_key)"
    return 0
  fi
  step "assembling $KIND_NODE_IMAGE from $KIND_NODE_BASE_IMAGE-$base_key"
  c=refarch-kind-build-$$
  docker_ rm -f "$c" >/dev/null 2>&1 || true
  docker_ run -d --name "$c" --entrypoint sleep --security-opt seccomp=unconfined --network none \
    "$KIND_NODE_BASE_IMAGE-$base_key" infinity >/dev/null
  # shellcheck disable=SC2064
  trap "docker_ rm -f '$c' >/dev/null 2>&1 || true" EXIT
  # kind's images/base files, as its Dockerfile copies them
  local f=$KIND_SRC/images/base/files
  [ -d "$f" ] || die "kind's source is not in the module cache ($f): run cluster/build.sh kind"
  docker_ cp "$f/usr/local/bin/entrypoint" "$c:/usr/local/bin/entrypoint"
  docker_ exec "$c" mkdir -p /kind/bin /kind/manifests /etc/systemd/system/kubelet.service.d /etc/containerd \
    /etc/systemd/system/containerd.service.d /etc/kubernetes/manifests /opt/cni/bin /etc/sysctl.d /etc/default
  for x in mount-product-files.sh undo-mount-hacks.sh create-kubelet-cgroup-v2.sh; do docker_ cp "$f/kind/bin/$x" "$c:/kind/bin/$x"; done
  docker_ cp "$f/etc/systemd/system/kubelet.service" "$c:/etc/systemd/system/kubelet.service"
  docker_ cp "$f/etc/systemd/system/kubelet.slice" "$c:/etc/systemd/system/kubelet.slice"
  docker_ cp "$f/etc/systemd/system/undo-mount-hacks.service" "$c:/etc/systemd/system/undo-mount-hacks.service"
  docker_ cp "$f/etc/systemd/system/kubelet.service.d/10-kubeadm.conf" "$c:/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
  docker_ cp "$f/etc/systemd/system/kubelet.service.d/11-kind.conf" "$c:/etc/systemd/system/kubelet.service.d/11-kind.conf"
  docker_ cp "$f/etc/default/kubelet" "$c:/etc/default/kubelet"
  for x in "$f"/etc/sysctl.d/*; do docker_ cp "$x" "$c:/etc/sysctl.d/"; done
  # kind's containerd unit, for Debian's binary, without OOMScoreAdjust=-999 (root here cannot lower it)
  sed -e 's#^ExecStart=/usr/local/bin/containerd#ExecStart=/usr/bin/containerd#' -e '/^OOMScoreAdjust=/d' \
    "$f/etc/systemd/system/containerd.service" >"$NODE_CACHE/containerd.service"
  docker_ cp "$NODE_CACHE/containerd.service" "$c:/etc/systemd/system/containerd.service"
  docker_ cp "$KIND_DIR/node/containerd-proxy.conf" "$c:/etc/systemd/system/containerd.service.d/10-refarch-proxy.conf"
  sed "s#@@PAUSE_IMAGE@@#$pause_ref#" "$KIND_DIR/node/containerd-config.toml" >"$NODE_CACHE/config.toml"
  docker_ cp "$NODE_CACHE/config.toml" "$c:/etc/containerd/config.toml"
  docker_ cp "$KIND_DIR/runc-nosysresource.sh" "$c:/usr/local/sbin/runc-nosysresource"
  # Kubernetes binaries
  docker_ cp "$KUBEADM_BIN/kubeadm" "$c:/usr/bin/kubeadm"
  docker_ cp "$K8S_BIN/kubelet" "$c:/usr/bin/kubelet"
  docker_ cp "$K8S_BIN/kubectl" "$c:/usr/bin/kubectl"
  printf '%s' "$K8S_VERSION" >"$NODE_CACHE/version"
  docker_ cp "$NODE_CACHE/version" "$c:/kind/version"
  render_manifest "$KIND_DIR/node/default-cni.yaml" >"$NODE_CACHE/default-cni.yaml"
  render_manifest "$KIND_DIR/node/default-storage.yaml" >"$NODE_CACHE/default-storage.yaml"
  docker_ cp "$NODE_CACHE/default-cni.yaml" "$c:/kind/manifests/default-cni.yaml"
  docker_ cp "$NODE_CACHE/default-storage.yaml" "$c:/kind/manifests/default-storage.yaml"
  # shellcheck disable=SC2016 # the script runs in the build container's shell, which expands it
  docker_ exec "$c" sh -euc '
    chmod 0755 /usr/local/bin/entrypoint /kind/bin/*.sh /usr/local/sbin/runc-nosysresource /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl
    chown root:root /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl
    for p in /usr/lib/cni/*; do ln -sf "$p" /opt/cni/bin/; done
    systemctl enable kubelet.service containerd.service undo-mount-hacks.service >/dev/null 2>&1
    systemctl mask systemd-binfmt.service >/dev/null 2>&1
    mkdir -p /var/lib/kubelet'
  # preload the images into containerd's k8s.io namespace (containerd run briefly in the build container)
  # shellcheck disable=SC2016 # expanded by the build container's shell
  docker_ exec "$c" sh -c 'nohup containerd >/tmp/containerd.log 2>&1 & echo $! >/tmp/containerd.pid'
  # shellcheck disable=SC2016 # expanded by the build container's shell
  docker_ exec "$c" sh -c 'for i in $(seq 1 30); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 1; done; cat /tmp/containerd.log; exit 1' ||
    die "containerd did not start in the build container"
  local n=0
  while read -r ref tar; do
    [ "$tar" = pause ] && continue
    docker_ exec -i "$c" ctr -n k8s.io images import --label=io.cri-containerd.pinned=pinned --no-unpack - <"$tar" >/dev/null
    n=$((n + 1))
  done <<<"$images"
  for tar in "$IMG_CACHE"/pause-*.oci.tar "$IMG_CACHE"/coredns-*.oci.tar "$IMG_CACHE"/local-path-*.oci.tar "$IMG_CACHE"/busybox-*.oci.tar "$IMG_CACHE"/traefik-*.oci.tar; do
    docker_ exec -i "$c" ctr -n k8s.io images import --label=io.cri-containerd.pinned=pinned --no-unpack - <"$tar" >/dev/null
    n=$((n + 1))
  done
  docker_ exec "$c" ctr -n k8s.io images tag --force "$PAUSE_IMAGE" "$pause_ref" >/dev/null
  docker_ exec "$c" ctr -n k8s.io images label "$pause_ref" io.cri-containerd.pinned=pinned >/dev/null
  info "preloaded $n images (+ $pause_ref):"
  docker_ exec "$c" ctr -n k8s.io images ls -q | sed -u 's/^/      /'
  # (sleep is PID 1 of the build container and reaps nothing: gone or a zombie both mean stopped)
  # shellcheck disable=SC2016 # expanded by the build container's shell
  docker_ exec "$c" sh -c 'p=$(cat /tmp/containerd.pid); kill "$p"; for i in $(seq 1 60); do
    st=$(sed "s/.*) //" /proc/$p/stat 2>/dev/null | cut -d" " -f1); [ -z "$st" ] || [ "$st" = Z ] && exit 0; sleep 0.5; done; exit 1' ||
    die "containerd in the build container did not stop"
  docker_ exec "$c" sh -c 'rm -rf /run/containerd /var/lib/containerd/tmpmounts'
  docker_ exec "$c" rm -f /tmp/containerd.pid /tmp/containerd.log
  docker_ commit --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
    --change 'ENV container=docker' --change "LABEL refarch.node-key=$node_key" \
    "$c" "$KIND_NODE_IMAGE" >/dev/null
  docker_ rm -f "$c" >/dev/null
  trap - EXIT
  docker_ image prune -f >/dev/null 2>&1 || true # the previous node image, now untagged
  info "$KIND_NODE_IMAGE built (key $node_key)"
}

render_manifest() {
  sed -e "s#@@KUBE_ROUTER_IMAGE@@#$KUBE_ROUTER_IMAGE#g" -e "s#@@LOCAL_PATH_IMAGE@@#$LOCAL_PATH_IMAGE#g" \
    -e "s#@@BUSYBOX_IMAGE@@#$BUSYBOX_IMAGE#g" -e "s#@@KIND_POD_SUBNET@@#$KIND_POD_SUBNET#g" "$1"
}

case ${1:-} in
  base) step "node base image"; build_base "$(base_key)" ;;
  base-rootfs) step "node base rootfs (no docker)"; base_rootfs "$(base_key)" ;;
  "" | node) build_node ;;
  *) echo "usage: $0 [base|base-rootfs|node]" >&2; exit 2 ;;
esac
