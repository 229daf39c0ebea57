#!/bin/bash
# One backup (the CronJob of PostgresBackup): pg_dump --format=custom to a temporary name,
# check it reads back, write its checksum, rename both, then delete all but the newest
# REFARCH_KEEP dumps. Any failure exits non-zero, so the Job fails.
# shellcheck source=backup-lib.sh
. /opt/refarch-backup/backup-lib.sh
keep=${REFARCH_KEEP:?}
name="$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Leftovers of an interrupted run are never valid dumps.
rm -f .tmp-*
# The source may be briefly away: wait for it, bounded, then fall back to the primary
# rather than skip a night.
if ! refarch_wait_for "$PGHOST" "${REFARCH_WAIT_SECONDS:-60}"; then
  fallback=${REFARCH_FALLBACK_HOST:-}
  if [ -n "$fallback" ] && [ "$fallback" != "$PGHOST" ] && refarch_wait_for "$fallback" 30; then
    echo "backup: $PGHOST accepted no connection within ${REFARCH_WAIT_SECONDS:-60} s; dumping from $fallback instead"
    export PGHOST=$fallback
  else
    echo "backup: $PGHOST accepts no connections; no dump taken" >&2
    exit 1
  fi
fi
echo "backup: pg_dump of $PGDATABASE from $PGHOST into $name"
pg_dump --format=custom --no-password --file=".tmp-$name"
pg_restore --list ".tmp-$name" >/dev/null
sum=$(sha256sum <".tmp-$name" | cut -d' ' -f1)
echo "$sum  $name" >".tmp-$name.sha256"
mv ".tmp-$name" "$name"
mv ".tmp-$name.sha256" "$name.sha256"
sha256sum --check --quiet "$name.sha256"
printf '%s\n' *.dump | sort | head -n "-$keep" | while read -r old; do
  echo "backup: removing $old (keeping the newest $keep)"
  rm -f -- "$old" "$old.sha256"
done
echo "backup: done: $name ($(wc -c <"$name") bytes, sha256 $(cut -d' ' -f1 "$name.sha256"))"
ls -l
