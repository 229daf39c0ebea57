#!/bin/sh
# The synth command, `npm run synth [-- options]`: scripts/synth-fast.js, from its V8 startup
# snapshot when there is one (scripts/synth-snapshot.js; docs/synth.md). The snapshot's main
# function checks the sources as the launcher does and takes the launcher's path when they
# changed. Node.js runs a snapshot only with the Node.js version and the V8 flags it was
# built with: with NODE_OPTIONS set the launcher runs instead, and exit status 14 is Node.js
# refusing the snapshot before anything ran (after a Node.js upgrade it says so in one line):
# then too the launcher runs, and it makes a new snapshot after a synth that succeeded.
#
# Without a POSIX shell (Windows' cmd.exe), `node scripts/synth-fast.js` is the same synth,
# without the snapshot.

# A synth makes no network connection, and Node.js reads and parses the certificates named
# by NODE_EXTRA_CA_CERTS at every start, before any script runs (70 ms on the benchmark
# machine, where it names the system's bundle of 140 root certificates; docs/benchmarks.md).
unset NODE_EXTRA_CA_CERTS

case $0 in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac
cache=$here/../.cache/synth
# The V8 flags the snapshot was built with, one line; `read` is a shell builtin: no process.
if [ -z "${NODE_OPTIONS:-}" ] && [ -f "$cache/snapshot.blob" ] && read -r flags < "$cache/snapshot.args" 2>/dev/null; then
  # shellcheck disable=SC2086 # the flags are separate words: --no-opt --no-sparkplug ...
  node $flags --snapshot-blob "$cache/snapshot.blob" -- "$@"
  status=$?
  [ "$status" -eq 14 ] || exit "$status"
fi
REFARCH_SYNTH_SNAPSHOT=1 exec node "$here/synth-fast.js" "$@"
