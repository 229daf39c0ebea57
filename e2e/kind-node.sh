#!/usr/bin/env bash
# Node failures on the kind cluster, for e2e/prod.ts (E2E_NODE_LOSS / E2E_NODE_HEAL /
# E2E_NODE_PARTITION / E2E_NODE_RECONNECT / E2E_NODE_PROBE_WRITES):
#   e2e/kind-node.sh lose NODE        # stops the node's kubelet, kills its container runtime and every pod process
#   e2e/kind-node.sh heal NODE        # starts the runtime and the kubelet again
#   e2e/kind-node.sh partition NODE   # disconnects the node container from the network `kind`: its processes keep running
#   e2e/kind-node.sh reconnect NODE   # connects it again, with the address it had
#   e2e/kind-node.sh probe-writes NODE POD SECONDS TAG
#       # from inside the node, INSERTs into the pod's PostgreSQL over its own socket, one
#       # every 0.5 s for SECONDS (each bounded by 4 s), printing "ack|hang|error <i> <unix time>"
# Inside the node container systemd tracks these processes by PID and cgroup: `systemctl stop`
# stops the kubelet for good (no restart), `systemctl kill -s KILL` kills containerd with its
# shims and every process of the pod slices, as a crashed machine would lose them. The node
# container itself (its network address) stays, so the node comes back with `heal`. A
# partition keeps everything running, as CloudNativePG's own e2e cuts a node off.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../cluster/kind/common.sh"
action=${1:-}; node=${2:-}
case $node in "$KIND_CLUSTER"-worker*) ;; *) echo "usage: $0 lose|heal|partition|reconnect|probe-writes $KIND_CLUSTER-worker[N] (workers only)" >&2; exit 2 ;; esac
address_file=$STATE/partitioned-$node.ip
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
  partition)
    docker_ inspect -f "{{(index .NetworkSettings.Networks \"$KIND_NETWORK\").IPAddress}}" "$node" >"$address_file"
    docker_ network disconnect "$KIND_NETWORK" "$node"
    echo "[kind-node] $node ($(cat "$address_file")) disconnected from network $KIND_NETWORK; its processes keep running"
    ;;
  reconnect)
    [ -s "$address_file" ] || { echo "[kind-node] no recorded address for $node (was it partitioned?)" >&2; exit 1; }
    docker_ network connect --ip "$(cat "$address_file")" "$KIND_NETWORK" "$node"
    echo "[kind-node] $node connected to network $KIND_NETWORK again as $(cat "$address_file")"
    rm -f "$address_file"
    ;;
  probe-writes)
    pod=${3:?pod}; seconds=${4:?seconds}; tag=${5:?tag}
    # shellcheck disable=SC2016 # the script runs inside the node: its $ are the node's
    docker_ exec "$node" bash -euc '
      pod=$1 seconds=$2 tag=$3
      cid=$(ctr -n k8s.io containers ls -q "labels.\"io.kubernetes.pod.name\"==$pod,labels.\"io.kubernetes.container.name\"==postgres" | head -1)
      [ -n "$cid" ] || { echo "no postgres container of $pod on this node" >&2; exit 1; }
      end=$(( $(date +%s) + seconds )); i=0
      while [ "$(date +%s)" -lt "$end" ]; do
        i=$((i + 1)); at=$(date +%s.%N); rc=0
        err=$(timeout 4 ctr -n k8s.io task exec --exec-id "probe-$tag-$i" "$cid" psql -X -At -h /var/run/postgresql -U guestbook -d guestbook \
          -c "INSERT INTO entries (name, message) VALUES ('"'"'isolated'"'"', '"'"'$tag-$i'"'"')" 2>&1 >/dev/null) || rc=$?
        # an error line carries the first line of what failed (PostgreSQL refusing, or the exec)
        case $rc in 0) echo "ack $i $at" ;; 124) echo "hang $i $at" ;; *) echo "error $i $at $(printf %s "$err" | head -1)" ;; esac
        sleep 0.5
      done' _ "$pod" "$seconds" "$tag"
    ;;
  *) echo "usage: $0 lose|heal|partition|reconnect|probe-writes NODE" >&2; exit 2 ;;
esac
