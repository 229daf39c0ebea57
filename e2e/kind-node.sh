#!/usr/bin/env bash
# Node loss on the kind cluster, for e2e/prod.ts (E2E_NODE_LOSS / E2E_NODE_HEAL):
#   e2e/kind-node.sh lose NODE   # stops the node's kubelet, kills its container runtime and every pod process
#   e2e/kind-node.sh heal NODE   # starts the runtime and the kubelet again
# Inside the node container systemd tracks these processes by PID and cgroup: `systemctl stop`
# stops the kubelet for good (no restart), `systemctl kill -s KILL` kills containerd with its
# shims and every process of the pod slices, as a crashed machine would lose them. The node
# container itself (its network address) stays, so the node comes back with `heal`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../cluster/kind/common.sh"
action=${1:-}; node=${2:-}
case $node in "$KIND_CLUSTER"-worker*) ;; *) echo "usage: $0 lose|heal $KIND_CLUSTER-worker[N] (workers only)" >&2; exit 2 ;; esac
case $action in
  lose)
    # shellcheck disable=SC2016 # expanded by the node container's shell
    docker_ exec "$node" sh -euc '
      systemctl stop kubelet.service
      systemctl kill -s KILL containerd.service
      systemctl stop containerd.service
      for s in $(systemctl list-units --type=slice --plain --no-legend "kubelet-kubepods*" | awk "{print \$1}"); do
        systemctl kill -s KILL "$s" 2>/dev/null || true
      done'
    echo "[kind-node] $node: kubelet stopped, containerd and every pod process killed"
    ;;
  heal)
    docker_ exec "$node" systemctl start containerd.service kubelet.service
    echo "[kind-node] $node: containerd and kubelet started"
    ;;
  *) echo "usage: $0 lose|heal NODE" >&2; exit 2 ;;
esac
