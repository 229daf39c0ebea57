#!/usr/bin/env bash
# `npm run lint:manifests`: runs the independent manifest linters (kube-score, kubeconform,
# Checkov) over every environment in dist/ (or the folder given as argument), installing
# any linter that is not cached yet (tools/linters/install.sh).
#
# Every linter runs in a fresh network namespace with no network at all (unshare --net:
# only a loopback that is down), so not even a DNS lookup can leave the machine; where
# strace works, any attempt to open an IP connection also fails the linter, so a tool
# that would quietly degrade without its download is caught too.
#
# Prints a plan line, `lint:manifests: plan: N linters (...)`, then one line per linter,
# `lint:manifests: <tool> passed|failed` (.ci/run counts these and checks there is one per
# planned linter), or `lint:manifests: <tool> unavailable (not counted)` when its registry
# does not serve it here; exits non-zero if any linter failed (a finding, a stale
# suppression, a failed install, a network attempt). An unavailable linter fails the run in
# CI (CI=true) and with REFARCH_REQUIRE_ALL_LINTERS=1: on this project's machines every
# linter can be installed, so one that cannot is a broken install, not a pass.
set -uo pipefail
dir=$(realpath -e "${1:-$(dirname "$0")/../../dist}") || { echo "lint:manifests: no such folder: ${1:-dist}" >&2; exit 1; }
cd "$(dirname "$0")/../.." || exit 1
here=tools/linters
shopt -s nullglob
manifests=("$dir"/*.k8s.yaml)
[ ${#manifests[@]} -gt 0 ] || { echo "lint:manifests: no $dir/*.k8s.yaml (run npm run synth)" >&2; exit 1; }

# Kubernetes version kube-score targets: the namespaces pin Pod Security to v1.27 (cdk8s-plus-27).
K8S_VERSION=v1.27
failed=0
unavailable=0
require_all=${REFARCH_REQUIRE_ALL_LINTERS:-0}
[ "${CI:-}" = true ] && require_all=1
LINTERS=(kube-score kubeconform checkov)
# Scratch space for reports and traces, and TMPDIR for the linters (Checkov writes a cache
# under it): removed on exit, so a run leaves nothing behind.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work"

# Runs a command with no network. Root gets a plain network namespace; anyone else a user
# namespace too (unprivileged unshare --net is refused). Traced when strace can trace here;
# --seccomp-bpf stops the process only on connect(), so tracing costs next to nothing
# (plain ptrace made Checkov 50% slower).
TRACE=false
if command -v strace >/dev/null && strace -f --seccomp-bpf -qq -e trace=connect -o /dev/null true 2>/dev/null; then TRACE=true; fi
offline() {
  local ns=(unshare --net --)
  [ "$(id -u)" -eq 0 ] || ns=(unshare --user --map-root-user --net --)
  if $TRACE; then
    "${ns[@]}" strace -f --seccomp-bpf -qq -e trace=connect -o "$work/trace" "$@"
  else
    "${ns[@]}" "$@"
  fi
}
# After an offline run: fails when the traced command tried to open an IP connection.
no_network_attempts() {  # tool
  $TRACE || return 0
  local tries
  tries=$(grep -E 'connect\([0-9]+, \{sa_family=AF_INET6?,' "$work/trace" 2>/dev/null)
  rm -f "$work/trace"
  [ -z "$tries" ] && return 0
  echo "$1 tried to reach the network (blocked by the network namespace, but it must be configured not to try):"
  # shellcheck disable=SC2001 # one prefix per line of a multi-line value
  sed 's/^/    /' <<<"$tries" | head -10
  return 1
}

report() {  # tool result
  case "$2" in
    failed) failed=$((failed + 1)); echo "lint:manifests: $1 failed" ;;
    unavailable)
      if [ "$require_all" = 1 ]; then
        failed=$((failed + 1)); echo "lint:manifests: $1 failed (unavailable: its registry does not serve it here, and CI needs every linter)"
      else
        unavailable=$((unavailable + 1)); echo "lint:manifests: $1 unavailable (not counted)"
      fi ;;
    *) echo "lint:manifests: $1 $2" ;;
  esac
}

run() {  # tool: install, then lint with the tool's function below
  local tool=$1 rc=0 start=$SECONDS
  echo
  echo "== $tool"
  "$here/install.sh" "$tool" || rc=$?
  if [ "$rc" -eq 3 ]; then report "$tool" unavailable; return; fi
  if [ "$rc" -ne 0 ]; then report "$tool" failed; return; fi
  bin="$("$here/install.sh" --print-dir "$tool")/$tool"
  if "lint_${tool//-/_}"; then rc=0; else rc=1; fi
  no_network_attempts "$tool" || rc=1
  echo "($tool: $((SECONDS - start))s)"
  if [ "$rc" -eq 0 ]; then report "$tool" passed; else report "$tool" failed; fi
}

lint_kube_score() {
  # Optional checks that apply to this chart are switched on; the requests-equal-limits
  # family stays off (the chart sets Burstable QoS on purpose). Suppressions, with their
  # reasons: kube-score-suppressions.txt.
  local json="$work/kube-score.json" rc
  offline "$bin" score --output-format json --kubernetes-version "$K8S_VERSION" \
    --enable-optional-test container-ports-check --enable-optional-test container-seccomp-profile \
    "${manifests[@]}" >"$json"
  rc=$?
  # kube-score exits 1 when it has critical findings; anything else is a crash.
  if [ "$rc" -gt 1 ] || [ ! -s "$json" ]; then echo "kube-score crashed (exit $rc)"; return 1; fi
  node "$here/kube-score-report.js" "$here/kube-score-suppressions.txt" <"$json"
}

lint_kubeconform() {
  # Strict schemas generated from the OpenAPI captured in schemas/ (one folder per minor,
  # cached under a content key); only local schema locations are given, so kubeconform
  # has nothing to download. Every manifest is checked against every captured minor.
  local schemas versions=() v rc=0
  schemas=$(offline node --import tsx "$here/kubeconform-schemas.ts" --out "$("$here/install.sh" --print-cache)/kubeconform-schemas") || return 1
  no_network_attempts "kubeconform-schemas.ts" || return 1
  for v in "$schemas"/v*-standalone-strict; do v=${v##*/v}; versions+=("${v%-standalone-strict}"); done
  [ ${#versions[@]} -gt 0 ] || { echo "no schemas generated in $schemas"; return 1; }
  for v in "${versions[@]}"; do
    echo "Kubernetes $v (schemas/v${v%.*}):"
    # No -ignore-missing-schemas: a kind without a schema (an apiVersion a default API
    # server does not serve) is an error.
    offline "$bin" -strict -summary -kubernetes-version "$v" \
      -schema-location "$schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
      "${manifests[@]}" || rc=1
    no_network_attempts kubeconform || rc=1
  done
  return $rc
}

lint_checkov() {
  # Kubernetes checks only, fully offline: --skip-download and BC_SKIP_MAPPING keep it from
  # fetching guidelines, severities and check-id mappings from the Prisma Cloud platform,
  # CKV_SKIP_PACKAGE_UPDATE_CHECK from asking PyPI for a newer release; there is no API key,
  # so nothing is uploaded. Suppressions, with their reasons: checkov-suppressions.txt.
  local json="$work/checkov.json" files=() m rc
  for m in "${manifests[@]}"; do files+=(--file "$m"); done
  BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
    offline "$bin" --framework kubernetes --skip-download --skip-results-upload \
    --output json --compact "${files[@]}" >"$json" 2>"$work/checkov.err"
  rc=$?
  # Checkov exits 1 when a check failed; anything else is a crash.
  if [ "$rc" -gt 1 ]; then echo "checkov crashed (exit $rc):"; tail -20 "$work/checkov.err"; return 1; fi
  node "$here/checkov-report.js" "$here/checkov-suppressions.txt" <"$json"
}

echo "lint:manifests: plan: ${#LINTERS[@]} linters (${LINTERS[*]})"
if ! offline true 2>"$work/unshare.err"; then
  echo "lint:manifests: cannot create a network namespace, and no linter runs with network access:"
  sed 's/^/    /' "$work/unshare.err"
  for tool in "${LINTERS[@]}"; do report "$tool" failed; done
  exit 1
fi
$TRACE || echo "(strace cannot trace here: linters run without network, but their attempts are not reported)"

for tool in "${LINTERS[@]}"; do run "$tool"; done

echo
if [ "$failed" -gt 0 ]; then
  echo "lint:manifests: FAILED ($failed linter(s) with findings or errors)"
  exit 1
fi
if [ "$unavailable" -gt 0 ]; then
  echo "lint:manifests: OK, but $unavailable linter(s) unavailable on this machine (see above)"
else
  echo "lint:manifests: OK"
fi
