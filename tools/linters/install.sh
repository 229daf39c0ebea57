#!/usr/bin/env bash
# Installs the manifest linters at pinned versions into a cache outside the repository:
#   ${REFARCH_CACHE:-/var/cache/refarch}/linters/<tool>-<key>/bin/<tool>
# Go tools are built from their Go modules (key: the version); Python tools go into a venv
# made from a fully pinned requirements file (key: version, Python minor and a hash of that
# file). A tool already in the cache is not reinstalled, so only the first run on a machine
# pays for it. Installs go to a temporary folder that is renamed into place on success, so
# an interrupted install never leaves a half-installed tool behind.
#
# Usage: tools/linters/install.sh [--print-dir | --print-cache] [TOOL...]   (default: every tool)
#   --print-dir     print the bin folder of each TOOL (installing nothing) and exit
#   --print-cache   print the linters cache folder and exit
# Exit status: 0 all installed, 3 some module or package is not served by the registry
# reachable from this machine (reported as "unavailable"), 1 any other failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# tool | version | source: a Go package (go install <package>@<version>) or
# pypi:<requirements file in this folder>. Bump a version here (and, for PyPI tools, the
# pins in the requirements file): the cache key changes with it, so the next run installs
# just that tool.
TOOLS=(
  "kube-score|v1.20.0|github.com/zegl/kube-score/cmd/kube-score"
  "kubeconform|v0.8.0|github.com/yannh/kubeconform/cmd/kubeconform"
  "checkov|3.3.30|pypi:checkov-requirements.txt"
)
# The project's one installer of pinned tools: another tool set (bench/install-tools.sh:
# helm, kustomize) passes its own list, one `name|version|source` per line, and the cache
# subfolder it installs into.
if [ -n "${REFARCH_TOOL_LIST:-}" ]; then mapfile -t TOOLS < <(grep -v '^\s*\(#\|$\)' "$REFARCH_TOOL_LIST"); fi
CACHE_SUBDIR=${REFARCH_TOOL_CACHE:-linters}

cache_root() {
  local root="${REFARCH_CACHE:-/var/cache/refarch}"
  if ! mkdir -p "$root/$CACHE_SUBDIR" 2>/dev/null || [ ! -w "$root/$CACHE_SUBDIR" ]; then
    root="${XDG_CACHE_HOME:-$HOME/.cache}/refarch"   # not root: fall back to the user cache
    mkdir -p "$root/$CACHE_SUBDIR"
  fi
  echo "$root/$CACHE_SUBDIR"
}

spec_of() {
  local entry
  for entry in "${TOOLS[@]}"; do
    if [ "${entry%%|*}" = "$1" ]; then echo "$entry"; return 0; fi
  done
  echo "unknown tool: $1 (known: $(for e in "${TOOLS[@]}"; do printf '%s ' "${e%%|*}"; done))" >&2
  return 1
}

PYTHON=${REFARCH_PYTHON:-python3}

# Cache folder name of a tool: <name>-<version>, plus for PyPI tools the Python minor the
# venv is bound to and the hash of the pinned list.
key_of() {  # name version source
  case "$3" in
    pypi:*)
      local py sum
      py=$("$PYTHON" -c 'import sys; print("py%d.%d" % sys.version_info[:2])') || return 1
      sum=$(sha256sum "$here/${3#pypi:}" | cut -c1-12)
      echo "$1-$2-$py-$sum" ;;
    *) echo "$1-$2" ;;
  esac
}

print_dir=false print_cache=false
case "${1:-}" in
  --print-dir) print_dir=true; shift ;;
  --print-cache) print_cache=true; shift ;;
