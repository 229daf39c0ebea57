# shellcheck shell=bash
# Sourced by test/data-scripts/run.sh (its helpers, $T and the exported scripts): role
# names and passwords as synth judges them, tried on a real PostgreSQL the way the
# shipped scripts use them. Proves:
# - every role name synth accepts is created by the bootstrap's SQL (lib.sh:
#   refarch_replication_role_sql, a quoted name) and every name it refuses as reserved is
#   refused by PostgreSQL itself (quoted or unquoted);
# - every password synth accepts (quotes, backslashes, colons, spaces at either end,
#   non-ASCII, 64 KiB) is set by that SQL and logs in through the backup's libpq
#   password file (backup-lib.sh), i.e. it reaches PostgreSQL and the backup unchanged.
# One server on a Unix socket only (no TCP), stopped by its PID at the end.
mkdir -p "$T/roles/cases" "$T/roles/run"
node --import tsx test/data-scripts/identifier-cases.ts "$T/roles/cases" | sed 's/^/# /'
chown -R postgres:postgres "$T/roles"
as_pg "$PGBIN/initdb" -D "$T/roles/pgdata" -U postgres --auth-local=trust --auth-host=reject >"$T/roles.log" 2>&1
# The app roles log in with a password (scram), the test's own superuser without.
sed -i '1i local all postgres trust\nlocal all all scram-sha-256' "$T/roles/pgdata/pg_hba.conf"
( exec_as_pg "$PGBIN/postgres" -D "$T/roles/pgdata" -c listen_addresses= -c "unix_socket_directories=$T/roles/run" ) >>"$T/roles.log" 2>&1 &
# shellcheck disable=SC2034,SC2154 # PIDS is run.sh's associative array (declare -A there), "roles" a key
PIDS[roles]=$!
roles_sql() { as_pg "$PGBIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$T/roles/run" -U postgres -d postgres "$@"; }
if within 30 roles_sql -c 'SELECT 1'; then
  bad=()
  while read -r name; do
    # shellcheck disable=SC2016
    sqltext=$(as_pg REFARCH_REPLICATION_USER="$name" REFARCH_REPLICATION_PASSWORD_FILE="$T/roles/cases/passwords/000" \
      bash -c '. "$0" && refarch_replication_role_sql' "$T/scripts/lib.sh") && roles_sql -c "$sqltext" >/dev/null 2>&1 || bad+=("$name")
  done <"$T/roles/cases/roles-accepted"
  check "every role name synth accepts ($(wc -l <"$T/roles/cases/roles-accepted")) is created by the bootstrap's SQL" equals "" "${bad[*]}"
  bad=()
  while read -r name; do
    if roles_sql -c "CREATE ROLE \"$name\"" >/dev/null 2>&1 && roles_sql -c "CREATE ROLE $name" >/dev/null 2>&1; then bad+=("$name"); fi
  done <"$T/roles/cases/roles-reserved"
  check "every role name synth refuses as reserved ($(wc -l <"$T/roles/cases/roles-reserved")) is refused by PostgreSQL" equals "" "${bad[*]}"
  bad=()
  for pwfile in "$T"/roles/cases/passwords/*; do
    n=$(basename "$pwfile")
    # shellcheck disable=SC2016
    if ! sqltext=$(as_pg REFARCH_REPLICATION_USER="pw_$n" REFARCH_REPLICATION_PASSWORD_FILE="$pwfile" bash -c '. "$0" && refarch_replication_role_sql' "$T/scripts/lib.sh") ||
      ! roles_sql -c "$sqltext" >/dev/null 2>&1; then bad+=("$n(sql)"); continue; fi
    # The backup's password file, as backup-lib.sh writes it, then a login as that role.
    # shellcheck disable=SC2016
    as_pg PGHOST="$T/roles/run" PGUSER="pw_$n" PGDATABASE=postgres REFARCH_PASSWORD_FILE="$pwfile" REFARCH_BACKUP_DIR="$T/roles" \
      bash -c '. "$0" && psql -X -At -w -c "SELECT current_user"' "$T/scripts/backup-lib.sh" 2>/dev/null | grep -qx "pw_$n" || bad+=("$n(login)")
  done
  check "every password synth accepts ($(find "$T/roles/cases/passwords" -mindepth 1 -maxdepth 1 | wc -l)) is set by the bootstrap's SQL and logs in through the backup's password file" equals "" "${bad[*]}"
else
  not_ok "role test server ready"; logs roles
fi
stop roles
