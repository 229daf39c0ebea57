/**
 * Shell scripts that turn the official `postgres` image, used as is, into a streaming
 * replication pair and a backup/restore tool. They ship in ConfigMaps, mounted
 * read-only, and run as uid 999 on a read-only root filesystem: they write only to
 * PGDATA, /tmp and the backup volume.
 *
 * Plain strings rather than files next to this one, so a construct copied into another
 * project needs no asset handling; test/data-scripts runs these exact strings against
 * real PostgreSQL servers.
 *
 * Environment the scripts read (set by the constructs):
 *   PGDATA, PGPORT, POSTGRES_USER        official image contract
 *   REFARCH_REPLICATION_USER             replication role (primary and standby)
 *   REFARCH_REPLICATION_PASSWORD_FILE    file holding its password
 *   REFARCH_PRIMARY_HOST                 standby only: where to clone and stream from
 *   REFARCH_PRIMARY_PORT                 standby only: its port (default PGPORT)
 *   REFARCH_TLS_DIR                      set when TLS is on: tls.crt, tls.key, ca.crt
 */

/** Where the database scripts are mounted in the database pods. */
export const SCRIPTS_DIR = '/opt/refarch';

/**
 * String.raw that keeps backslashes for the shell, and turns `\${` (how a template
 * literal spells the shell's `${`) back into `${`.
 */