esac
if [ $# -eq 0 ]; then set -- "${TOOLS[@]%%|*}"; fi

CACHE=$(cache_root)
if $print_cache; then echo "$CACHE"; exit 0; fi
if $print_dir; then
  for tool in "$@"; do
    IFS='|' read -r name version src < <(spec_of "$tool")
    echo "$CACHE/$(key_of "$name" "$version" "$src")/bin"
  done
  exit 0
fi

install_go() {  # name version package tmp log
  local go
  go=$(command -v go || echo /usr/local/go/bin/go)
  [ -x "$go" ] || { echo "Go is needed to build $1 (go not found)" >"$5"; return 1; }
  # GOTOOLCHAIN=local: build with the installed Go, never download another toolchain.
  # -trimpath -s -w: smaller binaries, no build paths baked in. nice: the machine is shared.
  GOTOOLCHAIN=local GOBIN="$4/bin" GOFLAGS="${GOFLAGS:-} -trimpath" \
    nice -n 10 "$go" install -ldflags="-s -w" "$3@$2" >"$5" 2>&1
}

install_pypi() {  # name version requirements-file tmp log
  local req="$here/$3"
  grep -qx "$1==$2" "$req" || { echo "$req does not pin $1==$2" >"$5"; return 1; }
  # --no-deps: exactly the pinned list, nothing resolved on the fly; pip check then proves
  # the list is complete and consistent.
  "$PYTHON" -m venv "$4" >"$5" 2>&1 &&
    "$4/bin/python" -m pip install --quiet --no-input --disable-pip-version-check --no-deps \
      --requirement "$req" >>"$5" 2>&1 &&
    "$4/bin/python" -m pip check >>"$5" 2>&1
}

# A Go tool is complete when its binary is there (it is renamed into place whole); a venv
# cannot be renamed (its scripts embed their absolute path), so it is built at its final
# path and complete only once the marker written after `pip check` exists.
installed() {  # dir name source
  [ -x "$1/bin/$2" ] && { [ "${3#pypi:}" = "$3" ] || [ -f "$1/.complete" ]; }
}

status=0
for tool in "$@"; do
  IFS='|' read -r name version src < <(spec_of "$tool")
  key=$(key_of "$name" "$version" "$src")
  dir="$CACHE/$key"
  # One installer per tool at a time (two checkouts linting at once share the cache).
  exec {lock}>"$CACHE/.$key.lock"
  flock "$lock"
  if installed "$dir" "$name" "$src"; then
    echo "$name $version: cached ($dir/bin/$name)"
    exec {lock}>&-
    continue
  fi
  start=$SECONDS
  tmp=$(mktemp -d "$CACHE/.$key.XXXXXX")
  log="$tmp.log"
  case "$src" in
    pypi:*)
      echo "$name $version: installing from PyPI (${src#pypi:}; first run on this machine only)"
      rm -rf "$tmp" "$dir"   # a venv left by an interrupted install is not reused
      if install_pypi "$name" "$version" "${src#pypi:}" "$dir" "$log"; then
        touch "$dir/.complete"; ok=true
      else
        rm -rf "$dir"; ok=false
      fi
      ;;
    *)
      echo "$name $version: building $src@$version (first run on this machine only)"
      if install_go "$name" "$version" "$src" "$tmp" "$log"; then
        rm -rf "$dir"; mv "$tmp" "$dir"; ok=true
      else
        rm -rf "$tmp"; ok=false
      fi
      ;;
  esac
  if $ok; then
    rm -f "$log"
    echo "$name $version: installed in $((SECONDS - start))s ($dir/bin/$name)"
  elif grep -qE '403 Forbidden|not permitted|module version is not available|path is not available|No matching distribution found' "$log"; then
    echo "$name $version: UNAVAILABLE: the registry reachable from this machine does not serve $src@$version:" >&2
    sed 's/^/    /' "$log" | head -5 >&2
    rm -f "$log"
    [ "$status" -eq 0 ] && status=3
  else
    echo "$name $version: INSTALL FAILED after $((SECONDS - start))s:" >&2
    sed 's/^/    /' "$log" | tail -30 >&2
    rm -f "$log"
    status=1
  fi
  exec {lock}>&-
done
exit "$status"
