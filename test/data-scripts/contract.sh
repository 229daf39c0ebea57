# shellcheck shell=bash disable=SC2034 # POD_ENV and POD_OPTS are read by run.sh's pod_args
# Sourced by run.sh. The official `postgres` image's documented contract (Docker Hub's
# "postgres" page: environment variables, Docker secrets via *_FILE, initialization
# scripts, arbitrary --user, STOPSIGNAL) checked against the local image that the
# clusters and these tests run, so "the official image runs unchanged" is tested on an
# image that keeps the same promises. docs/data-tier.md lists what still differs.

cfg() { node -e 'const c = require(process.argv[1]).config; const v = c[process.argv[2]]; console.log(typeof v === "string" ? v : JSON.stringify(v ?? ""))' "$PG/config.json" "$1"; }
check "image config: entrypoint docker-entrypoint.sh, command postgres, STOPSIGNAL SIGINT, port 5432/tcp, no user (the entrypoint steps down)" \
  equals '["docker-entrypoint.sh"] ["postgres"] SIGINT {"5432/tcp":{}} ""' "$(cfg Entrypoint) $(cfg Cmd) $(cfg StopSignal) $(cfg ExposedPorts) \"$(cfg User)\""
check "image env: PGDATA=/var/lib/postgresql/data, LANG=en_US.utf8, PATH ending in /usr/lib/postgresql/17/bin" \
  equals 'PGDATA=/var/lib/postgresql/data LANG=en_US.utf8 17/bin' \
  "$(grep -x 'PGDATA=.*' "$PG/env") $(grep -x 'LANG=.*' "$PG/env") $(grep -o '17/bin$' <(grep '^PATH=' "$PG/env"))"
POD_ENV=() POD_OPTS=()
check "user and group postgres are 999/999; PostgreSQL 17" \
  equals 'postgres:x:999:999 postgres:x:999 17' \
  "$(grep '^postgres:' "$PG/root/etc/passwd" | cut -d: -f1-4) $(grep '^postgres:' "$PG/root/etc/group" | cut -d: -f1-3) $(pod_run "$PG" 999 "" postgres --version | grep -oE ' 1[0-9]\.' | head -1 | tr -d ' .')"
check "/var/run/postgresql 3777 and /var/lib/postgresql/data 1777, both 999; /docker-entrypoint-initdb.d exists; the sample configuration listens on '*'" \
  equals '3777:999 1777:999 dir 1' \
  "$(stat -c %a:%u "$PG/root/run/postgresql") $(stat -c %a:%u "$PG/root/var/lib/postgresql/data") $([ -d "$PG/root/docker-entrypoint-initdb.d" ] && echo dir) $(grep -c "^listen_addresses = '\*'" "$PG/root/usr/share/postgresql/17/postgresql.conf.sample")"
POD_ENV=() POD_OPTS=()
check_fails "a pod's root filesystem is read-only (the harness works)" 'Read-only' pod_run "$PG" 999 "" touch /etc/refarch-test

