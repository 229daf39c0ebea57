#!/bin/bash
# Runs one command the way a container runtime runs a database pod's container, for
# test/data-scripts: the image's root filesystem (an extracted layer, never modified) under
# a per-pod overlay, mounted read-only (readOnlyRootFilesystem), with the pod's volumes:
# emptyDirs (tmpfs) at /tmp and /var/run/postgresql, the data volume at
# /var/lib/postgresql/data, and read-only bind mounts for ConfigMaps and Secrets; then the
# command as the pod's user with exactly the image's and the pod's environment.
#
# Called by run.sh as `unshare --mount --propagation private pod-exec.sh ...` (a mount
# namespace of its own; the network namespace is run.sh's, which has only loopback), so
# every mount vanishes with the process. Everything execs: the PID run.sh recorded ends up
# being the image's entrypoint and then the server, which gets signals directly.
#
#   pod-exec.sh ROOTFS RUN_DIR DATA_DIR USER ENV_FILE [--rw] [--mount SRC:DST[:rw]]... -- COMMAND...
#     RUN_DIR: this run's overlay (new each time); DATA_DIR: the data volume (kept between
#     runs); USER: uid[:gid] or "root"; ENV_FILE: KEY=VALUE lines (the image's env, then the pod's).
set -euo pipefail
rootfs=$1 dir=$2 data=$3 user=$4 envfile=$5; shift 5
readonly_root=1 mounts=()
while [ $# -gt 0 ]; do
  case $1 in
    --rw) readonly_root=0; shift ;;
    --mount) mounts+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "pod-exec: unknown option $1" >&2; exit 2 ;;
  esac
done
root=$dir/root
mkdir -p "$dir/upper" "$dir/work" "$root"
mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$dir/upper,workdir=$dir/work" "$root"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
# emptyDirs, as the kubelet makes them: world-writable directories.
mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/tmp"
mount -t tmpfs -o mode=0777,size=16m tmpfs "$root/run/postgresql"
mount --bind "$data" "$root/var/lib/postgresql/data"
for m in "${mounts[@]}"; do
  IFS=: read -r src dst mode <<<"$m"
  # /var/run is an absolute symlink to /run in the image: never follow it out of the root.
  case $dst in /var/run/*) dst=/run/${dst#/var/run/} ;; esac
  if [ -d "$src" ]; then mkdir -p "$root$dst"; else mkdir -p "$(dirname "$root$dst")"; touch "$root$dst"; fi
  mount --bind "$src" "$root$dst"
  [ "$mode" = rw ] || mount -o remount,bind,ro "$root$dst"
done
[ "$readonly_root" = 0 ] || mount -o remount,ro "$root"
mapfile -t env <"$envfile"
if [ "$user" = root ]; then
  exec chroot "$root" /usr/bin/env -i "${env[@]}" "$@"
fi
# runAsUser/runAsGroup with fsGroup 999 as a supplementary group, as the pods run.
exec chroot --userspec="${user%%:*}:${user#*:}" --groups=999 "$root" /usr/bin/env -i "${env[@]}" "$@"
