# shellcheck shell=bash disable=SC2034 # POD_ENV and POD_OPTS are read by run.sh's pod_args
# Sourced by run.sh: role names and passwords as synth judges them, tried on PostgreSQL 17
# the way the shipped scripts use them. Proves:
# - every role name synth accepts is created by the scripts' SQL (lib.sh: refarch_role_sql,
#   a quoted name, as the takeover runs it) and every name it refuses as reserved is
#   refused by PostgreSQL itself (quoted or unquoted);
# - every password synth accepts (quotes, backslashes, colons, spaces at either end,
#   non-ASCII, 64 KiB) is set by that SQL and logs in through the backup's libpq password
#   file (backup-lib.sh), i.e. it reaches PostgreSQL and the backup unchanged.
# One server; the cases run in one pod each (loops inside the pod, over TCP from $POD_ADDR).
mkdir -p "$T/roles/cases"
node --import tsx "$HERE/identifier-cases.ts" "$T/roles/cases" | sed 's/^/# /'
chmod -R a+rX "$T/roles/cases"
ROLES=$(data_dir roles)
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/superuser-password POSTGRES_USER=postgres PGDATA=/var/lib/postgresql/data/pgdata PGPORT=6030)
POD_OPTS=(--mount "$T/secrets:/etc/secrets")
pod_start roles "$PG" 999 "$ROLES" docker-entrypoint.sh postgres
if within 90 ready 6030; then
  # The loops log in as a superuser of their own: "postgres" is among the names tried, and
  # the SQL sets the password of each name it is given.
  POD_ENV=(PGHOST="$POD_ADDR" PGPORT=6030 PGUSER=postgres PGDATABASE=postgres PGPASSWORD=superuser-pass) POD_OPTS=()
  pod_run "$PG" 999 "" psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE refarch_roles_test SUPERUSER LOGIN PASSWORD 'roles-test'" >/dev/null
  POD_ENV=(PGHOST="$POD_ADDR" PGPORT=6030 PGUSER=refarch_roles_test PGDATABASE=postgres PGPASSWORD=roles-test)
  POD_OPTS=(--mount "$T/roles/cases:/cases" --mount "$T/shipped/patroni:/opt/refarch" --mount "$T/shipped/backup:/opt/refarch-backup")
  # Each accepted name: the SQL refarch_role_sql writes, run as the superuser. Prints the failures.
  # shellcheck disable=SC2016
  bad=$(pod_run "$PATRONI" 999 "" bash -c '. /opt/refarch/lib.sh
    while read -r name; do
      refarch_role_sql "$name" "$(cat /cases/passwords/000)" REPLICATION | psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>&1 || echo "$name"
    done </cases/roles-accepted')
  check "every role name synth accepts ($(wc -l <"$T/roles/cases/roles-accepted")) is created by the scripts' SQL" equals "" "$bad"
  # shellcheck disable=SC2016
  bad=$(pod_run "$PATRONI" 999 "" bash -c '
    while read -r name; do
      if psql -X -q -c "CREATE ROLE \"$name\"" >/dev/null 2>&1 && psql -X -q -c "CREATE ROLE $name" >/dev/null 2>&1; then echo "$name"; fi
    done </cases/roles-reserved')
  check "every role name synth refuses as reserved ($(wc -l <"$T/roles/cases/roles-reserved")) is refused by PostgreSQL" equals "" "$bad"
  # Each password: set by the SQL, then a login through the backup's password file.
  # shellcheck disable=SC2016
  bad=$(pod_run "$PATRONI" 999 "" bash -c '. /opt/refarch/lib.sh
    for f in /cases/passwords/*; do
      n=$(basename "$f")
      if ! refarch_role_sql "pw_$n" "$(cat "$f")" "" | psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>&1; then echo "$n(sql)"; continue; fi
      ( export PGUSER="pw_$n" REFARCH_PASSWORD_FILE="$f" REFARCH_BACKUP_DIR=/tmp; unset PGPASSWORD
        . /opt/refarch-backup/backup-lib.sh && psql -X -At -w -c "SELECT current_user" 2>/dev/null ) | grep -qx "pw_$n" || echo "$n(login)"
    done')
  check "every password synth accepts ($(find "$T/roles/cases/passwords" -type f | wc -l)) is set by the scripts' SQL and logs in through the backup's password file" equals "" "$bad"
else
  not_ok "role test server ready"; logs roles
fi
stop roles
POD_ENV=() POD_OPTS=()
