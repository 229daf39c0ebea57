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
# network or a cluster: `npm run import` and `npm run check:schema` read these files.
set -euo pipefail
SCRIPT=capture
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OUT_ROOT=${SCHEMAS_OUT:-$REPO/schemas}

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
  local minor=$1 out started got
  prepare_state "$minor"
  out=$OUT_ROOT/v1.$minor
  mkdir -p "$out"
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

  log "1.$minor: etcd $ETCD_VERSION + kube-apiserver $VERSION, all APIs enabled"
  start_etcd
  start_apiserver "$BIN" --runtime-config=api/all=true --feature-gates=AllAlpha=true,AllBeta=true
  api /version >"$STATE/version.json"
  api /openapi/v2 >"$STATE/openapi-v2.raw.json"
  got=$(node -p 'require(process.argv[1]).gitVersion' "$STATE/version.json")
  [ "$got" = "$VERSION" ] || die "the server says $got, expected $VERSION"
  stop_apiserver

  log "1.$minor: kube-apiserver $VERSION with default flags (what a stock server serves)"
  start_apiserver "$BIN"
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
  log "1.$minor: wrote ${out#"$REPO"/}/{openapi-v2,version,served-apis}.json ($VERSION)"
  rm -rf --one-file-system "$STATE"
}

# shellcheck disable=SC2046 # one argument per minor, words on purpose
if [ $# -eq 0 ]; then set -- $(default_minors); fi
for m in "$@"; do capture "$(minor_arg "$m")"; done
log "done; now run: npm run generate && npm test"
