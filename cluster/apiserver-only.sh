#!/usr/bin/env bash
# Runs ONLY etcd + kube-apiserver of a given Kubernetes minor on loopback, with
# its own state dir, certificates and kubeconfig. For server-side dry runs of
# manifests against an older API level (cdk8s-plus-27 targets 1.27) and for
# capturing /openapi/v2. No controllers, no nodes: Namespaces must be created
# before namespaced objects are dry-run (the NamespaceLifecycle admission
# plugin rejects objects in missing namespaces, dry run or not).
#
#   cluster/apiserver-only.sh start 27    # or 1.27; also 35 (the cluster's minor)
#   cluster/apiserver-only.sh status 27
#   cluster/apiserver-only.sh kubeconfig 27   # prints the kubeconfig path
#   cluster/apiserver-only.sh stop 27
#
# Ports (127.0.0.1 only): kube-apiserver 16000+minor (16027), etcd client
# 23000+minor, peer 24000+minor. State: ${REFARCH_STATE_DIR}-apiserver-1.<minor>
# Can run next to the kind cluster (different ports and state).
# Example:
#   KUBECONFIG=$(cluster/apiserver-only.sh kubeconfig 27) kubectl get --raw /openapi/v2 > openapi-1.27.json
set -euo pipefail
SCRIPT_NAME=apiserver-only
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

usage() { echo "usage: $0 start|stop|status|kubeconfig <minor: 27|35>" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1 minor=${2#1.}
minor=${minor%%.*}
case $minor in
  27) BIN=$K8S_LEGACY_BIN VERSION=$K8S_LEGACY_VERSION BUILD=k8s-legacy ;;
  "${K8S_VERSION#v1.}" | "$(echo "$K8S_VERSION" | cut -d. -f2)") BIN=$K8S_BIN VERSION=$K8S_VERSION BUILD=k8s ;;
  *) die "no kube-apiserver for 1.$minor is built (available: 1.27 and $(echo "$K8S_VERSION" | cut -d. -f1-2))" ;;
esac

DIR=$REFARCH_STATE_DIR-apiserver-1.$minor
RUN_DIR=$DIR/run
LOG_DIR=$DIR/logs
PKI=$DIR/pki
KUBECONFIG_FILE=$DIR/kubeconfig
API_PORT=$((16000 + minor))
ETCD_PORT=$((23000 + minor))
ETCD_PEER_PORT=$((24000 + minor))
. "$CLUSTER_DIR/pki.sh"

curl_api() {
  curl -sS --noproxy '*' --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$API_PORT$1"
}

start() {
  step "kube-apiserver $VERSION + etcd $ETCD_VERSION on 127.0.0.1 (state: $DIR)"
  if [ ! -x "$BIN/kube-apiserver" ] || [ ! -x "$ETCD_BIN/etcd" ]; then "$CLUSTER_DIR/build.sh" "$BUILD" etcd; fi
  # shellcheck disable=SC2034 # read by ensure_apt_packages
  APT_PACKAGES=(curl openssl)
  ensure_apt_packages
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$PKI"
  chmod 0700 "$DIR"
  _openssl_ca refarch-apiserver-only-ca
  _openssl_sign apiserver "/CN=kube-apiserver" "IP:127.0.0.1,DNS:localhost"
  _openssl_sign admin "/O=system:masters/CN=refarch-admin"
  _service_account_key
  _kubeconfig "$KUBECONFIG_FILE" admin "https://127.0.0.1:$API_PORT"
  start_daemon etcd "$ETCD_BIN/etcd" --name apiserver-only --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "apiserver-only=http://127.0.0.1:$ETCD_PEER_PORT" --log-level warn --logger zap
  wait_until "etcd" 60 "$ETCD_BIN/etcdctl" --endpoints "http://127.0.0.1:$ETCD_PORT" --command-timeout=2s endpoint health ||
    { tail -20 "$LOG_DIR/etcd.log"; die "etcd did not start"; }
  start_daemon kube-apiserver "$BIN/kube-apiserver" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --endpoint-reconciler-type=none \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=RBAC --cert-dir="$DIR/apiserver" --profiling=false --v=1
  wait_until "kube-apiserver /readyz" 120 curl_api /readyz ||
    { tail -30 "$LOG_DIR/kube-apiserver.log"; stop; die "kube-apiserver $VERSION did not become ready"; }
  step "ready: $(curl_api /version | tr -d ' \n' | grep -o '"gitVersion":"[^"]*"')"
  echo "export KUBECONFIG=$KUBECONFIG_FILE"
}

stop() {
  stop_daemon kube-apiserver 10
  stop_daemon etcd 10
  rm -rf --one-file-system "$DIR"
  info "apiserver-only 1.$minor stopped and $DIR removed"
}

case $action in
  start) start ;;
  stop) stop ;;
  status)
    if daemon_running kube-apiserver && curl_api /readyz >/dev/null 2>&1; then
      echo "running: kube-apiserver $VERSION https://127.0.0.1:$API_PORT (KUBECONFIG=$KUBECONFIG_FILE)"
    else echo "not running"; exit 1; fi ;;
  kubeconfig) echo "$KUBECONFIG_FILE" ;;
  *) usage ;;
esac
