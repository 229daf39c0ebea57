#!/usr/bin/env bash
# `npm run lint:shell`: shellcheck (Debian's package) over every shell script of the
# repository: each *.sh file, and each other file whose first line is a sh/bash/dash shebang
# (.ci/run). The list comes from `git ls-files` (tracked files, and new ones git does not
# ignore), so a new script is checked from the start; generated copies (the bench's
# database scripts) are git-ignored and not listed. Settings:
# .shellcheckrc at the repository root (follow sourced files, relative to each script). A
# finding that is right as written gets `# shellcheck disable=SCxxxx # <why>` on its line.
#
# Prints the files' findings and one closing line, `lint:shell: shellcheck passed|failed
# (N files)`, which .ci/run counts. shellcheck missing: installed with apt-get when this
# runs as root, otherwise (or when that fails) the run fails: a linter that cannot run is
# a failure, never a pass.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

if ! command -v shellcheck >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "lint:shell: installing Debian's shellcheck"
    log=$(mktemp)
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends shellcheck ||
      { apt-get update -o DPkg::Lock::Timeout=600 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends shellcheck; }; } >"$log" 2>&1 ||
      tail -20 "$log"
    rm -f "$log"
  fi
  if ! command -v shellcheck >/dev/null; then
    echo "lint:shell: shellcheck is not installed and could not be installed (apt-get install shellcheck)"
    echo "lint:shell: shellcheck failed (not run)"
    exit 1
  fi
fi

files=()
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue # deleted in the work tree, not yet in the index
  case $f in
    *.sh) files+=("$f") ;;
    *) head -n1 -- "$f" 2>/dev/null | grep -qE '^#!\s*(/usr)?/bin/(env\s+)?(ba|da)?sh(\s|$)' && files+=("$f") ;;
  esac
done < <(git ls-files -z --cached --others --exclude-standard | sort -zu) # (sort -u: an unmerged file is listed once per stage)
if [ ${#files[@]} -eq 0 ]; then
  echo "lint:shell: no tracked shell script found (is this a git checkout?)"
  echo "lint:shell: shellcheck failed (0 files)"
  exit 1
fi

echo "lint:shell: $(shellcheck --version | sed -n 's/^version: /shellcheck /p') over ${#files[@]} files"
if shellcheck --format=gcc -- "${files[@]}"; then
  echo "lint:shell: shellcheck passed (${#files[@]} files)"
else
  echo "lint:shell: shellcheck failed (${#files[@]} files; findings above, as file:line:column)"
  exit 1
fi
