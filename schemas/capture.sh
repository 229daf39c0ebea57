#!/usr/bin/env bash
# Captures the OpenAPI schema of a real kube-apiserver into schemas/v1.<minor>/.
#
#   schemas/capture.sh            # every minor the project supports (1.27 and the cluster's, see below)
#   schemas/capture.sh 1.27       # one minor (27, 1.27 and v1.27 are all fine)
#
# For each minor it runs etcd and the locally built kube-apiserver of that minor
# (binaries from cluster/build.sh, cached under ${REFARCH_CACHE:-/var/cache/refarch};
# versions from cluster/versions.env) on 127.0.0.1 only, twice:
#
#   1. every API group and version enabled (--runtime-config=api/all=true,
#      --feature-gates=AllAlpha=true,AllBeta=true: what Kubernetes' own hack/update-openapi-spec.sh
#      does, minus its OpenAPIEnums=false, so value enums stay in). Saved:
#        openapi-v2.json  GET /openapi/v2, keys sorted, 2-space indented
#        version.json     GET /version
#   2. default flags, to record what a stock API server of that version serves:
#        served-apis.json  every apiVersion and kind in its discovery documents
#
# Both processes are recorded by PID and stopped by PID; their state (etcd data,
# certificates, token file) lives in a temporary folder that is removed on exit.
# Needs: the binaries, curl, openssl, node. Nothing else in the repo needs the
# network or a cluster: `npm run import` and `npm run validate` read these files.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT_ROOT=${SCHEMAS_OUT:-$REPO/schemas}
CACHE=${REFARCH_CACHE:-/var/cache/refarch}
# shellcheck source=../cluster/versions.env
. "$REPO/cluster/versions.env"

log() { printf '[capture +%ss] %s\n' "$SECONDS" "$*"; }
die() { printf '[capture] ERROR: %s\n' "$*" >&2; exit 1; }

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
TMP=$(mktemp -d "${TMPDIR:-/tmp}/refarch-capture.XXXXXX")
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

# Every "apiVersion kind" in the discovery documents (no subresources).
served_kinds() {
  local gv
  { echo v1; api /apis | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const g of JSON.parse(s).groups)for(const v of g.versions)console.log(v.groupVersion)})'; } |
    while read -r gv; do
      if [ "$gv" = v1 ]; then api /api/v1; else api "/apis/$gv"; fi |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);for(const x of r.resources)if(!x.name.includes("/"))console.log(r.groupVersion+" "+x.kind)})'
    done | sort -u
}

capture() { # MINOR (e.g. 27)
  local minor=$1 version bin out started
  version=$(version_for "$minor") || die "no kube-apiserver 1.$minor is built by cluster/build.sh (pinned: $K8S_LEGACY_VERSION, $K8S_VERSION)"
  bin=$CACHE/kubernetes-$version/bin/kube-apiserver
  [ -x "$bin" ] || die "$bin is missing: build it with cluster/build.sh (k8s-legacy for 1.27, k8s for ${K8S_VERSION%.*})"
  [ -x "$ETCD" ] || die "$ETCD is missing: build it with cluster/build.sh etcd"
  out=$OUT_ROOT/v1.$minor
  STATE=$TMP/1.$minor
  mkdir -p "$STATE" "$out"
  chmod 0700 "$STATE"
  openssl genrsa -out "$STATE/sa.key" 2048 2>/dev/null
  echo "$TOKEN,capture-admin,capture-admin,\"system:masters\"" >"$STATE/tokens.csv"
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

  log "1.$minor: etcd $ETCD_VERSION + kube-apiserver $version, all APIs enabled"
  start_etcd
  start_apiserver "$bin" --runtime-config=api/all=true --feature-gates=AllAlpha=true,AllBeta=true
  api /version >"$STATE/version.json"
  api /openapi/v2 >"$STATE/openapi-v2.raw.json"
  local got
  got=$(node -p 'require(process.argv[1]).gitVersion' "$STATE/version.json")
  [ "$got" = "$version" ] || die "the server says $got, expected $version"
  stop_apiserver

  log "1.$minor: kube-apiserver $version with default flags (what a stock server serves)"
  start_apiserver "$bin"
  served_kinds >"$STATE/served.txt"
  stop_apiserver
  stop_pid "$ETCD_PID"

  # Sorted keys, 2-space indentation: reviewable diffs between captures.
  node - "$STATE" "$out" "$started" <<'EOF'
const fs = require('fs');
const path = require('path');
const [state, out, capturedAt] = process.argv.slice(2);
const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v;
const doc = JSON.parse(fs.readFileSync(path.join(state, 'openapi-v2.raw.json'), 'utf8'));
if (doc.swagger !== '2.0' || !doc.definitions) throw new Error('not an OpenAPI v2 document');
fs.writeFileSync(path.join(out, 'openapi-v2.json'), JSON.stringify(sortKeys(doc), null, 2) + '\n');
const version = JSON.parse(fs.readFileSync(path.join(state, 'version.json'), 'utf8'));
fs.writeFileSync(path.join(out, 'version.json'), JSON.stringify({
  ...version,
  capturedAt,
  capturedWith: 'schemas/capture.sh: kube-apiserver --runtime-config=api/all=true --feature-gates=AllAlpha=true,AllBeta=true, GET /openapi/v2',
}, null, 2) + '\n');
const kinds = fs.readFileSync(path.join(state, 'served.txt'), 'utf8').split('\n').filter(Boolean);
fs.writeFileSync(path.join(out, 'served-apis.json'), JSON.stringify({
  gitVersion: version.gitVersion,
  note: 'apiVersion and kind of every resource a kube-apiserver with default flags serves (discovery)',
  kinds,
}, null, 2) + '\n');
console.log(`  ${Object.keys(doc.definitions).length} definitions, ${kinds.length} kinds served by default`);
EOF
  log "1.$minor: wrote ${out#"$REPO"/}/{openapi-v2,version,served-apis}.json ($version)"
  rm -rf --one-file-system "$STATE"
}

minors=()
if [ $# -eq 0 ]; then
  minors=("$(echo "$K8S_LEGACY_VERSION" | cut -d. -f2)" "$(echo "$K8S_VERSION" | cut -d. -f2)")
else
  for m in "$@"; do m=${m#v}; m=${m#1.}; minors+=("${m%%.*}"); done
fi
for m in "${minors[@]}"; do capture "$m"; done
log "done; now run: npm run import && npm run synth && npm test"
