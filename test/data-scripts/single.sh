# shellcheck shell=bash disable=SC2034 # POD_ENV and POD_OPTS are read by run.sh's pod_args
# Sourced by run.sh. The single instance with TLS as the constructs render it: the official
# image's entrypoint, started through lib/scripts/single.sh with the server's TLS arguments,
# initdb-single.sh in /docker-entrypoint-initdb.d; then the same scripts on a database that
# ran without TLS (turning TLS on later).

single_env() { # PORT
  POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password POSTGRES_USER=guestbook POSTGRES_DB=guestbook PGDATA=/var/lib/postgresql/data/pgdata
    "PGPORT=$1" REFARCH_TLS_DIR=/etc/postgresql-tls)
  POD_OPTS=(--mount "$T/secrets:/etc/secrets" --mount "$T/shipped/single:/opt/refarch" --mount "$T/initdb.d:/docker-entrypoint-initdb.d"
    --mount "$T/tls:/etc/postgresql-tls")
}
tls_sql() { # PORT SQL [SSLMODE]: as the app user, verify-full against the test CA
  local POD_ENV=(PGPASSWORD=app-password)
  psql_tcp "$1" "dbname=guestbook user=guestbook sslmode=${3:-verify-full} sslrootcert=/etc/postgresql-tls/ca.crt" "$2"
}
SINGLE=$(data_dir single)
single_env 6010
pod_start single "$PG" 999 "$SINGLE" "${SINGLE_COMMAND[@]}"
if within 90 ready 6010; then ok "single instance with TLS: initialized (initdb hook ran) and serving"; else not_ok "single instance ready"; logs single; fi
check "the app's connection is encrypted (pg_stat_ssl), verify-full against the CA" equals t "$(tls_sql 6010 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')"
check_fails "a plain-text connection is refused (hostnossl reject)" 'no encryption|pg_hba.conf rejects' tls_sql 6010 'SELECT 1' disable
POD_ENV=(PGPASSWORD=app-password)
check_fails "verify-full refuses a host name the certificate does not hold" 'does not match|server certificate' \
  psql_tcp 6010 "host=not-in-the-certificate.invalid hostaddr=$POD_ADDR dbname=guestbook user=guestbook sslmode=verify-full sslrootcert=/etc/postgresql-tls/ca.crt" 'SELECT 1'
stop single
single_env 6010
pod_start single "$PG" 999 "$SINGLE" "${SINGLE_COMMAND[@]}"
within 60 ready 6010 || logs single
check "a restart on existing data keeps exactly one refarch block at the top of pg_hba.conf" \
  equals '1 # BEGIN refarch' "$(grep -c '^# BEGIN refarch' "$SINGLE/pgdata/pg_hba.conf") $(head -1 "$SINGLE/pgdata/pg_hba.conf" | cut -c1-15)"

# TLS turned on for a database that ran without it (the official image alone, no scripts).
LEGACY=$(data_dir single-plain)
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password POSTGRES_USER=guestbook POSTGRES_DB=guestbook PGDATA=/var/lib/postgresql/data/pgdata PGPORT=6011)
POD_OPTS=(--mount "$T/secrets:/etc/secrets")
pod_start single-plain "$PG" 999 "$LEGACY" docker-entrypoint.sh postgres
within 90 ready 6011 || logs single-plain
check "a plain single instance accepts plain text" equals 1 "$(tls_sql 6011 'SELECT 1' disable)"
stop single-plain
single_env 6011
pod_start single-plain "$PG" 999 "$LEGACY" "${SINGLE_COMMAND[@]}"
within 60 ready 6011 || logs single-plain
check_fails "… restarted with TLS through single.sh, it refuses plain text" 'no encryption|pg_hba.conf rejects' tls_sql 6011 'SELECT 1' disable
check "… and serves TLS" equals t "$(tls_sql 6011 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')"
stop single-plain
POD_ENV=() POD_OPTS=()
