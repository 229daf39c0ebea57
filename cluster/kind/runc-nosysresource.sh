#!/bin/sh
# runc wrapper: drops CAP_SYS_RESOURCE from the OCI spec, then runs the real runc.
#
# Root on this machine lacks CAP_SYS_RESOURCE (see cluster/README.md, "Machine
# quirks"), so runc cannot grant it: every --privileged container (a kind node)
# and every privileged pod inside a node (kube-proxy, kube-router) fails with
# "unable to apply caps: operation not permitted". Nothing here needs that
# capability, so it is removed from every capability set of the container's
# process (create/run: <bundle>/config.json) or of an exec'd process (--process FILE).
# Registered as Docker's default runtime (cluster/kind/daemon.json) and as the
# node containerd's runc (cluster/kind/node/containerd-config.toml).
set -eu
REAL_RUNC=${REFARCH_REAL_RUNC:-/usr/sbin/runc}
[ -x "$REAL_RUNC" ] || REAL_RUNC=/usr/bin/runc

drop_cap() { # FILE JQ_PATH_TO_CAPABILITIES (the file is rewritten only when it grants the capability)
  [ -f "$1" ] || return 0
  jq -e "[($2 // {})[]? | arrays | .[]] | index(\"CAP_SYS_RESOURCE\") != null" "$1" >/dev/null 2>&1 || return 0
  tmp="$1.refarch-caps.$$"
  jq "if $2 then $2 |= with_entries(.value |= (if type == \"array\" then map(select(. != \"CAP_SYS_RESOURCE\")) else . end)) else . end" \
    "$1" >"$tmp" && mv "$tmp" "$1"
}

cmd="" bundle="." process="" prev=""
for a in "$@"; do
  case $prev in
    --bundle | -b) bundle=$a ;;
    --process | -p) process=$a ;;
  esac
  case $a in
    --bundle=*) bundle=${a#--bundle=} ;;
    --process=*) process=${a#--process=} ;;
  esac
  if [ -z "$cmd" ]; then
    case $a in create | run | exec) cmd=$a ;; esac
  fi
  prev=$a
done
case $cmd in
  create | run) drop_cap "$bundle/config.json" '.process.capabilities' ;;
  exec) [ -n "$process" ] && drop_cap "$process" '.capabilities' ;;
esac
exec "$REAL_RUNC" "$@"
