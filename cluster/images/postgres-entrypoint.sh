#!/bin/bash
# Entrypoint of refarch.local/postgresql:15-bookworm (PostgreSQL 15 from
# Debian bookworm packages). Honours the environment contract of the official
# `postgres` image:
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust)
#   POSTGRES_USER (default postgres)   POSTGRES_DB (default $POSTGRES_USER)
#   PGDATA (default /var/lib/postgresql/data; may be a subdirectory of the
#           mounted volume, created with mode 0700 if missing)
#   POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256)
#   *_FILE variants of POSTGRES_PASSWORD/USER/DB (read from a file)
#   /docker-entrypoint-initdb.d/*.sh|*.sql run once after initdb
# Runs as uid/gid 999 (postgres). Works with a read-only root filesystem as
# long as /var/run/postgresql and /tmp are writable (emptyDirs in the pod).
set -Eeo pipefail

file_env() { # VAR [DEFAULT]: VAR or the contents of the file named by VAR_FILE
  local var=$1 fvar="${1}_FILE" def=${2:-} val
  if [ -n "${!var:-}" ] && [ -n "${!fvar:-}" ]; then
    echo "error: both $var and $fvar are set (but are exclusive)" >&2; exit 1
  fi
  val=$def
  if [ -n "${!var:-}" ]; then val=${!var}; elif [ -n "${!fvar:-}" ]; then val=$(<"${!fvar}"); fi
  export "$var"="$val"
  unset "$fvar"
}

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ $# -eq 0 ]; then set -- postgres; fi

if [ "$1" != postgres ]; then exec "$@"; fi

export PGDATA=${PGDATA:-/var/lib/postgresql/data}
file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
POSTGRES_HOST_AUTH_METHOD=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

if [ "$(id -u)" = 0 ]; then
  # started as root (no runAsUser): fix ownership, then drop to postgres
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 0700 "$PGDATA"
  exec setpriv --reuid=999 --regid=999 --init-groups "${BASH_SOURCE[0]}" "$@"
fi

mkdir -p "$PGDATA"
chmod 0700 "$PGDATA" 2>/dev/null || true

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    cat >&2 <<'EOM'
error: database is uninitialized and POSTGRES_PASSWORD is not set.
       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value
       for the superuser, or POSTGRES_HOST_AUTH_METHOD=trust (not recommended).
EOM
    exit 1
  fi
  echo "entrypoint: initializing database in $PGDATA (superuser $POSTGRES_USER)"
  pwfile=$(mktemp /tmp/pgpass.XXXXXX)
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" $POSTGRES_INITDB_ARGS -D "$PGDATA"
  rm -f "$pwfile"
  {
    echo
    echo "# added by the refarch entrypoint: any host, password auth"
    echo "host all all all $POSTGRES_HOST_AUTH_METHOD"
  } >>"$PGDATA/pg_hba.conf"
  {
    echo
    echo "# added by the refarch entrypoint"
    echo "listen_addresses = '*'"
    echo "password_encryption = scram-sha-256"
  } >>"$PGDATA/postgresql.conf"

  # temporary server on the unix socket only, for the first-run setup
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" start
  psql_=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -h /var/run/postgresql --username "$POSTGRES_USER")
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "entrypoint: creating database $POSTGRES_DB"
    "${psql_[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case $f in
      *.sh) echo "entrypoint: running $f"; # shellcheck disable=SC1090
        . "$f" ;;
      *.sql) echo "entrypoint: running $f"; "${psql_[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *) echo "entrypoint: ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "entrypoint: init done; starting PostgreSQL"
else
  echo "entrypoint: existing database in $PGDATA; skipping initialization"
fi

exec "$@"
