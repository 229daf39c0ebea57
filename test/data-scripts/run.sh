#!/usr/bin/env bash
# npm run test:data-scripts: runs the database scripts of lib/postgres-scripts.ts, as
# the ConfigMaps ship them, against real PostgreSQL servers on 127.0.0.1, started the
# way the pods start them (through the local cluster image's entrypoint,
# cluster/images/postgres-entrypoint.sh, which follows the official image's contract).
#
# Proves: a primary initialized with the initdb script and a standby cloned by the
# standby script stream over TLS (verify-full); a write on the primary shows on the
# standby within 5 s; writes on the standby are refused; plain-text connections are
# refused; readiness reflects the role; backups keep the newest N dumps with checksums
# and a failed pg_dump fails; a restore brings dropped data back and refuses a dump
# whose checksum does not match; a primary restart on existing data (the upgrade path)
# re-creates the replication role with a rotated password; a database that ran as a
# plain single instance (no scripts) restarts as a replication primary that a new
# standby clones (the upgrade from replicas 1 to 2); and (roles.sh) the role names and
# passwords synth accepts are created, set and logged in with by the scripts.
#
# Needs root (servers run as the postgres user via setpriv; the TLS key is owned by
# root and group-readable, as a Secret volume with fsGroup gives it) and Debian's
# postgresql-15 (PGBIN). Everything lives in one temporary folder, removed at the end;
# every server started is stopped by its PID. Paths the pods have (/opt/refarch,
# /var/run/postgresql, /docker-entrypoint-initdb.d, /tmp) are mapped into that folder
# by substituting the path strings, nothing else (the entrypoint's own mktemp in /tmp stays).
set -euo pipefail
cd "$(dirname "$0")/../.."
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/postgres" ] || { echo "data-scripts: no PostgreSQL at $PGBIN (apt-get install postgresql-15, or set PGBIN)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "data-scripts: run as root (the servers run as the postgres user)"; exit 1; }
id postgres >/dev/null 2>&1 || { echo "data-scripts: no postgres user"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/refarch-data-scripts.XXXXXX")
chmod 0755 "$T"
declare -A PIDS=()
passed=0 failed=0

stop() { # NAME: SIGINT (fast shutdown) to the server started as NAME, bounded wait
  local pid=${PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$1]"
}
cleanup() {
  for name in "${!PIDS[@]}"; do stop "$name"; done
  rm -rf "$T"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok - $* [${SECONDS}s]"; }
fails() { ! "$@"; }
equals() { [ "$2" = "$1" ] || { echo "expected '$1', got '$2'"; return 1; }; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { # DESCRIPTION COMMAND...: passes when the command succeeds
  local what=$1; shift
  if "$@" >"$T/last.out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/    /' "$T/last.out" | tail -20; fi
}
check_fails() { # DESCRIPTION PATTERN COMMAND...: passes when the command fails and prints PATTERN
  local what=$1 pattern=$2; shift 2
  if "$@" >"$T/last.out" 2>&1; then not_ok "$what (it succeeded)"; sed 's/^/    /' "$T/last.out" | tail -5
  elif grep -qE "$pattern" "$T/last.out"; then ok "$what"
  else not_ok "$what (failed, but without /$pattern/)"; sed 's/^/    /' "$T/last.out" | tail -10; fi
}
within() { # SECONDS COMMAND...: retries every 0.2 s
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.2; done
}

free_port() {
  local p
  for p in $(shuf -i 20000-40000 -n 100); do
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  return 1
}

# ---- the scripts, as shipped, with the pod paths mapped into $T
mkdir -p "$T"/{scripts,bin,initdb.d,run,tmp,tls,backups,secrets,primary,standby,legacy,standby2}
node --import tsx test/data-scripts/export-scripts.ts "$T/scripts" "$T/tls"
mapfile -t TLS_ARGS <"$T/scripts/tls-args"
map_paths() { sed -e "s#/tmp/refarch#$T/tmp/refarch#g" -e "s#/opt/refarch-backup#$T/scripts#g" -e "s#/opt/refarch#$T/scripts#g" -e "s#/var/run/postgresql#$T/run#g" \
  -e "s#/docker-entrypoint-initdb.d#$T/initdb.d#g" -i "$@"; }
map_paths "$T"/scripts/*.sh
cp cluster/images/postgres-entrypoint.sh "$T/bin/docker-entrypoint.sh"
map_paths "$T/bin/docker-entrypoint.sh"
chmod 0755 "$T/bin/docker-entrypoint.sh"
cp "$T/scripts/initdb-replication.sh" "$T/initdb.d/10-refarch-replication.sh"
printf 'app-password\n' >"$T/secrets/password"
printf "repl-pass:with'quote\\\\\n" >"$T/secrets/replication-password"
chown -R postgres:postgres "$T"

# ---- a CA and a server certificate, as a user would make them
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=refarch test CA' \
  -keyout "$T/ca.key" -out "$T/tls/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout "$T/tls/tls.key" -out "$T/server.csr" 2>/dev/null
openssl x509 -req -in "$T/server.csr" -CA "$T/tls/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n') -out "$T/tls/tls.crt" 2>/dev/null
# What a Secret volume with defaultMode 0640 and fsGroup 999 gives: root:999, 0640.
chown -R root:postgres "$T/tls"; chmod 0750 "$T/tls"; chmod 0640 "$T"/tls/*

P1=$(free_port); P2=$(free_port)
[ "$P1" != "$P2" ] || P2=$(free_port)
echo "# primary on 127.0.0.1:$P1, standby on 127.0.0.1:$P2, work dir $T"

as_pg() { # ENV=VALUE... COMMAND...: as the postgres user, with a clean environment
  setpriv --reuid=postgres --regid=postgres --init-groups env -i PATH="$T/bin:$PGBIN:/usr/bin:/bin" HOME="$T" LANG=C.UTF-8 "$@"
}
# For servers, in ( ... ) &: exec makes the server the process $! names, so SIGINT reaches it.
exec_as_pg() { exec setpriv --reuid=postgres --regid=postgres --init-groups env -i PATH="$T/bin:$PGBIN:/usr/bin:/bin" HOME="$T" LANG=C.UTF-8 "$@"; }
server_env() { # NAME PORT
  echo PGDATA="$T/$1/pgdata" PGPORT="$2" POSTGRES_USER=guestbook POSTGRES_DB=guestbook \
    REFARCH_REPLICATION_USER=replicator REFARCH_REPLICATION_PASSWORD_FILE="$T/secrets/replication-password" \
    REFARCH_TLS_DIR="$T/tls" HOSTNAME="$1"
}
SERVER_ARGS=(-c listen_addresses=127.0.0.1 -c "unix_socket_directories=$T/run" "${TLS_ARGS[@]}")
start_primary() {
  # shellcheck disable=SC2046
  ( exec_as_pg $(server_env primary "$P1") POSTGRES_PASSWORD_FILE="$T/secrets/password" \
    bash "$T/scripts/primary.sh" "${SERVER_ARGS[@]}" -c wal_keep_size=64MB ) >>"$T/primary.log" 2>&1 &
  PIDS[primary]=$!
}
start_standby() {
  # shellcheck disable=SC2046
  ( exec_as_pg $(server_env standby "$P2") REFARCH_PRIMARY_HOST=localhost REFARCH_PRIMARY_PORT="$P1" \
    bash "$T/scripts/standby.sh" "${SERVER_ARGS[@]}" ) >>"$T/standby.log" 2>&1 &
  PIDS[standby]=$!
}
ready() { # NAME PORT ROLE
  # shellcheck disable=SC2046
  as_pg $(server_env "$1" "$2") bash "$T/scripts/readiness.sh" "$3"
}
sql() { # PORT SQL [SSLMODE]: as the app user over TCP
  as_pg PGPASSWORD=app-password psql -X -At -v ON_ERROR_STOP=1 \
    "host=localhost port=$1 dbname=guestbook user=guestbook sslmode=${3:-verify-full} sslrootcert=$T/tls/ca.crt" -c "$2"
}
rows_are() { [ "$(sql "$1" 'SELECT count(*) FROM entries' 2>/dev/null)" = "$2" ]; } # PORT N (re-queried by within)
logs() { echo "    --- $1 log"; tail -25 "$T/$1.log" | sed 's/^/    /'; }

# ---- replication
start_primary
if within 60 ready primary "$P1" primary; then ok "primary initialized (initdb script ran) and ready as primary"; else not_ok "primary ready"; logs primary; exit 1; fi
start_standby
if within 60 ready standby "$P2" standby; then ok "standby cloned with pg_basebackup and ready as a streaming standby"; else not_ok "standby ready"; logs primary; logs standby; exit 1; fi
check "readiness: the standby is not ready as a primary" fails ready standby "$P2" primary
check "readiness: the primary is not ready as a standby" fails ready primary "$P1" standby

sql "$P1" 'CREATE TABLE entries (id serial PRIMARY KEY, message text NOT NULL)' >/dev/null
sql "$P1" "INSERT INTO entries (message) SELECT 'row ' || g FROM generate_series(1, 100) g" >/dev/null
t0=$SECONDS
if within 5 rows_are "$P2" 100; then ok "a write on the primary is on the standby within 5 s ($((SECONDS - t0)) s)"; else not_ok "write visible on the standby within 5 s"; logs standby; fi
check_fails "a write on the standby is refused" 'read-only transaction' sql "$P2" "INSERT INTO entries (message) VALUES ('nope')"

# ---- TLS
check "pg_stat_ssl: the replication connection is encrypted" \
  equals '1 t' "$(sql "$P1" "SELECT count(*), bool_and(s.ssl) FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)" | tr '|' ' ')"
check "pg_stat_ssl: the app's connection is encrypted" equals t "$(sql "$P1" 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')"
check_fails "a plain-text connection is refused (hostnossl reject)" 'no encryption|pg_hba.conf rejects' sql "$P1" 'SELECT 1' disable
check_fails "verify-full refuses a host name the certificate does not hold" 'does not match|server certificate' \
  as_pg PGPASSWORD=app-password psql -X -At "host=not-in-the-certificate.invalid hostaddr=127.0.0.1 port=$P1 dbname=guestbook user=guestbook sslmode=verify-full sslrootcert=$T/tls/ca.crt" -c 'SELECT 1'

# ---- backups (from the standby, as the CronJob does when one exists)
backup() { # PORT: one backup run (the standby's port, as the CronJob does when one exists)
  as_pg PGHOST=localhost PGPORT="$1" PGUSER=guestbook PGDATABASE=guestbook PGSSLMODE=verify-full PGSSLROOTCERT="$T/tls/ca.crt" \
    REFARCH_PASSWORD_FILE="$T/secrets/password" REFARCH_BACKUP_DIR="$T/backups" REFARCH_KEEP=2 REFARCH_WAIT_SECONDS=3 "${@:2}" bash "$T/scripts/backup.sh"
}
restore() { # DUMP: restore into the primary
  as_pg PGHOST=localhost PGPORT="$P1" PGUSER=guestbook PGDATABASE=guestbook PGSSLMODE=verify-full PGSSLROOTCERT="$T/tls/ca.crt" \
    REFARCH_PASSWORD_FILE="$T/secrets/password" REFARCH_BACKUP_DIR="$T/backups" REFARCH_WAIT_SECONDS=3 DUMP="$1" bash "$T/scripts/restore.sh"
}
backups_ok=1
for i in 1 2 3; do
  backup "$P2" >>"$T/backup.log" 2>&1 || { backups_ok=0; tail -20 "$T/backup.log"; }
  [ "$i" = 3 ] || sleep 1.1   # dump names have second resolution
done
dumps=$(find "$T/backups" -maxdepth 1 -name '*.dump' | wc -l)
if [ "$backups_ok" = 1 ] && [ "$dumps" = 2 ]; then ok "three backups from the standby keep the newest 2 dumps"; else not_ok "backups: ok=$backups_ok, $dumps dumps (want 2)"; ls -la "$T/backups"; fi
check "every kept dump has a matching .sha256 and no temporary file is left" \
  bash -c "cd '$T/backups' && for f in *.dump; do sha256sum --check --quiet \"\$f.sha256\" || exit 1; done && ! ls .tmp-* 2>/dev/null"
check_fails "a failed pg_dump fails the backup and leaves no new dump" 'pg_dump|connection' backup 1
check "… and the number of dumps is unchanged" equals 2 "$(find "$T/backups" -maxdepth 1 -name '*.dump' | wc -l)"
# A standby that stays away (restarting, lost node): the backup falls back to the primary.
# 127.0.0.2 stands for the absent standby (nothing listens there), localhost for the primary.
if backup "$P1" env PGHOST=127.0.0.2 REFARCH_FALLBACK_HOST=localhost >"$T/fallback.log" 2>&1 \
  && grep -q 'dumping from localhost instead' "$T/fallback.log" && grep -q 'backup: done' "$T/fallback.log"; then
  ok "a standby that accepts no connection: the backup waits (bounded), then dumps from the primary"
else not_ok "backup fallback to the primary"; cat "$T/fallback.log"; fi
check "… and still keeps only the newest 2 dumps" equals 2 "$(find "$T/backups" -maxdepth 1 -name '*.dump' | wc -l)"

# ---- restore
newest=$(find "$T/backups" -maxdepth 1 -name '*.dump' -printf '%f\n' | sort | tail -1)
sql "$P1" 'DROP TABLE entries' >/dev/null
check "restore list mode shows the dumps with checksum ok" bash -c "$(declare -f restore as_pg); T='$T' P1='$P1' PGBIN='$PGBIN'; restore '' | grep -q '$newest .* checksum=ok'"
check "restore of $newest brings the dropped table back (100 rows)" restore "$newest"
check "… the rows are there" equals 100 "$(sql "$P1" 'SELECT count(*) FROM entries')"
if within 5 rows_are "$P2" 100; then ok "… and on the standby"; else not_ok "restored rows on the standby"; fi
cp "$T/backups/$newest" "$T/backups/corrupt.dump"; cp "$T/backups/$newest.sha256" "$T/backups/corrupt.dump.sha256"
sed -i "s/$newest/corrupt.dump/" "$T/backups/corrupt.dump.sha256"
printf 'x' >>"$T/backups/corrupt.dump"; chown postgres: "$T/backups"/corrupt.*
sql "$P1" "INSERT INTO entries (message) VALUES ('after the dump')" >/dev/null
check_fails "a dump whose checksum does not match is refused" 'FAILED' restore corrupt.dump
check "… and the database is unchanged (101 rows)" equals 101 "$(sql "$P1" 'SELECT count(*) FROM entries')"
check_fails "a dump name with a path is refused" 'must be a file name' restore ../secrets/password

# ---- restart on existing data: single-user role setup, rotated replication password
t0=$SECONDS; stop standby; stop primary; echo "# both servers stopped in $((SECONDS - t0)) s"
printf 'rotated-replication-password\n' >"$T/secrets/replication-password"
start_primary
if within 60 ready primary "$P1" primary; then ok "primary restarts on its existing data (role re-applied in single-user mode)"; else not_ok "primary restart"; logs primary; fi
start_standby
if within 60 ready standby "$P2" standby; then ok "standby resumes streaming with the rotated replication password"; else not_ok "standby restart"; logs standby; fi
sql "$P1" "INSERT INTO entries (message) VALUES ('after restart')" >/dev/null
if within 5 rows_are "$P2" 102; then ok "… and replicates new writes"; else not_ok "replication after restart"; logs standby; fi
check "pg_hba.conf holds exactly one refarch block (primary)" equals 1 "$(grep -c "^# BEGIN refarch" "$T/primary/pgdata/pg_hba.conf")"
check "… and on the standby, with the TLS rules" equals "1 1" "$(grep -c "^# BEGIN refarch" "$T/standby/pgdata/pg_hba.conf") $(grep -c "^hostnossl all" "$T/standby/pgdata/pg_hba.conf")"

stop standby; stop primary

# ---- upgrade: a database that ran as a plain single instance (no scripts) gets replication and TLS
P3=$(free_port); P4=$(free_port)
( exec_as_pg PGDATA="$T/legacy/pgdata" PGPORT="$P3" POSTGRES_USER=guestbook POSTGRES_DB=guestbook POSTGRES_PASSWORD_FILE="$T/secrets/password" \
    docker-entrypoint.sh postgres -c listen_addresses=127.0.0.1 -c "unix_socket_directories=$T/run" ) >>"$T/legacy.log" 2>&1 &
PIDS[legacy]=$!
legacy_up() { as_pg pg_isready -q -h 127.0.0.1 -p "$P3"; }
if within 60 legacy_up; then
  as_pg PGPASSWORD=app-password psql -X -q "host=127.0.0.1 port=$P3 dbname=guestbook user=guestbook" \
    -c "CREATE TABLE entries (id serial, message text); INSERT INTO entries (message) VALUES ('from the single instance')"
fi
stop legacy
# shellcheck disable=SC2046
( exec_as_pg $(server_env legacy "$P3") bash "$T/scripts/primary.sh" "${SERVER_ARGS[@]}" -c wal_keep_size=64MB ) >>"$T/legacy.log" 2>&1 &
PIDS[legacy]=$!
if within 60 ready legacy "$P3" primary; then ok "a plain single-instance database restarts as a replication primary with TLS (role created in single-user mode)"; else not_ok "upgraded primary ready"; logs legacy; fi
# shellcheck disable=SC2046
( exec_as_pg $(server_env standby2 "$P4") REFARCH_PRIMARY_HOST=localhost REFARCH_PRIMARY_PORT="$P3" \
    bash "$T/scripts/standby.sh" "${SERVER_ARGS[@]}" ) >>"$T/standby2.log" 2>&1 &
PIDS[standby2]=$!
if within 60 ready standby2 "$P4" standby; then ok "… and a new standby clones it and streams"; else not_ok "standby of the upgraded primary"; logs standby2; fi
check "… with the data of the single instance" equals 'from the single instance' "$(sql "$P4" 'SELECT message FROM entries')"
stop standby2; stop legacy

# ---- role names and passwords that synth accepts, as PostgreSQL and the scripts take them
. test/data-scripts/roles.sh
echo "data-scripts: $passed passed, $failed failed"
[ "$failed" = 0 ]
