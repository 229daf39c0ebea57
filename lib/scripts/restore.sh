#!/bin/bash
# Restores the dump named in DUMP into the database at PGHOST (the primary), after
# checking its checksum; without DUMP it lists the dumps and verifies each one.
# --single-transaction: a restore that fails leaves the database as it was.
# shellcheck source=backup-lib.sh
. /opt/refarch-backup/backup-lib.sh
dump=${DUMP:-}
if [ -z "$dump" ]; then
  echo "restore: no DUMP given; dumps in the backup volume, oldest first:"
  for f in *.dump; do
    [ -e "$f" ] || continue
    if sha256sum --check --quiet "$f.sha256" 2>/dev/null; then s=ok; else s=BAD-CHECKSUM; fi
    echo "  $f $(wc -c <"$f") bytes checksum=$s"
  done
  exit 0
fi
case $dump in
  */* | .* | *[!A-Za-z0-9._-]*) echo "restore: DUMP must be a file name from the list, got: $dump" >&2; exit 2 ;;
esac
[ -f "$dump" ] || { echo "restore: no dump $dump in the backup volume" >&2; exit 1; }
[ -f "$dump.sha256" ] || { echo "restore: $dump has no checksum file $dump.sha256" >&2; exit 1; }
sha256sum --check "$dump.sha256"
refarch_wait_for "$PGHOST" "${REFARCH_WAIT_SECONDS:-60}" || { echo "restore: $PGHOST accepts no connections; nothing restored" >&2; exit 1; }
echo "restore: restoring $dump into $PGDATABASE on $PGHOST"
pg_restore --clean --if-exists --single-transaction --exit-on-error --no-password --dbname="$PGDATABASE" "$dump"
echo "restore: done"
