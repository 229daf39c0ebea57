#!/usr/bin/env bash
# Starts a real single-node Kubernetes cluster on this machine from the official
# components (see cluster/README.md): etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, containerd (own instance), kubelet, kube-proxy, kube-router
# (NetworkPolicy firewall), CoreDNS, local-path-provisioner (StorageClass
# "standard") and Traefik (IngressClass and GatewayClass "traefik" on 127.0.0.1:80/443, with
# the Gateway API CRDs).
# Idempotent: running it on a running cluster only checks it.
# Env: REFARCH_CACHE, REFARCH_STATE_DIR, REFARCH_KEEP_ON_FAILURE=1, REFARCH_SKIP_IMAGES=1
set -euo pipefail
SCRIPT_NAME=up
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$CLUSTER_DIR/pki.sh"
need_root

UP_OK=0
FAILED_COMPONENT=""
on_exit() {
  local rc=$?
  [ "$UP_OK" = 1 ] && return 0
  [ "$rc" = 0 ] && rc=1
  trap - EXIT
  set +e
  echo
  echo "================ cluster/up.sh FAILED (exit $rc) after $((SECONDS - T0))s ================"
  diagnostics
  if [ "${REFARCH_KEEP_ON_FAILURE:-0}" = 1 ]; then
    echo "REFARCH_KEEP_ON_FAILURE=1: leaving everything running. State: $STATE; logs: $LOG_DIR"
    echo "Clean up later with: cluster/down.sh"
  else
    echo "cleaning up (set REFARCH_KEEP_ON_FAILURE=1 to keep the cluster for debugging)"
    "$CLUSTER_DIR/down.sh" || true
  fi
  exit "$rc"
}
trap on_exit EXIT

