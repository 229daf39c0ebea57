# shellcheck shell=bash
# Sourced by the database scripts of lib/scripts/ (mounted at /opt/refarch); defines
# functions only. They run as uid 999 on a read-only root filesystem and write only to
# PGDATA and /tmp.

refarch_log() { echo "refarch: $*" >&2; }

# refarch_secret FILE: the password in FILE (a mounted Secret key), without the trailing
# newline; fails unless it is one non-empty line.
refarch_secret() {
  local pw
  pw=$(cat "$1")
  case $pw in
    *$'\n'* | '') refarch_log "the password in $1 must be one non-empty line"; return 1 ;;
  esac
  printf '%s' "$pw"
}

# refarch_sql_literal VALUE: VALUE as an SQL string literal.
refarch_sql_literal() { local v=${1//\'/\'\'}; printf "'%s'" "$v"; }

# Single instance with TLS: rewrites the refarch block at the top of pg_hba.conf (first
# match wins), so any TCP connection without TLS is refused before the image's
# "host all all all" line.
refarch_write_hba() {
  local hba=$PGDATA/pg_hba.conf tmp
  tmp=$(mktemp "$PGDATA/pg_hba.conf.XXXXXX")
  {
    echo '# BEGIN refarch: rewritten on every start by the refarch scripts; edit below the END line'
    if [ -n "${REFARCH_TLS_DIR:-}" ]; then
      echo 'hostnossl all         all all reject'
      echo 'hostnossl replication all all reject'
    fi
    echo '# END refarch'
    sed '/^# BEGIN refarch/,/^# END refarch/d' "$hba"
  } >"$tmp"
  chmod 0600 "$tmp"
  mv "$tmp" "$hba"
}

# SQL, one statement per line (postgres --single ends a statement at a newline), that
# creates or updates a login role: refarch_role_sql ROLE PASSWORD ATTRIBUTES.
refarch_role_sql() {
  local role=$1 pw attrs=$3
  pw=$(refarch_sql_literal "$2")
  echo "DO \$refarch\$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $(refarch_sql_literal "$role")) THEN CREATE ROLE \"$role\"; END IF; END \$refarch\$;"
  echo "ALTER ROLE \"$role\" WITH LOGIN $attrs PASSWORD $pw;"
}

# Whether PGDATA holds a database that never ran under Patroni: a single instance of the
# official image (the upgrade from one replica), not a Patroni member or a clone of one.
refarch_unmanaged_database() {
  [ -s "$PGDATA/PG_VERSION" ] && [ ! -e "$PGDATA/patroni.dynamic.json" ] && [ ! -e "$PGDATA/postgresql.base.conf" ] &&
    [ ! -e "$PGDATA/standby.signal" ]
}

# Prepares a database that ran as a single instance for Patroni, which takes it over as
# the first leader: the superuser and replication roles Patroni logs in as (created, or
# their passwords set), in single-user mode, before any server runs. The application's
# role keeps what it had (with the official image it is the bootstrap superuser, which
# PostgreSQL does not let lose that attribute: docs/data-tier.md, Upgrades).
refarch_adopt_database() {
  local out sql
  refarch_unmanaged_database || return 0
  refarch_log "$PGDATA holds a database that never ran under Patroni: setting up roles $PATRONI_SUPERUSER_USERNAME and $PATRONI_REPLICATION_USERNAME for the takeover"
  sql=$(refarch_role_sql "$PATRONI_SUPERUSER_USERNAME" "$PATRONI_SUPERUSER_PASSWORD" SUPERUSER &&
    refarch_role_sql "$PATRONI_REPLICATION_USERNAME" "$PATRONI_REPLICATION_PASSWORD" REPLICATION) || return 1
  out=$(printf '%s\n' "$sql" | postgres --single -D "$PGDATA" -c log_min_messages=error postgres 2>&1 >/dev/null) ||
    { refarch_log "setting up the roles failed: $out"; return 1; }
  if printf '%s' "$out" | grep -qE '^(ERROR|FATAL|PANIC)'; then refarch_log "setting up the roles failed: $out"; return 1; fi
}
