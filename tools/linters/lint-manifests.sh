#!/usr/bin/env bash
# `npm run lint:manifests`: runs the independent manifest linters over every environment
# in dist/ (or the folder given as argument), installing any linter that is not cached yet
# (tools/linters/install.sh).
#
# Prints one line per linter, `lint:manifests: <tool> passed|failed|unavailable`, and exits
# non-zero if any linter failed (a finding, a stale suppression, a failed build). A linter
# whose Go module the machine's module proxy does not serve is reported as unavailable and
# does not fail the run, unless REFARCH_REQUIRE_ALL_LINTERS=1.
set -uo pipefail
dir=$(realpath "${1:-$(dirname "$0")/../../dist}")
cd "$(dirname "$0")/../.."
here=tools/linters
shopt -s nullglob
manifests=("$dir"/*.k8s.yaml)
[ ${#manifests[@]} -gt 0 ] || { echo "lint:manifests: no $dir/*.k8s.yaml (run npm run synth)" >&2; exit 1; }

# Kubernetes version the checks target: the namespaces pin Pod Security to v1.27 (cdk8s-plus-27).
K8S_VERSION=v1.27
failed=0
unavailable=0

# Installs one tool; sets $bin. Returns 0 installed, 3 unavailable, 1 failed.
ensure() {
  "$here/install.sh" "$1" || return $?
  bin="$("$here/install.sh" --print-dir "$1")/$1"
}

report() {  # tool result
  echo "lint:manifests: $1 $2"
  case "$2" in failed) failed=$((failed + 1)) ;; unavailable) unavailable=$((unavailable + 1)) ;; esac
}

run() {  # tool: install, then lint with the tool's function below
  local tool=$1 rc=0
  echo
  echo "== $tool"
  ensure "$tool" || rc=$?
  if [ "$rc" -eq 3 ]; then report "$tool" unavailable; return; fi
  if [ "$rc" -ne 0 ]; then report "$tool" failed; return; fi
  if "lint_${tool//-/_}"; then report "$tool" passed; else report "$tool" failed; fi
}

lint_kube_score() {
  # Optional checks that apply to this chart are switched on; the requests-equal-limits
  # family stays off (the chart sets Burstable QoS on purpose). Suppressions, with their
  # reasons: kube-score-suppressions.txt.
  local json
  json=$(mktemp)
  "$bin" score --output-format json --kubernetes-version "$K8S_VERSION" \
    --enable-optional-test container-ports-check --enable-optional-test container-seccomp-profile \
    "${manifests[@]}" >"$json"
  local rc=$?
  # kube-score exits 1 when it has critical findings; anything else is a crash.
  if [ "$rc" -gt 1 ] || [ ! -s "$json" ]; then echo "kube-score crashed (exit $rc)"; rm -f "$json"; return 1; fi
  node "$here/kube-score-report.js" "$here/kube-score-suppressions.txt" <"$json"
  rc=$?
  rm -f "$json"
  return $rc
}

lint_kube_linter() {
  # Default checks plus the exclusions, with reasons, in .kube-linter.yaml.
  "$bin" lint --config .kube-linter.yaml "${manifests[@]}"
}

run kube-score
run kube-linter

echo
if [ "$failed" -gt 0 ]; then
  echo "lint:manifests: FAILED ($failed linter(s) with findings or errors)"
  exit 1
fi
if [ "$unavailable" -gt 0 ] && [ "${REFARCH_REQUIRE_ALL_LINTERS:-0}" = "1" ]; then
  echo "lint:manifests: FAILED ($unavailable linter(s) unavailable and REFARCH_REQUIRE_ALL_LINTERS=1)"
  exit 1
fi
if [ "$unavailable" -gt 0 ]; then
  echo "lint:manifests: OK, but $unavailable linter(s) unavailable on this machine (see above)"
else
  echo "lint:manifests: OK"
fi
