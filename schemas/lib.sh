# shellcheck shell=bash
# Shared by schemas/capture.sh and schemas/crosscheck.sh (sourced, not run): runs etcd
# and a locally built kube-apiserver on 127.0.0.1 in a temporary folder, records every
# process it starts by PID, stops only those PIDs, and removes the folder on exit.
# Binaries: cluster/build.sh's cache (${REFARCH_CACHE:-/var/cache/refarch}); versions:
# cluster/versions.env.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${REFARCH_CACHE:-/var/cache/refarch}
# shellcheck source=../cluster/versions.env
. "$REPO/cluster/versions.env"
SCRIPT=${SCRIPT:-schemas}

log() { printf '[%s +%ss] %s\n' "$SCRIPT" "$SECONDS" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$SCRIPT" "$*" >&2; exit 1; }

for tool in curl openssl node ss; do command -v "$tool" >/dev/null || die "$tool is required"; done

# minor -> exact version built by cluster/build.sh
version_for() {
  case $1 in
    "$(echo "$K8S_LEGACY_VERSION" | cut -d. -f2)") echo "$K8S_LEGACY_VERSION" ;;
    "$(echo "$K8S_VERSION" | cut -d. -f2)") echo "$K8S_VERSION" ;;
    *) return 1 ;;
  esac
}

ETCD=$CACHE/etcd-$ETCD_VERSION/bin/etcd
TMP=$(mktemp -d "${TMPDIR:-/tmp}/refarch-$SCRIPT.XXXXXX")
PIDS=()

stop_pid() { # PID: TERM, wait up to 15 s, then KILL; only this PID, which we started
  local pid=$1 i keep=()
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 75; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  fi
  # forget it, so cleanup never signals a PID that may have been reused
  for i in "${PIDS[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
  PIDS=("${keep[@]}")
}
cleanup() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done  # apiserver before etcd
  rm -rf --one-file-system "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }
free_port() { # first free loopback TCP port from $1 upwards
  local p=$1
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

TOKEN=$(openssl rand -hex 16)
api() { # PATH: GET from the running apiserver
  curl -sS --fail --noproxy '*' --max-time 60 -k -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$API_PORT$1"
}

start_etcd() {
  ETCD_PORT=$(free_port 32379)
  ETCD_PEER=$(free_port $((ETCD_PORT + 1)))
  mkdir -p "$STATE/etcd"
  "$ETCD" --name capture --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "capture=http://127.0.0.1:$ETCD_PEER" --log-level warn >"$STATE/etcd.log" 2>&1 &
  ETCD_PID=$!
  PIDS+=("$ETCD_PID")
  local i
  for ((i = 0; i < 60; i++)); do
    curl -sf --noproxy '*' --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1 && return 0
    kill -0 "$ETCD_PID" 2>/dev/null || break
    sleep 1
  done
  tail -20 "$STATE/etcd.log" >&2
  die "etcd did not start"
}

start_apiserver() { # BINARY EXTRA_FLAGS...
  local bin=$1 i; shift
  API_PORT=$(free_port 36443)
  "$bin" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --endpoint-reconciler-type=none \
    --cert-dir="$STATE/certs" --token-auth-file="$STATE/tokens.csv" --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$STATE/sa.key" --service-account-signing-key-file="$STATE/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 --profiling=false --v=1 "$@" >"$STATE/apiserver.log" 2>&1 &
  API_PID=$!
  PIDS+=("$API_PID")
  for ((i = 0; i < 240; i++)); do
    [ "$(api /readyz 2>/dev/null)" = ok ] && return 0
    kill -0 "$API_PID" 2>/dev/null || break
    sleep 1
  done
  tail -30 "$STATE/apiserver.log" >&2
  die "kube-apiserver did not become ready"
}

stop_apiserver() { stop_pid "$API_PID"; }

# prepare_state MINOR: sets VERSION, BIN and a fresh STATE folder (token, service-account key).
prepare_state() {
  local minor=$1
  VERSION=$(version_for "$minor") || die "no kube-apiserver 1.$minor is built by cluster/build.sh (pinned: $K8S_LEGACY_VERSION, $K8S_VERSION)"
  BIN=$CACHE/kubernetes-$VERSION/bin/kube-apiserver
  [ -x "$BIN" ] || die "$BIN is missing: build it with cluster/build.sh (k8s-legacy for 1.27, k8s for ${K8S_VERSION%.*})"
  [ -x "$ETCD" ] || die "$ETCD is missing: build it with cluster/build.sh etcd"
  STATE=$TMP/1.$minor
  mkdir -p "$STATE"
  chmod 0700 "$STATE"
  openssl genrsa -out "$STATE/sa.key" 2048 2>/dev/null
  echo "$TOKEN,refarch-schemas,refarch-schemas,\"system:masters\"" >"$STATE/tokens.csv"
}

# The supported minors by default: 1.27 (cdk8s-plus-27) and the local cluster's.
default_minors() { echo "$(echo "$K8S_LEGACY_VERSION" | cut -d. -f2) $(echo "$K8S_VERSION" | cut -d. -f2)"; }
# Accepts 27, 1.27, v1.27, 1.27.16.
minor_arg() { local m=${1#v}; m=${m#1.}; echo "${m%%.*}"; }

