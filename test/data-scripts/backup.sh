# shellcheck shell=bash disable=SC2034 # POD_ENV and POD_OPTS are read by run.sh's pod_args
# Sourced by run.sh, after single.sh (whose TLS server on port 6010 still runs): the backup
# and restore scripts as the CronJobs' pods run them, against it.
mkdir -p "$T/backups"; chown 999:999 "$T/backups"
backup() { # PORT [ENV=VALUE...]: one backup run
  local POD_ENV=("PGHOST=$POD_ADDR" "PGPORT=$1" PGUSER=guestbook PGDATABASE=guestbook PGSSLMODE=verify-full PGSSLROOTCERT=/etc/postgresql-ca/ca.crt
    PGCONNECT_TIMEOUT=10 REFARCH_PASSWORD_FILE=/etc/refarch-credentials/password REFARCH_KEEP=2 REFARCH_WAIT_SECONDS=3 "${@:2}")
  local POD_OPTS=(--mount "$T/backups:/backups:rw" --mount "$T/shipped/backup:/opt/refarch-backup" --mount "$T/secrets:/etc/refarch-credentials"
    --mount "$T/tls:/etc/postgresql-ca")
  pod_run "$PG" 999 "" bash /opt/refarch-backup/backup.sh
}
restore() { # DUMP: restore into the database
  local POD_ENV=("PGHOST=$POD_ADDR" PGPORT=6010 PGUSER=guestbook PGDATABASE=guestbook PGSSLMODE=verify-full PGSSLROOTCERT=/etc/postgresql-ca/ca.crt
    REFARCH_PASSWORD_FILE=/etc/refarch-credentials/password REFARCH_WAIT_SECONDS=3 "DUMP=$1")
  local POD_OPTS=(--mount "$T/backups:/backups:rw" --mount "$T/shipped/backup:/opt/refarch-backup" --mount "$T/secrets:/etc/refarch-credentials"
    --mount "$T/tls:/etc/postgresql-ca")
  pod_run "$PG" 999 "" bash /opt/refarch-backup/restore.sh
}
dumps() { find "$T/backups" -maxdepth 1 -name '*.dump' | wc -l; }
tls_sql 6010 'CREATE TABLE entries (id serial PRIMARY KEY, message text NOT NULL)' >/dev/null
tls_sql 6010 "INSERT INTO entries (message) SELECT 'row ' || g FROM generate_series(1, 100) g" >/dev/null
backups_ok=1
for i in 1 2 3; do
  backup 6010 >>"$T/backup.log" 2>&1 || { backups_ok=0; tail -20 "$T/backup.log"; }
  [ "$i" = 3 ] || sleep 1.1   # dump names have second resolution
done
if [ "$backups_ok" = 1 ] && [ "$(dumps)" = 2 ]; then ok "three backups keep the newest 2 dumps"; else not_ok "backups: ok=$backups_ok, $(dumps) dumps (want 2)"; ls -la "$T/backups"; fi
check "every kept dump has a matching .sha256 and no temporary file is left" \
  bash -c "cd '$T/backups' && for f in *.dump; do sha256sum --check --quiet \"\$f.sha256\" || exit 1; done && ! ls .tmp-* 2>/dev/null"
check_fails "a failed pg_dump fails the backup and leaves no new dump" 'pg_dump|connection|accepts no' backup 1
check "… and the number of dumps is unchanged" equals 2 "$(dumps)"
# A read replica that stays away: the backup waits (bounded), then dumps from the primary.
# 127.0.0.2 stands for the absent replica (nothing listens there).
if backup 6010 PGHOST=127.0.0.2 "REFARCH_FALLBACK_HOST=$POD_ADDR" >"$T/fallback.log" 2>&1 \
  && grep -q "dumping from $POD_ADDR instead" "$T/fallback.log" && grep -q 'backup: done' "$T/fallback.log"; then
  ok "a read host that accepts no connection: the backup waits (bounded), then dumps from the fallback (the primary)"
else not_ok "backup fallback to the primary"; cat "$T/fallback.log"; fi
check "… and still keeps only the newest 2 dumps" equals 2 "$(dumps)"

newest=$(find "$T/backups" -maxdepth 1 -name '*.dump' -printf '%f\n' | sort | tail -1)
tls_sql 6010 'DROP TABLE entries' >/dev/null
lists_newest() { restore '' | grep -q "$newest .* checksum=ok"; }
check "restore without DUMP lists the dumps with checksum ok" lists_newest
check "restore of $newest brings the dropped table back (100 rows)" restore "$newest"
check "… the rows are there" equals 100 "$(tls_sql 6010 'SELECT count(*) FROM entries')"
cp "$T/backups/$newest" "$T/backups/corrupt.dump"; cp "$T/backups/$newest.sha256" "$T/backups/corrupt.dump.sha256"
sed -i "s/$newest/corrupt.dump/" "$T/backups/corrupt.dump.sha256"
printf 'x' >>"$T/backups/corrupt.dump"; chown 999:999 "$T/backups"/corrupt.*
tls_sql 6010 "INSERT INTO entries (message) VALUES ('after the dump')" >/dev/null
check_fails "a dump whose checksum does not match is refused" 'FAILED' restore corrupt.dump
check "… and the database is unchanged (101 rows)" equals 101 "$(tls_sql 6010 'SELECT count(*) FROM entries')"
check_fails "a dump name with a path is refused" 'must be a file name' restore ../secrets/password
stop single
