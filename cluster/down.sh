#!/usr/bin/env bash
# Stops the local cluster and removes everything cluster/up.sh created:
# processes (by recorded PID only), containers (by the PIDs containerd
# recorded), mounts and network namespaces under the state dir, cgroups,
# iptables chains/ipsets, the rfa-* interfaces and routes, sysctls, and the
# state directory. Binaries and image tarballs in $REFARCH_CACHE are kept.
# Idempotent: fine to run with nothing running. Logs of the last run are
# copied to $REFARCH_LOG_ARCHIVE (default /tmp/refarch-cluster-logs) first.
set -uo pipefail
SCRIPT_NAME=down
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

step "stopping the local cluster (state: $STATE)"

if [ -d "$LOG_DIR" ]; then
  rm -rf "$REFARCH_LOG_ARCHIVE" && mkdir -p "$REFARCH_LOG_ARCHIVE" && cp -a "$LOG_DIR"/. "$REFARCH_LOG_ARCHIVE"/ 2>/dev/null
  info "logs of this run copied to $REFARCH_LOG_ARCHIVE"
fi

# A cluster/up.sh still running (e.g. in another terminal) is stopped first so
# that none of its poll loops outlives the addresses it polls. Not when up.sh
# itself called us (its failure path).
if [ -f "$RUN_DIR/up.pid" ]; then
  read -r up_pid up_start <"$RUN_DIR/up.pid" || true
  if [ -n "${up_pid:-}" ] && [ "$up_pid" != "$PPID" ] && [ "$(proc_starttime "$up_pid")" = "${up_start:-}" ]; then
    kill_tree "$up_pid"
    info "stopped a running cluster/up.sh (pid $up_pid)"
  fi
  rm -f "$RUN_DIR/up.pid"
fi

step "stopping control loops and the kubelet"
for n in kube-router kube-proxy kube-scheduler kube-controller-manager kubelet; do stop_daemon "$n" 10; done

step "killing containers (PIDs recorded by containerd) and their shims"
TASKS=$STATE/containerd/state/io.containerd.runtime.v2.task
# containerd 1.6 records no shim PID on disk; a shim is the parent of the
# container init process it runs, so its PID is read from there first.
record_shims() {
  local f pid ppid d a
  # also each task's shim socket (containerd 1.6 puts them in /run/containerd/s)
  # and its id (the CNI result cache in /var/lib/cni/results is keyed by it)
  for d in "$TASKS"/*/*/; do
    [ -d "$d" ] || continue
    if [ -f "$d/address" ]; then a=$(cat "$d/address"); echo "${a#unix://}" >>"$RUN_DIR/shim.sockets"; fi
    basename "$d" >>"$RUN_DIR/task.ids"
  done
  for f in "$TASKS"/*/*/init.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || continue
    ppid=$(awk '{sub(/^.*\) /, ""); print $2}' "/proc/$pid/stat" 2>/dev/null)
    [ -n "$ppid" ] && [ "$ppid" != 1 ] && echo "$ppid" >>"$RUN_DIR/shims.pids"
  done
}
kill_containers() {
  local f pid
  for f in "$TASKS"/*/*/init.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    [ -n "$pid" ] && [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
  done
  # processes left in the pods' cgroups (e.g. exec sessions)
  for f in /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$f" ] || continue
    find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do
      kill -KILL "$pid" 2>/dev/null
    done
  done
}
containers_alive() {
  local f
  for f in "$TASKS"/*/*/init.pid; do
    [ -f "$f" ] && pid_alive "$(cat "$f" 2>/dev/null)" && return 0
  done
  return 1
}
if [ -d "$TASKS" ]; then
  mkdir -p "$RUN_DIR"
  record_shims
  for i in $(seq 1 50); do
    kill_containers
    containers_alive || break
    sleep 0.2
  done
fi
stop_daemon containerd 10
if [ -f "$RUN_DIR/shims.pids" ]; then
  for pid in $(sort -u "$RUN_DIR/shims.pids"); do kill_pid_if "$pid" containerd-shim; done
  rm -f "$RUN_DIR/shims.pids"
  sleep 0.3
fi
if [ -f "$RUN_DIR/shim.sockets" ]; then
  while read -r sock; do
    case $sock in /run/containerd/s/*) [ -S "$sock" ] && rm -f "$sock" ;; esac
  done <"$RUN_DIR/shim.sockets"
  rm -f "$RUN_DIR/shim.sockets"
fi
if [ -f "$RUN_DIR/task.ids" ]; then
  while read -r id; do
    [ -n "$id" ] && rm -f /var/lib/cni/results/*-"$id"-* 2>/dev/null
  done <"$RUN_DIR/task.ids"
  rm -f "$RUN_DIR/task.ids"
fi

step "stopping kube-apiserver and etcd"
stop_daemon kube-apiserver 8
stop_daemon etcd 15

step "unmounting everything under $STATE (pod volumes, rootfs, network namespaces)"
umount_under() {
  local base=$1 m i
  for i in 1 2 3; do
    # deepest first
    mapfile -t mounts < <(awk -v b="$base/" 'index($2, b) == 1 {print $2}' /proc/self/mounts | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-)
    [ ${#mounts[@]} -eq 0 ] && return 0
    for m in "${mounts[@]}"; do
      m=$(printf '%b' "$m") # /proc/self/mounts escapes spaces as \040
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  done
  awk -v b="$base/" 'index($2, b) == 1' /proc/self/mounts | grep -q . && return 1
  return 0
}
if [ -d "$STATE" ]; then
  umount_under "$STATE" || warn "some mounts under $STATE could not be removed"
fi

step "removing cgroups, iptables chains, ipsets, interfaces, routes"
for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
  [ -d "$c" ] || continue
  find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done
iptables_cleanup
if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
  for port in $(ip -o link show master "$CNI_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$port" 2>/dev/null || true
  done
  ip link del "$CNI_BRIDGE" 2>/dev/null || true
fi
ip link del "$NODE_IFACE" 2>/dev/null || true
ip route del blackhole "$CLUSTER_RANGE" 2>/dev/null || true
ip route del "$SERVICE_CIDR" 2>/dev/null || true
# CNI result cache of our network (libcni default location) and containerd
# 1.6's fixed shim-socket directory: only our files, then the dirs if empty
rm -f /var/lib/cni/results/refarch-* 2>/dev/null || true
rmdir /var/lib/cni/results /var/lib/cni /run/containerd/s /run/containerd 2>/dev/null || true

if [ -f "$STATE/sysctl.orig" ]; then
  while IFS='=' read -r key val; do
    [ -n "$key" ] && [ -e "/proc/sys/${key//.//}" ] && echo "$val" >"/proc/sys/${key//.//}" 2>/dev/null
  done <"$STATE/sysctl.orig"
  info "sysctls restored"
fi

step "removing the state directory"
if [ -d "$STATE" ]; then
  if awk -v b="$STATE/" 'index($2, b) == 1' /proc/self/mounts | grep -q .; then
    warn "mounts remain under $STATE; not deleting it:"
    awk -v b="$STATE/" 'index($2, b) == 1 {print "  " $2}' /proc/self/mounts
    exit 1
  fi
  rm -rf --one-file-system "$STATE"
fi
leftover=""
for f in "$RUN_DIR"/*.pid; do [ -f "$f" ] && leftover+=" $f"; done
[ -z "$leftover" ] || warn "pidfiles left:$leftover"
step "cluster is down ($((SECONDS - T0))s)"
