# shellcheck shell=bash disable=SC2034
# The cluster lock of cluster/kind/up.sh: take_lock. Sourced after common.sh, not run.
# Env: REFARCH_LOCK_WAIT (seconds to wait, default 600), REFARCH_LOCK_POLL (seconds between
# looks, default 10). Sets LOCK_TAKEN=1, and LOCK_FRESH=1 when the lock was free (not this
# checkout's already).

# One cluster at a time on this machine (ports 80/443, CPU): the lock is a directory
# holding the owner's description; it stays while the cluster runs and down.sh removes it.
# It also waits while a process runs under /var/lib/refarch-cluster* (the API servers of
# apiserver-only.sh, or the single-node cluster an older checkout still has).
# The lock names the checkout that holds it: up.sh in that checkout finds its own running
# cluster (idempotent); from any other checkout it waits, since the cluster (one name, one
# dockerd, one state dir) is then someone else's, and its down.sh would delete it.
# A holder can also end without down.sh (a CI run killed mid-suite, a machine restored from
# a snapshot): its up.sh has exited and the cluster's dockerd (recorded PID) is gone, so
# nothing can use that cluster any more. Such a lock is taken over once it has looked like
# that twice, a poll apart (down.sh stops dockerd a moment before it releases the lock);
# up.sh's create_cluster then deletes the leftover cluster.
lock_holder_gone() {
  local pid
  [ -f "$CLUSTER_LOCK/kind" ] || return 1 # (mkdir done, description not written yet)
  pid=$(sed -n 's/.*cluster\/kind\/up\.sh pid \([0-9][0-9]*\),.*/\1/p' "$CLUSTER_LOCK/kind")
  [ -n "$pid" ] || return 1
  if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kind/up\.sh'; then return 1; fi
  ! daemon_running dockerd && ! pgrep -f /var/lib/refarch-cluster >/dev/null
}

take_lock() {
  step "cluster lock $CLUSTER_LOCK"
  local i wait=${REFARCH_LOCK_WAIT:-600} poll=${REFARCH_LOCK_POLL:-10} gone_seen=0
  for ((i = 0; i < wait; i += poll)); do
    if [ -f "$CLUSTER_LOCK/kind" ] && grep -qxF "checkout $REPO_DIR" "$CLUSTER_LOCK/kind"; then
      info "lock already held by this checkout's kind cluster: $(head -1 "$CLUSTER_LOCK/kind")"; LOCK_TAKEN=1; return 0
    fi
    if ! pgrep -f /var/lib/refarch-cluster >/dev/null && mkdir "$CLUSTER_LOCK" 2>/dev/null; then
      printf 'kind cluster %s, cluster/kind/up.sh pid %s, %s\ncheckout %s\n' "$KIND_CLUSTER" "$$" "$(date -Is)" "$REPO_DIR" >"$CLUSTER_LOCK/kind"
      LOCK_TAKEN=1 LOCK_FRESH=1
      info "lock taken"
      return 0
    fi
    if lock_holder_gone; then
      if [ "$gone_seen" = 1 ]; then
        info "the lock's holder is gone (its up.sh exited, its dockerd is not running): taking the lock over ($(tr '\n' ' ' <"$CLUSTER_LOCK/kind"))"
        # a rename, so that of two waiters only one takes it over
        if mv "$CLUSTER_LOCK" "$CLUSTER_LOCK.gone.$$" 2>/dev/null; then rm -rf "$CLUSTER_LOCK.gone.$$"; fi
        gone_seen=0
        continue
      fi
      gone_seen=1
    else
      gone_seen=0
    fi
    [ $((i % (6 * poll))) = 0 ] && info "waiting for the lock (held: $(cat "$CLUSTER_LOCK"/* 2>/dev/null | head -1); or a process under /var/lib/refarch-cluster runs)"
    sleep "$poll"
  done
  die "the cluster lock $CLUSTER_LOCK stayed busy for ${wait}s"
}
