#!/bin/bash
. /opt/refarch-backup/backup-lib.sh
keep=${REFARCH_KEEP:?}
name="$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Leftovers of an interrupted run are never valid dumps.
rm -f .tmp-*
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