diagnostics() {
  local f n
  if [ -n "$FAILED_COMPONENT" ] && [ -f "$LOG_DIR/$FAILED_COMPONENT.log" ]; then
    echo "---- last 40 lines of $FAILED_COMPONENT.log (failing component)"
    tail -n 40 "$LOG_DIR/$FAILED_COMPONENT.log"
  fi
  for f in "$LOG_DIR"/*.log; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .log)
    [ "$n" = "$FAILED_COMPONENT" ] && continue
    if [ -f "$RUN_DIR/$n.pid" ] && ! daemon_running "$n"; then echo "---- $n is NOT running"; fi
    echo "---- last 8 lines of $n.log"
    tail -n 8 "$f"
  done
  if [ -f "$KUBECONFIG_FILE" ] && curl_api /readyz >/dev/null 2>&1; then
    echo "---- kubectl get nodes,pods -A -o wide"
    kc get nodes,pods -A -o wide 2>&1 | head -40
    echo "---- kubectl get events -A (last 40)"
    kc get events -A --sort-by=.lastTimestamp 2>&1 | tail -40
    echo "---- describe of pods that are not Ready"
    kc get pods -A --no-headers 2>/dev/null | awk '{split($3, r, "/"); if (r[1] != r[2] || $4 != "Running") print $1, $2}' |
      head -5 | while read -r ns pod; do kc -n "$ns" describe pod "$pod" 2>&1 | tail -30; done
    echo "---- node conditions"
    kc describe node "$NODE_NAME" 2>&1 | sed -n '/Conditions:/,/Addresses:/p'
  fi
}

curl_api() { # PATH
  curl -sS --noproxy '*' --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://$NODE_IP:6443$1"
}

# ---------------------------------------------------------------- steps
preflight() {
  step "preflight: Debian packages, kernel features, state dir $STATE (cache: $REFARCH_CACHE)"
  ensure_apt_packages
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || die "br_netfilter is not available in this kernel"
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || die "no memory cgroup"
  mkdir -p "$STATE" "$RUN_DIR" "$LOG_DIR"
  chmod 0711 "$STATE"
  # recorded so that a concurrent down.sh can stop this script's poll loops too
  echo "$$ $(proc_starttime $$)" >"$RUN_DIR/up.pid"
}

build_binaries() {
  step "binaries (cluster/build.sh; cached after the first run, which takes many minutes)"
  T0=$T0 "$CLUSTER_DIR/build.sh" | sed -u 's/^/    /'
  [ "${PIPESTATUS[0]}" = 0 ] || die "cluster/build.sh failed"
}

save_sysctl() { # KEY VALUE: remember the original value once, then set it
  local key=$1 val=$2 f=/proc/sys/${1//.//}
  [ -e "$f" ] || return 0
  grep -q "^$key=" "$STATE/sysctl.orig" 2>/dev/null || echo "$key=$(cat "$f")" >>"$STATE/sysctl.orig"
  echo "$val" >"$f"
}

setup_network() {
  step "network: $NODE_IFACE ($NODE_IP/32, node address), $CNI_BRIDGE ($CNI_GATEWAY/24, pod bridge), routes, guard rules"
  # The kernel has no dummy interfaces; a port-less bridge holds the node address.
  ip link show "$NODE_IFACE" >/dev/null 2>&1 || ip link add "$NODE_IFACE" type bridge
  ip addr replace "$NODE_IP/32" dev "$NODE_IFACE"
  ip link set "$NODE_IFACE" up
  # Pre-created so the service route exists before the first pod; the CNI bridge plugin reuses it.
  ip link show "$CNI_BRIDGE" >/dev/null 2>&1 || ip link add "$CNI_BRIDGE" type bridge
  ip addr replace "$CNI_GATEWAY/${NODE_POD_CIDR#*/}" dev "$CNI_BRIDGE"
  ip link set "$CNI_BRIDGE" up
  # Service IPs are only ever DNATed locally; never let them follow the default route.
  ip route replace "$SERVICE_CIDR" dev "$CNI_BRIDGE" src "$CNI_GATEWAY"
  # Any other address of the cluster range is unreachable (never sent to the LAN).
  ip route replace blackhole "$CLUSTER_RANGE"
  save_sysctl net.ipv4.ip_forward 1
  save_sysctl net.bridge.bridge-nf-call-iptables 1
  save_sysctl net.bridge.bridge-nf-call-ip6tables 1
  # values the kubelet sets itself; recorded so that down.sh can restore them
  local k
  for k in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes; do
    [ -e "/proc/sys/${k//.//}" ] && { grep -q "^$k=" "$STATE/sysctl.orig" 2>/dev/null || echo "$k=$(cat "/proc/sys/${k//.//}")" >>"$STATE/sysctl.orig"; }
  done
  # Guard rules (mangle table, before every other chain): pod traffic is only
  # forwarded within the pod bridge, and no packet with a cluster source or
  # destination address ever leaves through a non-cluster interface.
  iptables -t mangle -N REFARCH-GUARD-FWD 2>/dev/null || iptables -t mangle -F REFARCH-GUARD-FWD
  iptables -t mangle -A REFARCH-GUARD-FWD -i "$CNI_BRIDGE" -o "$CNI_BRIDGE" -j RETURN
  iptables -t mangle -A REFARCH-GUARD-FWD -i "$CNI_BRIDGE" -j DROP
  iptables -t mangle -A REFARCH-GUARD-FWD -o "$CNI_BRIDGE" -j DROP
  iptables -t mangle -C FORWARD -j REFARCH-GUARD-FWD 2>/dev/null || iptables -t mangle -I FORWARD 1 -j REFARCH-GUARD-FWD
  iptables -t mangle -N REFARCH-GUARD-OUT 2>/dev/null || iptables -t mangle -F REFARCH-GUARD-OUT
  iptables -t mangle -A REFARCH-GUARD-OUT -o lo -j RETURN
  iptables -t mangle -A REFARCH-GUARD-OUT -o "$CNI_BRIDGE" -j RETURN
  iptables -t mangle -A REFARCH-GUARD-OUT -o "$NODE_IFACE" -j RETURN
  iptables -t mangle -A REFARCH-GUARD-OUT -s "$CLUSTER_RANGE" -j DROP
  iptables -t mangle -A REFARCH-GUARD-OUT -d "$CLUSTER_RANGE" -j DROP
  iptables -t mangle -C POSTROUTING -j REFARCH-GUARD-OUT 2>/dev/null || iptables -t mangle -I POSTROUTING 1 -j REFARCH-GUARD-OUT
}

start_etcd() {
  step "etcd $ETCD_VERSION on 127.0.0.1:2379 (data: $STATE/etcd)"
  FAILED_COMPONENT=etcd
  start_daemon etcd "$ETCD_BIN/etcd" --name refarch --data-dir "$STATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster refarch=http://127.0.0.1:2380 --initial-cluster-state new \
    --log-level warn --logger zap
  wait_until "etcd health" 60 "$ETCD_BIN/etcdctl" --endpoints http://127.0.0.1:2379 --command-timeout=2s endpoint health ||
    die "etcd did not become healthy"
}

start_apiserver() {
  step "kube-apiserver $K8S_VERSION on $NODE_IP:6443 (PodSecurity admission, Secrets encrypted at rest)"
  FAILED_COMPONENT=kube-apiserver
  start_daemon kube-apiserver "$K8S_BIN/kube-apiserver" \
    --advertise-address="$NODE_IP" --bind-address="$NODE_IP" --secure-port=6443 \
    --etcd-servers=http://127.0.0.1:2379 \
    --service-cluster-ip-range="$SERVICE_CIDR" --service-node-port-range=30000-32767 \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --encryption-provider-config="$PKI/encryption-config.yaml" \
    --allow-privileged=true --profiling=false --cert-dir="$STATE/apiserver" \
    --v=1
  wait_until "kube-apiserver /readyz" 120 curl_api /readyz || die "kube-apiserver did not become ready"
}

start_controllers() {
  step "kube-controller-manager (127.0.0.1:10257) and kube-scheduler (127.0.0.1:10259)"
  FAILED_COMPONENT=kube-controller-manager
  local cm=$PKI/controller-manager.kubeconfig sc=$PKI/scheduler.kubeconfig
  # /readyz can pass a moment before the bootstrap RBAC objects these two need exist
  wait_until "bootstrap RBAC" 60 kc -n kube-system get rolebinding system::extension-apiserver-authentication-reader ||
    die "bootstrap RBAC objects missing"
  wait_until "bootstrap RBAC" 30 kc get clusterrolebinding system:kube-controller-manager system:kube-scheduler ||
    die "bootstrap RBAC objects missing"
  start_daemon kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$cm" --authentication-kubeconfig="$cm" --authorization-kubeconfig="$cm" \
    --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --use-service-account-credentials=true \
    --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false --v=1
  FAILED_COMPONENT=kube-scheduler
  start_daemon kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig="$sc" --authentication-kubeconfig="$sc" --authorization-kubeconfig="$sc" \
    --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --profiling=false --v=1
  FAILED_COMPONENT=""
}

write_containerd_config() {
  local d=$STATE/containerd
  mkdir -p "$d/root" "$d/state" "$STATE/cni/net.d" "$STATE/cni/networks"
  cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = ""
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  enable_selinux = false
  netns_mounts_under_state_dir = true
  # This machine's root has no CAP_SYS_RESOURCE, so an oom_score_adj below
  # containerd's own (0) cannot be set: clamp instead of failing every sandbox.
  restrict_oom_score_adj = true
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
        Root = "$d/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
EOF
  cat >"$STATE/cni/net.d/10-refarch.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "refarch",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "isDefaultGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$NODE_POD_CIDR", "gateway": "$CNI_GATEWAY"}]],
        "dataDir": "$STATE/cni/networks"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

start_containerd() {
  step "containerd $(containerd --version | awk '{print $3}') (own instance: $CONTAINERD_SOCK, cgroupfs, CNI bridge)"
  FAILED_COMPONENT=containerd
  write_containerd_config
  # No registry is reachable, and none may be contacted: every registry request
  # of this containerd goes to a closed loopback "proxy" and fails at once,
  # without even resolving the registry's name. (Debian's containerd 1.6 CRI
  # ignores hosts.toml; its mirror config always falls back to the real host.)
  (
    export HTTP_PROXY=http://127.0.0.1:1 HTTPS_PROXY=http://127.0.0.1:1 NO_PROXY=
    export http_proxy=$HTTP_PROXY https_proxy=$HTTPS_PROXY no_proxy=
    start_daemon containerd "$(command -v containerd)" --config "$STATE/containerd/config.toml"
  )
  wait_until "containerd socket" 60 ctr -a "$CONTAINERD_SOCK" version || die "containerd did not start"
  FAILED_COMPONENT=""
}

import_images() {
  step "local images (cluster/images.sh: build once, import into containerd k8s.io)"
  FAILED_COMPONENT=""
  T0=$T0 SCRIPT_NAME=images "$CLUSTER_DIR/images.sh" | sed -u 's/^/    /'
  [ "${PIPESTATUS[0]}" = 0 ] || die "cluster/images.sh failed"
}

start_kubelet() {
  step "kubelet $K8S_VERSION (node $NODE_NAME, $NODE_IP:10250, cgroup v1 via failCgroupV1=false)"
  FAILED_COMPONENT=kubelet
  mkdir -p "$STATE/kubelet" "$STATE/pod-logs"
  # No upstream DNS for pods: an empty resolv.conf for dnsPolicy Default pods.
  echo "# refarch: no upstream nameserver" >"$STATE/kubelet/resolv.conf"
  cat >"$STATE/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $STATE/kubelet/resolv.conf
podLogsDir: $STATE/pod-logs
failSwapOn: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
maxPods: 110
enableProfilingHandler: false
EOF
  start_daemon kubelet "$K8S_BIN/kubelet" --config="$STATE/kubelet/config.yaml" \
    --kubeconfig="$PKI/kubelet.kubeconfig" --root-dir="$STATE/kubelet" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
  wait_until "node $NODE_NAME registered" 90 kc get node "$NODE_NAME" || die "the kubelet did not register the node"
}

start_proxies() {
  step "kube-proxy (iptables mode) and kube-router $KUBE_ROUTER_VERSION (NetworkPolicy firewall only)"
  FAILED_COMPONENT=kube-proxy
  cat >"$STATE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $PKI/kube-proxy.kubeconfig
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  localhostNodePorts: false
EOF
  start_daemon kube-proxy "$K8S_BIN/kube-proxy" --config="$STATE/kube-proxy.yaml" --v=1
  FAILED_COMPONENT=kube-router
  start_daemon kube-router "$KUBE_ROUTER_BIN/kube-router" --kubeconfig="$PKI/kube-router.kubeconfig" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --hostname-override="$NODE_NAME" --service-cluster-ip-range="$SERVICE_CIDR" \
    --health-port=0 --metrics-port=0 --enable-ipv4=true --enable-ipv6=false --v=1
  FAILED_COMPONENT=""
}

apply_addons() {
  step "Gateway API CRDs $GATEWAY_API_VERSION (standard channel, from schemas/gateway-api/)"
  install_gateway_api_crds kc
  step "add-ons: CoreDNS, local-path-provisioner + StorageClass standard, Traefik (IngressClass and GatewayClass traefik), RBAC"
  mkdir -p "$STATE/local-path-provisioner"
  sed -e "s#@@DNS_SERVICE_IP@@#$DNS_SERVICE_IP#g" -e "s#@@CLUSTER_DOMAIN@@#$CLUSTER_DOMAIN#g" \
    -e "s#@@COREDNS_IMAGE@@#$COREDNS_IMAGE#g" -e "s#@@TRAEFIK_IMAGE@@#$TRAEFIK_IMAGE#g" \
    -e "s#@@LOCAL_PATH_IMAGE@@#$LOCAL_PATH_IMAGE#g" -e "s#@@BUSYBOX_IMAGE@@#$BUSYBOX_IMAGE#g" \
    -e "s#@@LOCAL_PATH_DIR@@#$STATE/local-path-provisioner#g" \
    "$CLUSTER_DIR/manifests/addons.yaml" >"$STATE/addons.yaml"
  kc_apply_retrying "$STATE/addons.yaml" "$LOG_DIR/addons-apply.log"
}

node_ready() { [ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
dns_works() { busybox nslookup "kubernetes.default.svc.$CLUSTER_DOMAIN" "$DNS_SERVICE_IP" 2>/dev/null | grep -q "$KUBERNETES_SERVICE_IP"; }
ingress_answers() {
  local code
  code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 3 -H "Host: refarch-up-check.localtest.me" http://127.0.0.1/)
  [ "$code" = 404 ]
}
gatewayclass_accepted() { [ "$(kc get gatewayclass traefik -o jsonpath='{.status.conditions[?(@.type=="Accepted")].status}')" = True ]; }
default_storageclass() {
  [ "$(kc get storageclass standard -o jsonpath='{.metadata.annotations.storageclass\.kubernetes\.io/is-default-class}')" = true ]
}

all_daemons_alive() {
  local n
  for n in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy kube-router; do
    daemon_running "$n" || { FAILED_COMPONENT=$n; die "$n is not running (it exited; see its log below)"; }
  done
}

wait_ready() {
  step "waiting for node Ready, CoreDNS, local-path-provisioner, ingress controller"
  all_daemons_alive
  FAILED_COMPONENT=kubelet
  wait_until "node $NODE_NAME Ready" 120 node_ready || die "node $NODE_NAME is not Ready"
  info "node $NODE_NAME Ready"
  FAILED_COMPONENT=""
  local d
  for d in kube-system/coredns local-path-storage/local-path-provisioner traefik/traefik; do
    kc -n "${d%/*}" rollout status "deployment/${d#*/}" --timeout=180s >/dev/null || die "deployment $d is not ready"
    info "deployment $d ready"
  done
  FAILED_COMPONENT=kube-proxy
  wait_until "DNS: kubernetes.default.svc.$CLUSTER_DOMAIN via $DNS_SERVICE_IP" 60 dns_works || die "cluster DNS does not answer"
  info "DNS answers on $DNS_SERVICE_IP (kube-dns Service -> CoreDNS pod)"
  default_storageclass || die "StorageClass standard is missing or not default"
  info "default StorageClass: standard (rancher.io/local-path)"
  wait_until "ingress controller on 127.0.0.1:80" 60 ingress_answers || die "the ingress controller does not answer on 127.0.0.1:80"
  info "ingress controller answers on http://127.0.0.1:80 (and https://127.0.0.1:443)"
  wait_until "GatewayClass traefik Accepted" 60 gatewayclass_accepted || die "Traefik did not accept the GatewayClass traefik"
  info "GatewayClass traefik accepted"
  FAILED_COMPONENT=""
  all_daemons_alive
}

# Every listening socket of the processes started here must be bound to
# loopback or to a cluster-internal address (pods have their own netns).
check_confinement() {
  step "confinement check: no listener of ours on a wildcard or external address"
  local pids=" " f p bad=""
  for f in "$RUN_DIR"/*.pid; do [ -f "$f" ] && pids+="$(cat "$f") "; done
  for p in /proc/[0-9]*; do
    case $(readlink "$p/exe" 2>/dev/null) in "$REFARCH_CACHE"/*) pids+="${p#/proc/} " ;; esac
  done
  while read -r line; do
    local addr pid
    addr=$(awk '{print $5}' <<<"$line")
    for pid in $(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2); do
      case $pids in *" $pid "*) ;; *) continue ;; esac
      case $addr in
        127.* | 198.18.* | 198.19.* | "[::1]:"* | "[::ffff:127."*) ;;
        *) bad+="  $line"$'\n' ;;
      esac
    done
  done < <(ss -H -ltnup 2>/dev/null)
  if [ -n "$bad" ]; then
    printf '%s' "$bad"
    die "listeners on wildcard/external addresses (see above)"
  fi
  info "all listeners of the cluster processes are on 127.0.0.0/8 or $CLUSTER_RANGE"
}

# ---------------------------------------------------------------- main
echo "[up] starting the local cluster (Kubernetes $K8S_VERSION). The first run builds all binaries from"
echo "[up] source through the Go module proxy (~18 min on 2 cores, plus ~1 min of images); later runs take ~25 s."
preflight
build_binaries
step "certificates, kubeconfigs, encryption key ($PKI)"
generate_pki
setup_network
start_etcd
start_apiserver
start_controllers
start_containerd
if [ "${REFARCH_SKIP_IMAGES:-0}" != 1 ]; then import_images; fi
start_kubelet
start_proxies
apply_addons
wait_ready
check_confinement
UP_OK=1
rm -f "$RUN_DIR/up.pid"
step "cluster is up ($((SECONDS - T0))s). Nodes:"
kc get nodes -o wide | sed -u 's/^/    /'
echo
echo "export KUBECONFIG=$KUBECONFIG_FILE"
