#!/bin/sh
# /bin/nc of refarch.local/busybox and refarch.local/netcheck.
# Debian bookworm's busybox nc has no -z (port scan / "just connect"). This
# wrapper accepts -z: it connects with stdin at EOF and output discarded, so the
# exit status says whether the connection opened (use -w N for a timeout).
# Without -z it is plain busybox nc.
z=
for a do
  shift
  case $a in
    -z) z=1; continue ;;
    -[vz]*[vz] | -[vz][vz]*) case $a in *z*) z=1 ;; esac; continue ;;
    -v) continue ;;
  esac
  set -- "$@" "$a"
done
if [ -n "$z" ]; then exec /bin/busybox nc "$@" </dev/null >/dev/null; fi
exec /bin/busybox nc "$@"
