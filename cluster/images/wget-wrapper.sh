#!/bin/sh
# /bin/wget of refarch.local/busybox and refarch.local/netcheck.
# Debian bookworm's busybox (1.35) is built without CONFIG_FEATURE_WGET_TIMEOUT,
# so `wget -T N` segfaults there. This wrapper removes -T N / --timeout=N and
# runs busybox wget under `timeout N` instead; everything else is unchanged.
t='' want=''
for a do
  shift
  if [ -n "$want" ]; then t=$a want=; continue; fi
  case $a in
    -T | --timeout) want=1; continue ;;
    -T*) t=${a#-T}; continue ;;
    --timeout=*) t=${a#--timeout=}; continue ;;
  esac
  set -- "$@" "$a"
done
if [ -n "$t" ]; then exec /bin/busybox timeout "$t" /bin/busybox wget "$@"; fi
exec /bin/busybox wget "$@"
