#!/usr/bin/env bash
# Builds the tools the Helm/Kustomize comparison needs from their pinned Go modules, once
# per machine, into a cache outside the repository:
#   ${REFARCH_CACHE:-/var/cache/refarch}/tools/<tool>-<version>/bin/<tool>
# A cached tool is not rebuilt; a version bump changes the cache key, so the next run
# builds just that tool. Builds go to a temporary folder renamed into place on success,
# so an interrupted build never leaves a half-installed tool behind.
#
# Usage: bench/install-tools.sh [--print-dir] [TOOL...]   (default: every tool)
#   --print-dir   print the bin folder of each TOOL (building nothing) and exit
set -euo pipefail

# tool | version | Go package. kustomize stays on v5.8.2: newer releases need Go 1.27.
TOOLS=(
  "helm|v3.22.0|helm.sh/helm/v3/cmd/helm"
  "kustomize|v5.8.2|sigs.k8s.io/kustomize/kustomize/v5"
)

cache_root() {
  local root="${REFARCH_CACHE:-/var/cache/refarch}"
  if ! mkdir -p "$root/tools" 2>/dev/null || [ ! -w "$root/tools" ]; then
    root="${XDG_CACHE_HOME:-$HOME/.cache}/refarch"   # not root: fall back to the user cache
    mkdir -p "$root/tools"
  fi
  echo "$root/tools"
}

spec_of() {
  local entry
  for entry in "${TOOLS[@]}"; do
    if [ "${entry%%|*}" = "$1" ]; then echo "$entry"; return 0; fi
  done
  echo "unknown tool: $1 (known: $(for e in "${TOOLS[@]}"; do printf '%s ' "${e%%|*}"; done))" >&2
  return 1
}

print_dir=false
if [ "${1:-}" = "--print-dir" ]; then print_dir=true; shift; fi
if [ $# -eq 0 ]; then set -- $(for e in "${TOOLS[@]}"; do echo "${e%%|*}"; done); fi

CACHE=$(cache_root)
if $print_dir; then
  for tool in "$@"; do
    IFS='|' read -r name version _ < <(spec_of "$tool")
    echo "$CACHE/$name-$version/bin"
  done
  exit 0
fi

GO=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$GO" ] || { echo "install-tools.sh: Go is needed to build $* (go not found)" >&2; exit 1; }

for tool in "$@"; do
  IFS='|' read -r name version pkg < <(spec_of "$tool")
  dir="$CACHE/$name-$version"
  if [ -x "$dir/bin/$name" ]; then
    echo "$name $version: cached ($dir/bin/$name)"
    continue
  fi
  echo "$name $version: building $pkg@$version (first run on this machine only, several minutes)"
  tmp=$(mktemp -d "$CACHE/.$name-$version.XXXXXX")
  log="$tmp/build.log"
  start=$SECONDS
  # GOTOOLCHAIN=local: never download another Go toolchain. nice: the machine is shared.
  if GOTOOLCHAIN=local GOBIN="$tmp/bin" GOFLAGS="${GOFLAGS:-} -mod=mod -trimpath" \
      nice -n 10 "$GO" install -ldflags="-s -w" "$pkg@$version" >"$log" 2>&1; then
    rm -f "$log"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "$name $version: built in $((SECONDS - start))s ($dir/bin/$name)"
  else
    echo "$name $version: build FAILED after $((SECONDS - start))s:" >&2
    tail -20 "$log" | sed 's/^/    /' >&2
    rm -rf "$tmp"
    exit 1
  fi
done
