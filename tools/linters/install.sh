#!/usr/bin/env bash
# Installs the manifest linters at pinned versions, built from their Go modules, into a
# cache outside the repository:
#   ${REFARCH_CACHE:-/var/cache/refarch}/linters/<tool>-<version>/bin/<tool>
# A tool already in the cache is not rebuilt, so only the first run on a machine pays for
# the build. Builds go to a temporary folder that is renamed into place on success, so an
# interrupted build never leaves a half-installed tool behind.
#
# Usage: tools/linters/install.sh [--print-dir] [TOOL...]   (default: every tool)
#   --print-dir   print the bin folder of each TOOL (installing nothing) and exit
# Exit status: 0 all installed, 3 some module is not served by the Go module proxy
# reachable from this machine (reported as "unavailable"), 1 any other failure.
set -euo pipefail

# tool | version | Go package to install. Bump a version here: the cache key changes
# with it, so the next run builds just that tool.
TOOLS=(
  "kube-score|v1.20.0|github.com/zegl/kube-score/cmd/kube-score"
  "kubeconform|v0.8.0|github.com/yannh/kubeconform/cmd/kubeconform"
)

cache_root() {
  local root="${REFARCH_CACHE:-/var/cache/refarch}"
  if ! mkdir -p "$root/linters" 2>/dev/null || [ ! -w "$root/linters" ]; then
    root="${XDG_CACHE_HOME:-$HOME/.cache}/refarch"   # not root: fall back to the user cache
    mkdir -p "$root/linters"
  fi
  echo "$root/linters"
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
[ -x "$GO" ] || { echo "install.sh: Go is needed to build the linters (go not found)" >&2; exit 1; }

status=0
for tool in "$@"; do
  IFS='|' read -r name version pkg < <(spec_of "$tool")
  dir="$CACHE/$name-$version"
  if [ -x "$dir/bin/$name" ]; then
    echo "$name $version: cached ($dir/bin/$name)"
    continue
  fi
  echo "$name $version: building $pkg@$version (first run on this machine only)"
  tmp=$(mktemp -d "$CACHE/.$name-$version.XXXXXX")
  log="$tmp/build.log"
  start=$SECONDS
  # GOTOOLCHAIN=local: build with the installed Go, never download another toolchain.
  # -trimpath -s -w: smaller binaries, no build paths baked in.
  if GOTOOLCHAIN=local GOBIN="$tmp/bin" GOFLAGS="${GOFLAGS:-} -trimpath" \
      "$GO" install -ldflags="-s -w" "$pkg@$version" >"$log" 2>&1; then
    rm -f "$log"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "$name $version: installed in $((SECONDS - start))s ($dir/bin/$name)"
  elif grep -qE '403 Forbidden|not permitted|module version is not available|path is not available' "$log"; then
    echo "$name $version: UNAVAILABLE: the Go module proxy reachable from this machine does not serve $pkg@$version:" >&2
    sed 's/^/    /' "$log" | head -5 >&2
    rm -rf "$tmp"
    [ "$status" -eq 0 ] && status=3
  else
    echo "$name $version: BUILD FAILED after $((SECONDS - start))s:" >&2
    sed 's/^/    /' "$log" | tail -30 >&2
    rm -rf "$tmp"
    status=1
  fi
done
exit "$status"