# ---- initialization scripts, POSTGRES_PASSWORD_FILE, POSTGRES_USER/DB, started as root
mkdir -p "$T/c-initdb"
echo "CREATE TABLE init_log (n serial, what text); INSERT INTO init_log (what) VALUES ('sql');" >"$T/c-initdb/10-table.sql"
# $0 tells a sourced script (the entrypoint's name) from an executed one (its own).
# shellcheck disable=SC2016
printf '%s\n' 'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "INSERT INTO init_log (what) VALUES ('"'"'$(basename "$0")'"'"')"' >"$T/c-initdb/20-sourced.sh"
{ echo '#!/bin/bash'; cat "$T/c-initdb/20-sourced.sh"; } >"$T/c-initdb/30-executed.sh"
chmod 0644 "$T/c-initdb/20-sourced.sh"; chmod 0755 "$T/c-initdb/30-executed.sh"
echo "INSERT INTO init_log (what) VALUES ('gz');" | gzip >"$T/c-initdb/40-gz.sql.gz"
echo "INSERT INTO init_log (what) VALUES ('xz');" | xz >"$T/c-initdb/50-xz.sql.xz"
echo "INSERT INTO init_log (what) VALUES ('zst');" | zstd -q >"$T/c-initdb/60-zst.sql.zst"
echo "this is not SQL and must not run" >"$T/c-initdb/70-ignored.txt"
chmod a+r "$T"/c-initdb/*
D=$(data_dir contract-root)
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password POSTGRES_USER=app POSTGRES_DB=appdb PGPORT=6001)
POD_OPTS=(--mount "$T/secrets:/etc/secrets" --mount "$T/c-initdb:/docker-entrypoint-initdb.d")
pod_start contract-root "$PG" root "$D" docker-entrypoint.sh postgres
if within 90 ready 6001; then ok "started as root with POSTGRES_PASSWORD_FILE: initializes and serves on TCP"; else not_ok "started as root"; logs contract-root; fi
check "the server runs as uid 999 (the entrypoint stepped down from root)" equals 999 "$(awk '/^Uid:/ {print $2}' "/proc/${PIDS[contract-root]}/status")"
POD_ENV=(PGPASSWORD=app-password)
check "POSTGRES_USER logs in with the password from the file to POSTGRES_DB, as a superuser; listen_addresses '*', scram-sha-256" \
  equals 'app|appdb|t|*|scram-sha-256' "$(psql_tcp 6001 'dbname=appdb user=app sslmode=disable' "SELECT current_user, current_database(), rolsuper, current_setting('listen_addresses'), current_setting('password_encryption') FROM pg_roles WHERE rolname = current_user")"
check "pg_hba.conf ends with host all all all scram-sha-256" \
  equals 'host|{all}|{all}|all|scram-sha-256' "$(psql_tcp 6001 'dbname=appdb user=app sslmode=disable' "SELECT type, database, user_name, address, auth_method FROM pg_hba_file_rules ORDER BY rule_number DESC LIMIT 1")"
check "/docker-entrypoint-initdb.d ran in name order: *.sql, a non-executable *.sh sourced, an executable one executed, *.sql.gz/.xz/.zst; other files ignored" \
  equals 'sql,docker-entrypoint.sh,30-executed.sh,gz,xz,zst' "$(psql_tcp 6001 'dbname=appdb user=app sslmode=disable' "SELECT string_agg(what, ',' ORDER BY n) FROM init_log")"
POD_ENV=(PGPASSWORD=wrong)
check_fails "a wrong password is refused" 'password authentication failed' psql_tcp 6001 'dbname=appdb user=app sslmode=disable' 'SELECT 1'
# STOPSIGNAL SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to leave.
POD_ENV=(PGPASSWORD=app-password) POD_OPTS=()
pod_start contract-client "$PG" 999 "" psql -X "host=127.0.0.1 port=6001 dbname=appdb user=app sslmode=disable" -c 'SELECT pg_sleep(60)'
sleep 1
t0=$SECONDS; stop contract-root INT
check "SIGINT (the image's STOPSIGNAL) stops the server with a client session open, within 10 s ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -lt 10
stop contract-client
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password POSTGRES_USER=app POSTGRES_DB=appdb PGPORT=6001)
POD_OPTS=(--mount "$T/secrets:/etc/secrets" --mount "$T/c-initdb:/docker-entrypoint-initdb.d")
pod_start contract-root "$PG" root "$D" docker-entrypoint.sh postgres
within 60 ready 6001 || logs contract-root
POD_ENV=(PGPASSWORD=app-password)
check "a restart on existing data runs no initialization again" equals 6 "$(psql_tcp 6001 'dbname=appdb user=app sslmode=disable' 'SELECT count(*) FROM init_log')"
stop contract-root

# ---- as the pods run it: uid 999, read-only root, emptyDirs, PGDATA a subdirectory of the volume
D=$(data_dir contract-restricted)
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password POSTGRES_USER=guestbook POSTGRES_DB=guestbook PGDATA=/var/lib/postgresql/data/pgdata PGPORT=6002)
POD_OPTS=(--mount "$T/secrets:/etc/secrets")
pod_start contract-restricted "$PG" 999 "$D" docker-entrypoint.sh postgres
if within 90 ready 6002; then ok "as uid 999 on a read-only root with emptyDirs at /tmp and /var/run/postgresql, PGDATA in a subdirectory: initializes and serves"
else not_ok "restricted start"; logs contract-restricted; fi
POD_ENV=(PGPASSWORD=app-password)
check "… and its data directory is the subdirectory, mode 0700" \
  equals '/var/lib/postgresql/data/pgdata 700' "$(psql_tcp 6002 'dbname=guestbook user=guestbook sslmode=disable' 'SHOW data_directory') $(stat -c %a "$D/pgdata")"
stop contract-restricted

# ---- errors and an arbitrary user
POD_ENV=(POSTGRES_USER=guestbook PGPORT=6003) POD_OPTS=()
check_fails "no password on an empty volume: the entrypoint refuses to initialize" 'POSTGRES_PASSWORD' pod_run "$PG" 999 "$(data_dir contract-nopw)" docker-entrypoint.sh postgres
D=$(data_dir contract-uid); chown 4321:4321 "$D"
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password PGPORT=6004) POD_OPTS=(--mount "$T/secrets:/etc/secrets")
pod_start contract-uid "$PG" 4321:4321 "$D" docker-entrypoint.sh postgres
if within 90 ready 6004; then ok "an arbitrary uid (4321, not in /etc/passwd) initializes through nss_wrapper and serves"; else not_ok "arbitrary uid"; logs contract-uid; fi
stop contract-uid
POD_ENV=() POD_OPTS=()
