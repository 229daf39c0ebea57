#!/usr/bin/env bash
# Records which of the vendored Gateway API CRDs each supported Kubernetes minor accepts:
# for each minor, etcd + its kube-apiserver with default flags on 127.0.0.1 (schemas/lib.sh),
# one `kubectl apply --server-side` per CRD file, and the refusals with the server's reason
# into schemas/gateway-api/<GATEWAY_API_VERSION>/install-results.json. The strict validator
# (schema-check/crds.ts) serves a CRD's kinds on a minor only when that minor accepted it
# (1.27 refuses TLSRoute v1.6: its CEL rules call isIP(), which 1.27 lacks).
#
#   schemas/gateway-api/capture.sh          # 1.27 and the cluster's minor
#   schemas/gateway-api/capture.sh 1.35
set -euo pipefail
SCRIPT=gateway-api-capture
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
KUBECTL=${KUBECTL:-$CACHE/kubernetes-$K8S_VERSION/bin/kubectl}
[ -x "$KUBECTL" ] || die "$KUBECTL is missing: build it with cluster/build.sh k8s"
DIR=$REPO/schemas/gateway-api/$GATEWAY_API_VERSION
OUT=$DIR/install-results.json
results=$TMP/results.jsonl
: >"$results"

capture() { # MINOR
  local minor=$1 f out
  prepare_state "$minor"
  log "1.$minor: etcd + kube-apiserver $VERSION (default flags)"
  start_etcd
  start_apiserver "$BIN"
  local k=("$KUBECTL" --server="https://127.0.0.1:$API_PORT" --token="$TOKEN" --insecure-skip-tls-verify)
  for f in "$DIR"/crds/*.yaml; do
    grep -q '^kind: CustomResourceDefinition$' "$f" || continue
    if out=$("${k[@]}" apply --server-side -f "$f" 2>&1); then
      jq -nc --arg m "1.$minor" --arg v "$VERSION" --arg f "crds/$(basename "$f")" '{minor: $m, server: $v, file: $f}' >>"$results"
      log "  accepted $(basename "$f")"
    else
      out=$(grep -v '^Warning' <<<"$out" | tr '\n' ' ' | sed 's/  */ /g')
      jq -nc --arg m "1.$minor" --arg v "$VERSION" --arg f "crds/$(basename "$f")" --arg r "$out" '{minor: $m, server: $v, file: $f, refused: $r}' >>"$results"
      log "  REFUSED $(basename "$f"): $out"
    fi
  done
  stop_apiserver
  stop_pid "$ETCD_PID"
  rm -rf --one-file-system "$STATE"
}

command -v jq >/dev/null || die "jq is required"
# shellcheck disable=SC2046 # default_minors prints words (27 35), one argument each
if [ $# -eq 0 ]; then set -- $(default_minors); fi
for m in "$@"; do capture "$(minor_arg "$m")"; done
# Merge into the committed file: minors captured now replace their earlier entries.
jq -s --slurpfile old <([ -f "$OUT" ] && cat "$OUT" || echo '{}') '
  reduce .[] as $r ($old[0]; .[$r.minor].server = $r.server
    | .[$r.minor].refused = ((.[$r.minor].refused // {}) | del(.[$r.file]) + (if $r.refused then {($r.file): $r.refused} else {} end)))
  | to_entries | sort_by(.key | split(".") | map(tonumber)) | from_entries' "$results" >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "wrote ${OUT#"$REPO"/}"
