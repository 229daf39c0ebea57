#!/usr/bin/env bash
# Proves the offline validator agrees with real API servers: for each supported minor,
# runs etcd + that minor's kube-apiserver with DEFAULT flags on 127.0.0.1 (see lib.sh)
# and, for dist/*.yaml and every schema-check/fixtures/*.yaml, compares
#   npm run check:schema -- --k8s 1.<minor> FILE                  (offline, committed schema)
#   kubectl apply --dry-run=server --validate=strict -f FILE  (the real server)
# ok-*.yaml and dist/ must be accepted by both, bad-*.yaml refused by both. The server gets
# the vendored Gateway API CRDs first (schemas/gateway-api/install.sh), as the validator has them.
# Exit 0 when they agree on every file.
#
#   schemas/crosscheck.sh            # 1.27 and the cluster's minor
#   schemas/crosscheck.sh 1.35
set -euo pipefail
SCRIPT=crosscheck
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=gateway-api/install.sh
. "$(dirname "${BASH_SOURCE[0]}")/gateway-api/install.sh"
KUBECTL=${KUBECTL:-$CACHE/kubernetes-$K8S_VERSION/bin/kubectl}
[ -x "$KUBECTL" ] || die "$KUBECTL is missing: build it with cluster/build.sh k8s"

cd "$REPO"
files=(dist/*.k8s.yaml schema-check/fixtures/*.yaml)
disagreements=0

check() { # MINOR
  local minor=$1 f expect ours theirs out
  prepare_state "$minor"
  log "1.$minor: etcd + kube-apiserver $VERSION (default flags)"
  start_etcd
  start_apiserver "$BIN"
  local k=("$KUBECTL" --server="https://127.0.0.1:$API_PORT" --token="$TOKEN" --insecure-skip-tls-verify)
  local installed
  installed=$(install_vendored_crds "1.$minor" "${k[@]}") || die "installing the Gateway API CRDs into 1.$minor failed"
  log "$installed"
  sed -n 's/^  namespace: //p' dist/*.k8s.yaml schema-check/fixtures/*.yaml | sort -u | while read -r ns; do "${k[@]}" create namespace "$ns" >/dev/null; done
  printf '%-48s %-7s %-10s %-8s %s\n' FILE EXPECT VALIDATOR SERVER "SERVER SAYS (refusals)"
  for f in "${files[@]}"; do
    case $(basename "$f") in bad-*) expect=refuse ;; *) expect=accept ;; esac
    if node --import tsx scripts/check-schema.ts --k8s "1.$minor" "$f" >/dev/null 2>&1; then ours=accept; else ours=refuse; fi
    if out=$("${k[@]}" apply --dry-run=server --validate=strict -f "$f" 2>&1); then theirs=accept; else theirs=refuse; fi
    [ "$ours" = "$expect" ] && [ "$theirs" = "$expect" ] || disagreements=$((disagreements + 1))
    printf '%-48s %-7s %-10s %-8s %s\n' "$f" "$expect" "$ours" "$theirs" \
      "$([ "$theirs" = refuse ] && echo "$out" | grep -v '^Warning' | head -1 | cut -c1-140)"
  done
  stop_apiserver
  stop_pid "$ETCD_PID"
  rm -rf --one-file-system "$STATE"
}

# shellcheck disable=SC2046 # one argument per minor, words on purpose
if [ $# -eq 0 ]; then set -- $(default_minors); fi
for m in "$@"; do check "$(minor_arg "$m")"; done
if [ "$disagreements" -ne 0 ]; then die "$disagreements disagreement(s) between the validator, the server and the expectation"; fi
log "the validator and the API servers agree on every file"
