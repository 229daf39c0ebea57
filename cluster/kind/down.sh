#!/usr/bin/env bash
# Deletes the kind cluster, stops dockerd by its recorded PID, removes its bridges and
# our guard chains, and releases the cluster lock. Idempotent; works after a failed up.
set -uo pipefail
SCRIPT_NAME=kind-down
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_root

# The cluster belongs to the checkout named in the lock (up.sh writes it): from another
# checkout this would delete someone else's cluster.
if [ -f "$CLUSTER_LOCK/kind" ] && ! grep -qxF "checkout $REPO_DIR" "$CLUSTER_LOCK/kind" && [ "${REFARCH_FORCE_DOWN:-0}" != 1 ]; then
  die "the kind cluster belongs to another checkout ($(tr '\n' ' ' <"$CLUSTER_LOCK/kind")); not deleting it (REFARCH_FORCE_DOWN=1 does)"
fi

step "deleting kind cluster $KIND_CLUSTER (node containers and their volumes)"
if daemon_running dockerd && [ -x "$KIND_BIN/kind" ]; then
  kind_ delete cluster --name "$KIND_CLUSTER" --kubeconfig "$KUBECONFIG_FILE" 2>&1 | sed -u 's/^/    /'
  # leftovers of an interrupted node-image build
  for c in $(docker_ ps -aq --filter name=refarch-kind-build- 2>/dev/null); do docker_ rm -f "$c" >/dev/null 2>&1 || true; done
  docker_ volume prune -f >/dev/null 2>&1 || true
else
  info "dockerd is not running (or kind not built): nothing to delete"
fi
SCRIPT_NAME=docker bash "$KIND_DIR/docker.sh" stop | sed -u 's/^/    /'
step "state and lock"
if [ -d "$STATE" ]; then
  mkdir -p "$REFARCH_LOG_ARCHIVE"
  cp -f "$LOG_DIR"/*.log "$REFARCH_LOG_ARCHIVE/" 2>/dev/null || true
  rm -rf "$STATE"
fi
if [ -f "$CLUSTER_LOCK/kind" ]; then
  rm -f "$CLUSTER_LOCK/kind"
  rmdir "$CLUSTER_LOCK" 2>/dev/null && info "lock $CLUSTER_LOCK released"
fi
step "kind cluster down ($((SECONDS - T0))s)"
