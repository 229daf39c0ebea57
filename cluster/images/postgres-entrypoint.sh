#!/bin/bash
# Entrypoint of the local PostgreSQL images (refarch.local/postgresql:17-trixie and the
# Patroni image built on it), written for this project from the documented contract of
# the official `postgres` image (Docker Hub "How to extend this image" and "Environment
# Variables"); test/data-scripts/contract.sh checks each point against the built image:
#
#   - `postgres` (or a first argument starting with `-`, which is prepended with
#     `postgres`) runs the server; any other command is executed as given.
#   - Started as root: creates PGDATA and /var/run/postgresql, gives them to the postgres
#     user (uid/gid 999) and re-executes itself as that user (gosu).
#   - On an empty PGDATA only: initdb with POSTGRES_USER as the superuser (default
#     `postgres`) and POSTGRES_PASSWORD as its password (required unless
#     POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR;
#     a `host all all all <POSTGRES_HOST_AUTH_METHOD>` line (default: the
#     password_encryption method, scram-sha-256); then a temporary server on the unix
#     socket only creates POSTGRES_DB (default: POSTGRES_USER) and runs
#     /docker-entrypoint-initdb.d/* in name order: *.sh executed when executable, else
#     sourced; *.sql, *.sql.gz, *.sql.xz, *.sql.zst fed to psql; anything else ignored.
#   - An existing database (PGDATA/PG_VERSION) is never touched.
#   - POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB and POSTGRES_INITDB_ARGS can be read
#     from the file named by the same variable with a _FILE suffix (not both).
#   - A uid without a passwd entry gets one through nss_wrapper (initdb needs a name).
# Works with a read-only root filesystem when PGDATA's volume, /var/run/postgresql and
# /tmp are writable (the emptyDirs the constructs mount).
set -Eeuo pipefail

die() { echo "entrypoint: error: $*" >&2; exit 1; }

# read_env NAME [DEFAULT]: NAME, or the contents of the file named by NAME_FILE.
read_env() {
  local name=$1 file_name="${1}_FILE" value=${2:-}
  if [ -n "${!name:-}" ] && [ -n "${!file_name:-}" ]; then die "$name and $file_name are both set; set one"; fi
  if [ -n "${!name:-}" ]; then value=${!name}
  elif [ -n "${!file_name:-}" ]; then value=$(<"${!file_name}")
  fi
  export "$name=$value"
  unset "$file_name"
}

case ${1:-} in
  '') set -- postgres ;;
  -*) set -- postgres "$@" ;;
esac

prepare_dirs() {
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 0700 "$PGDATA" 2>/dev/null || true
  chmod 3777 /var/run/postgresql 2>/dev/null || true
  if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then mkdir -p "$POSTGRES_INITDB_WALDIR"; chmod 0700 "$POSTGRES_INITDB_WALDIR" 2>/dev/null || true; fi
}

if [ "$1" = postgres ]; then
  export PGDATA=${PGDATA:-/var/lib/postgresql/data}
  if [ "$(id -u)" = 0 ]; then
    prepare_dirs
    chown postgres:postgres "$PGDATA" /var/run/postgresql ${POSTGRES_INITDB_WALDIR:+"$POSTGRES_INITDB_WALDIR"}
    exec gosu postgres "${BASH_SOURCE[0]}" "$@"
  fi
  prepare_dirs
fi
[ "$1" = postgres ] || exec "$@"

read_env POSTGRES_PASSWORD
read_env POSTGRES_USER postgres
read_env POSTGRES_DB "$POSTGRES_USER"
read_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=}"

if [ -s "$PGDATA/PG_VERSION" ]; then
  echo "entrypoint: PostgreSQL database directory $PGDATA already holds a database; skipping initialization"
  exec "$@"
fi

if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
  die "the database is uninitialized and no superuser password is set. Set POSTGRES_PASSWORD
       (or POSTGRES_PASSWORD_FILE) to a non-empty value, or POSTGRES_HOST_AUTH_METHOD=trust
       to allow every connection without a password (not recommended)."
fi

# initdb needs a user name for the running uid; an arbitrary --user gets one via nss_wrapper.
if ! getent passwd "$(id -u)" >/dev/null; then
  nss=$(mktemp -d /tmp/nss.XXXXXX)
  printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "$(id -u)" "$(id -g)" "$PGDATA" >"$nss/passwd"
  printf 'postgres:x:%s:\n' "$(id -g)" >"$nss/group"
  for lib in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so; do [ -e "$lib" ] && break; done
  export LD_PRELOAD=$lib NSS_WRAPPER_PASSWD=$nss/passwd NSS_WRAPPER_GROUP=$nss/group
fi

echo "entrypoint: initializing $PGDATA (superuser $POSTGRES_USER)"
waldir=()
[ -z "${POSTGRES_INITDB_WALDIR:-}" ] || waldir=(--waldir "$POSTGRES_INITDB_WALDIR")
# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options by contract
initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${waldir[@]}" $POSTGRES_INITDB_ARGS
unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP

auth=$POSTGRES_HOST_AUTH_METHOD
if [ -z "$auth" ]; then
  auth=$(postgres -C password_encryption -D "$PGDATA" 2>/dev/null || echo scram-sha-256)
fi
[ "$auth" = trust ] && echo "entrypoint: WARNING: POSTGRES_HOST_AUTH_METHOD=trust lets anyone who reaches the server connect as any role without a password"
printf '\n# every other host, with a password (added by the entrypoint)\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

# The temporary server for the first-run setup listens on the unix socket only.
PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -p ${PGPORT:-5432}" start
psql_=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -h /var/run/postgresql -p "${PGPORT:-5432}" --username "$POSTGRES_USER")
if [ "$POSTGRES_DB" != postgres ]; then
  echo "entrypoint: creating database $POSTGRES_DB"
  "${psql_[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
fi
export PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
for f in /docker-entrypoint-initdb.d/*; do
  [ -e "$f" ] || continue
  case $f in
    *.sh)
      if [ -x "$f" ]; then echo "entrypoint: running $f"; "$f"
      else echo "entrypoint: sourcing $f"; # shellcheck disable=SC1090
        . "$f"; fi ;;
    *.sql) echo "entrypoint: running $f"; "${psql_[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
    *.sql.gz) echo "entrypoint: running $f"; gunzip -c "$f" | "${psql_[@]}" --dbname "$POSTGRES_DB" ;;
    *.sql.xz) echo "entrypoint: running $f"; xzcat "$f" | "${psql_[@]}" --dbname "$POSTGRES_DB" ;;
    *.sql.zst) echo "entrypoint: running $f"; zstd -dc "$f" | "${psql_[@]}" --dbname "$POSTGRES_DB" ;;
    *) echo "entrypoint: ignoring $f" ;;
  esac
done
unset PGUSER PGPASSWORD
pg_ctl -D "$PGDATA" -m fast -w stop
echo "entrypoint: PostgreSQL init process complete; ready for start up."
exec "$@"
