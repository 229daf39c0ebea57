# shellcheck shell=bash disable=SC2034
# Common settings and helpers for the cluster/ scripts. Sourced, not run.

CLUSTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$CLUSTER_DIR/.." && pwd)
# shellcheck source=versions.env
. "$CLUSTER_DIR/versions.env"

REFARCH_CACHE=${REFARCH_CACHE:-/var/cache/refarch}
REFARCH_STATE_DIR=${REFARCH_STATE_DIR:-/var/lib/refarch-cluster}
REFARCH_LOG_ARCHIVE=${REFARCH_LOG_ARCHIVE:-/tmp/refarch-cluster-logs}
STATE=$REFARCH_STATE_DIR
RUN_DIR=$STATE/run
LOG_DIR=$STATE/logs
PKI=$STATE/pki
KUBECONFIG_FILE=$STATE/kubeconfig

K8S_BIN=$REFARCH_CACHE/kubernetes-$K8S_VERSION/bin
K8S_LEGACY_BIN=$REFARCH_CACHE/kubernetes-$K8S_LEGACY_VERSION/bin
ETCD_BIN=$REFARCH_CACHE/etcd-$ETCD_VERSION/bin
COREDNS_BIN=$REFARCH_CACHE/coredns-$COREDNS_VERSION/bin
TRAEFIK_BIN=$REFARCH_CACHE/traefik-$TRAEFIK_VERSION/bin
KUBE_ROUTER_BIN=$REFARCH_CACHE/kube-router-$KUBE_ROUTER_VERSION/bin
LOCAL_PATH_BIN=$REFARCH_CACHE/local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION/bin


export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# ---------------------------------------------------------------- logging
T0=${T0:-$SECONDS}
STEP=0
SCRIPT_NAME=${SCRIPT_NAME:-$(basename "$0" .sh)}
step() {
  STEP=$((STEP + 1))
  printf '[%s] step %d (+%ds): %s\n' "$SCRIPT_NAME" "$STEP" $((SECONDS - T0)) "$*"
}
info() { printf '[%s]   (+%ds) %s\n' "$SCRIPT_NAME" $((SECONDS - T0)) "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (it manages interfaces, iptables, mounts)"; }

# ------------------------------------------------------------ apt packages
# ensure_apt_packages: installs the packages named in the caller's APT_PACKAGES array.
ensure_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  info "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "${missing[@]}" >"${TMPDIR:-/tmp}/refarch-apt.log" 2>&1 || {
    # the package lists may be missing on a fresh machine
    apt-get update -o DPkg::Lock::Timeout=600 >>"${TMPDIR:-/tmp}/refarch-apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 \
      --no-install-recommends "${missing[@]}" >>"${TMPDIR:-/tmp}/refarch-apt.log" 2>&1 ||
      { tail -20 "${TMPDIR:-/tmp}/refarch-apt.log"; die "apt-get install failed"; }
  }
}

# --------------------------------------------------- processes (by PID only)
# start_daemon NAME BINARY ARGS... : runs detached, logs to $LOG_DIR/NAME.log,
# records the PID in $RUN_DIR/NAME.pid and the binary in $RUN_DIR/NAME.exe.
start_daemon() {
  local name=$1; shift
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  if daemon_running "$name"; then info "$name already running (pid $(cat "$RUN_DIR/$name.pid"))"; return 0; fi
  printf '%s\n' "$(readlink -f "$1")" >"$RUN_DIR/$name.exe"
  printf '\n==== %s starting: %s\n' "$(date -Is)" "$*" >>"$LOG_DIR/$name.log"
  setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  disown $! 2>/dev/null || true
}

# daemon_running NAME: the recorded PID is alive and still runs the recorded binary.
daemon_running() {
  local name=$1 pid exe
  [ -f "$RUN_DIR/$name.pid" ] || return 1
  pid=$(cat "$RUN_DIR/$name.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  exe=$(cat "$RUN_DIR/$name.exe" 2>/dev/null) || return 1
  [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]
}

# pid_alive PID: exists and is not a zombie waiting to be reaped
pid_alive() {
  local st
  st=$(awk '{sub(/^.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# stop_daemon NAME [GRACE_SECONDS]: TERM, then KILL after the grace period.
stop_daemon() {
  local name=$1 grace=${2:-15} pid i
  if daemon_running "$name"; then
    pid=$(cat "$RUN_DIR/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.3; fi
    info "stopped $name (pid $pid)"
  fi
  rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.exe"
}

# wait_until DESCRIPTION TIMEOUT_SECONDS CMD...: bounded poll (1 s interval).
wait_until() {
  local what=$1 timeout=$2 i; shift 2
  for ((i = 0; i < timeout; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  warn "timed out after ${timeout}s waiting for: $what"
  return 1
}

kc() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# Server-side apply of the add-ons FILE, retried (5 tries, 3 s apart) while a fresh API
# server still settles its webhooks and CRDs; dies with the last output, kept in LOG.
kc_apply_retrying() { # FILE LOG
  local i
  for i in 1 2 3 4 5; do
    kc apply --server-side --force-conflicts -f "$1" >"$2" 2>&1 && return 0
    sleep 3
  done
  cat "$2"
  die "applying the add-ons failed"
}

# The Gateway API's standard-channel CRDs (and its ValidatingAdmissionPolicy against
# mixing channels), from the copy of the sigs.k8s.io/gateway-api module vendored in
# schemas/gateway-api/<GATEWAY_API_VERSION>/ (checked against its SHA256SUMS first), then
# waits until every CRD is Established. Takes the kubectl command to use.
install_gateway_api_crds() { # KUBECTL...
  local dir=$REPO_DIR/schemas/gateway-api/$GATEWAY_API_VERSION f crds=()
  (cd "$dir" && sha256sum --quiet -c SHA256SUMS) || die "$dir differs from its SHA256SUMS (re-vendor with schemas/gateway-api/vendor.sh)"
  for f in "$dir"/crds/*.yaml; do
    grep -q '^kind: CustomResourceDefinition$' "$f" && crds+=("crd/$(sed -n '0,/^  name: /s/^  name: //p' "$f")")
  done
  "$@" apply --server-side --force-conflicts -f "$dir/crds/" >/dev/null || die "installing the Gateway API $GATEWAY_API_VERSION CRDs failed"
  "$@" wait --for=condition=Established --timeout=90s "${crds[@]}" >/dev/null || die "the Gateway API CRDs did not become Established"
  info "Gateway API $GATEWAY_API_VERSION (standard channel): ${#crds[@]} CRDs Established"
}

