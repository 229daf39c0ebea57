#!/bin/bash
set -euo pipefail
. /opt/refarch/lib.sh
: "${REFARCH_PRIMARY_HOST:?}" "${REFARCH_REPLICATION_USER:?}" "${PGPORT:=5432}" "${REFARCH_PRIMARY_PORT:=$PGPORT}"

# libpq reads the password from a passfile (never from the command line or the
# environment of the server); /tmp is an emptyDir, so it is rewritten on every start.
passfile=/tmp/refarch-replication.pgpass
pw=$(refarch_replication_password)
pw=${pw//\\/\\\\}; pw=${pw//:/\\:}
( umask 077; printf '*:*:*:*:%s\n' "$pw" >"$passfile" )
unset pw

conninfo="host=$REFARCH_PRIMARY_HOST port=$REFARCH_PRIMARY_PORT user=$REFARCH_REPLICATION_USER passfile=$passfile application_name=${HOSTNAME:-standby}"
if [ -n "${REFARCH_TLS_DIR:-}" ]; then
  conninfo="$conninfo sslmode=verify-full sslrootcert=$REFARCH_TLS_DIR/ca.crt"
else
  conninfo="$conninfo sslmode=disable"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -d "$PGDATA" ]; then
    rmdir "$PGDATA" 2>/dev/null || { refarch_log "$PGDATA is not empty but holds no database (no PG_VERSION); move it away by hand"; exit 1; }
  fi
  for i in $(seq 1 60); do
    pg_isready -q -d "$conninfo" && break
    [ "$i" = 60 ] && { refarch_log "primary $REFARCH_PRIMARY_HOST:$REFARCH_PRIMARY_PORT not ready after 120s"; exit 1; }
    sleep 2
  done
  clone=$PGDATA.clone
  rm -rf "$clone"
  refarch_log "cloning the primary $REFARCH_PRIMARY_HOST into $PGDATA"
  pg_basebackup --pgdata="$clone" --dbname="$conninfo" --wal-method=stream --checkpoint=fast --no-password
  touch "$clone/standby.signal"
  chmod 0700 "$clone"
  mv "$clone" "$PGDATA"
  refarch_log "clone complete"
fi
# A standby stays a standby: promotion is a manual, documented step (README).
touch "$PGDATA/standby.signal"
# The clone carries the primary's pg_hba.conf; bring the managed block up to date
# (e.g. TLS turned on since the clone).
refarch_write_hba
exec docker-entrypoint.sh postgres -c "primary_conninfo=$conninfo" -c hot_standby=on -c hot_standby_feedback=on "$@"