function sh(strings: TemplateStringsArray, ...values: unknown[]): string {
  return String.raw(strings, ...values).replace(/\\\$\{/g, '${');
}

/** Shared functions, sourced by the other database scripts. */
const LIB = sh`# Sourced by the refarch scripts; defines functions only.

refarch_log() { echo "refarch: $*" >&2; }

# The password in REFARCH_REPLICATION_PASSWORD_FILE, without the trailing newline.
refarch_replication_password() {
  local pw
  pw=$(cat "$REFARCH_REPLICATION_PASSWORD_FILE")
  case $pw in
    *$'\n'* | '') refarch_log "the replication password in $REFARCH_REPLICATION_PASSWORD_FILE must be one non-empty line"; return 1 ;;
  esac
  printf '%s' "$pw"
}

# SQL that creates the replication role if missing and (re)sets its password, so a
# rotated Secret takes effect on the next primary start. One statement per line:
# postgres --single ends a statement at a newline.
refarch_replication_role_sql() {
  local role=$REFARCH_REPLICATION_USER pw
  pw=$(refarch_replication_password) || return 1
  pw=\${pw//\'/\'\'}
  echo "DO \$refarch\$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '$role') THEN CREATE ROLE \"$role\" WITH REPLICATION LOGIN; END IF; END \$refarch\$;"
  echo "ALTER ROLE \"$role\" WITH REPLICATION LOGIN PASSWORD '$pw';"
}

# Rewrites the refarch block at the top of pg_hba.conf (first match wins). With TLS,
# any non-TLS TCP connection is refused before the image's "host all all all" line.
refarch_write_hba() {
  local hba=$PGDATA/pg_hba.conf tmp
  tmp=$(mktemp "$PGDATA/pg_hba.conf.XXXXXX")
  {
    echo '# BEGIN refarch: rewritten on every start by the refarch scripts; edit below the END line'
    if [ -n "\${REFARCH_TLS_DIR:-}" ]; then
      echo 'hostnossl all         all all reject'
      echo 'hostnossl replication all all reject'
    fi
    if [ -n "\${REFARCH_REPLICATION_USER:-}" ]; then
      echo "host replication \"$REFARCH_REPLICATION_USER\" all scram-sha-256"
    fi
    echo '# END refarch'
    sed '/^# BEGIN refarch/,/^# END refarch/d' "$hba"
  } >"$tmp"
  chmod 0600 "$tmp"
  mv "$tmp" "$hba"
}
`;

/**
 * /docker-entrypoint-initdb.d script: runs once, on the image's socket-only bootstrap
 * server right after initdb. Sourced by the entrypoint, so it must not `exit`.
 */
const INITDB = sh`# Sourced by docker-entrypoint.sh after initdb (first start of an empty volume only).
. ${SCRIPTS_DIR}/lib.sh
refarch_write_hba
if [ -n "\${REFARCH_REPLICATION_USER:-}" ]; then
  refarch_log "creating replication role $REFARCH_REPLICATION_USER"
  refarch_replication_role_sql | psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres >/dev/null
fi
`;

/**
 * Command of the primary: on an existing data directory, applies the settings the
 * initdb script would have applied (so turning on replication or TLS for a database
 * that already holds data works, and a rotated replication password takes effect),
 * then hands over to the image's entrypoint.
 */
const PRIMARY = sh`#!/bin/bash
set -euo pipefail
. ${SCRIPTS_DIR}/lib.sh
if [ -s "$PGDATA/PG_VERSION" ]; then
  refarch_write_hba
  if [ -n "\${REFARCH_REPLICATION_USER:-}" ]; then
    # Single-user mode: the server is not running yet, and this finishes before it starts.
    out=$(refarch_replication_role_sql | postgres --single -D "$PGDATA" -c log_min_messages=error postgres 2>&1 >/dev/null) || {
      refarch_log "setting up the replication role failed: $out"; exit 1; }
    if printf '%s' "$out" | grep -qE '^(ERROR|FATAL|PANIC)'; then refarch_log "setting up the replication role failed: $out"; exit 1; fi
    refarch_log "replication role $REFARCH_REPLICATION_USER ready"
  fi
fi
exec docker-entrypoint.sh postgres "$@"
`;

/**
 * Command of a standby: on an empty volume, clones the primary with pg_basebackup
 * (into a temporary directory, renamed when complete, so an interrupted clone is
 * retried rather than started as a broken database); on every start, points the
 * standby at the primary and hands over to the image's entrypoint.
 */
const STANDBY = sh`#!/bin/bash
set -euo pipefail
. ${SCRIPTS_DIR}/lib.sh
: "\${REFARCH_PRIMARY_HOST:?}" "\${REFARCH_REPLICATION_USER:?}" "\${PGPORT:=5432}" "\${REFARCH_PRIMARY_PORT:=$PGPORT}"

# libpq reads the password from a passfile (never from the command line or the
# environment of the server); /tmp is an emptyDir, so it is rewritten on every start.
passfile=/tmp/refarch-replication.pgpass
pw=$(refarch_replication_password)
pw=\${pw//\\/\\\\}; pw=\${pw//:/\\:}
( umask 077; printf '*:*:*:*:%s\n' "$pw" >"$passfile" )
unset pw

conninfo="host=$REFARCH_PRIMARY_HOST port=$REFARCH_PRIMARY_PORT user=$REFARCH_REPLICATION_USER passfile=$passfile application_name=\${HOSTNAME:-standby}"
if [ -n "\${REFARCH_TLS_DIR:-}" ]; then
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
`;

/**
 * Readiness by role, over the local socket (trust auth, no password). The TCP
 * pg_isready first, because the image's first-run bootstrap server listens on the
 * socket only and must not count as ready.
 */
const READINESS = sh`#!/bin/bash
set -euo pipefail
role=$1
pg_isready -q --host=127.0.0.1 --port="\${PGPORT:-5432}" --timeout=3
case $role in
  primary) sql='SELECT NOT pg_is_in_recovery()' ;;
  standby) sql="SELECT pg_is_in_recovery() AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming')" ;;
  *) echo "usage: readiness.sh primary|standby" >&2; exit 2 ;;
esac
[ "$(psql -X -At -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres -c "$sql")" = t ]
`;

/** Server arguments that turn TLS on, with the certificate files in `dir`. */
export function tlsServerArgs(dir: string): string[] {
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${dir}/tls.crt`, '-c', `ssl_key_file=${dir}/tls.key`, '-c', `ssl_ca_file=${dir}/ca.crt`];
}

/** The scripts mounted into the database pods, by file name. */
export function databaseScripts(): Record<string, string> {
  return {
    'lib.sh': LIB,
    'initdb-replication.sh': INITDB,
    'primary.sh': PRIMARY,
    'standby.sh': STANDBY,
    'readiness.sh': READINESS,
  };
}

/** Where the backup scripts and the backup volume are mounted in the backup pods. */
export const BACKUP_SCRIPTS_DIR = '/opt/refarch-backup';
export const BACKUP_DIR = '/backups';

/** Shared by backup.sh and restore.sh: the password as a libpq passfile in /tmp. */
const BACKUP_LIB = sh`# Sourced by backup.sh and restore.sh.
set -euo pipefail
: "\${PGHOST:?}" "\${PGUSER:?}" "\${PGDATABASE:?}" "\${REFARCH_PASSWORD_FILE:?}"
export PGPASSFILE=/tmp/refarch.pgpass
pw=$(cat "$REFARCH_PASSWORD_FILE")
pw=\${pw//\\/\\\\}; pw=\${pw//:/\\:}
( umask 077; printf '*:*:*:*:%s\n' "$pw" >"$PGPASSFILE" )
unset pw
cd "\${REFARCH_BACKUP_DIR:-${BACKUP_DIR}}"
# Whether HOST answers within SECONDS (bounded: a try every 3 s). A fresh pod may see its
# first connections refused while the NetworkPolicy controller programs its firewall, and
# a restarting standby has no ready endpoint behind its Service for a few seconds.
refarch_wait_for() { # HOST SECONDS
  local i
  for ((i = 0; i < $2; i += 3)); do
    pg_isready --quiet --host="$1" --timeout=3 && return 0
    sleep 3
  done
  return 1
}
`;

/**
 * One backup: pg_dump --format=custom to a temporary name, check it reads back, write
 * its checksum, rename both, then delete all but the newest REFARCH_KEEP dumps. Any
 * failure exits non-zero, so the Job fails.
 */
const BACKUP = sh`#!/bin/bash
. ${BACKUP_SCRIPTS_DIR}/backup-lib.sh
keep=\${REFARCH_KEEP:?}
name="$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Leftovers of an interrupted run are never valid dumps.
rm -f .tmp-*
# The source may be briefly away: wait for it, bounded, then fall back to the primary
# rather than skip a night.
if ! refarch_wait_for "$PGHOST" "\${REFARCH_WAIT_SECONDS:-60}"; then
  fallback=\${REFARCH_FALLBACK_HOST:-}
  if [ -n "$fallback" ] && [ "$fallback" != "$PGHOST" ] && refarch_wait_for "$fallback" 30; then
    echo "backup: $PGHOST accepted no connection within \${REFARCH_WAIT_SECONDS:-60} s; dumping from $fallback instead"
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
`;

/**
 * Restore the dump named in DUMP into the database at PGHOST (the primary), after
 * checking its checksum. Without DUMP it lists the dumps and verifies each one.
 * --single-transaction: a restore that fails leaves the database as it was.
 */
const RESTORE = sh`#!/bin/bash
. ${BACKUP_SCRIPTS_DIR}/backup-lib.sh
dump=\${DUMP:-}
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
refarch_wait_for "$PGHOST" "\${REFARCH_WAIT_SECONDS:-60}" || { echo "restore: $PGHOST accepts no connections; nothing restored" >&2; exit 1; }
echo "restore: restoring $dump into $PGDATABASE on $PGHOST"
pg_restore --clean --if-exists --single-transaction --exit-on-error --no-password --dbname="$PGDATABASE" "$dump"
echo "restore: done"
`;

/** The scripts mounted into the backup and restore pods, by file name. */
export function backupScripts(): Record<string, string> {
  return {
    'backup-lib.sh': BACKUP_LIB,
    'backup.sh': BACKUP,
    'restore.sh': RESTORE,
  };
}
