#!/usr/bin/env bash
# Builds the tools the Helm/Kustomize comparison needs (bench/tools.txt) from their pinned
# Go modules, once per machine, into a cache outside the repository:
#   ${REFARCH_CACHE:-/var/cache/refarch}/tools/<tool>-<version>/bin/<tool>
# with the project's one installer of pinned tools (tools/linters/install.sh: cached by
# version, built in a temporary folder renamed into place, one installer per tool at a time).
#
# Usage: bench/install-tools.sh [--print-dir] [TOOL...]   (default: every tool)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REFARCH_TOOL_LIST="$here/tools.txt" REFARCH_TOOL_CACHE=tools exec bash "$here/../tools/linters/install.sh" "$@"
