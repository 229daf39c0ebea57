# Sourced by the refarch scripts; defines functions only.

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
  pw=${pw//\'/\'\'}
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
    if [ -n "${REFARCH_TLS_DIR:-}" ]; then
      echo 'hostnossl all         all all reject'
      echo 'hostnossl replication all all reject'
    fi
    if [ -n "${REFARCH_REPLICATION_USER:-}" ]; then
      echo "host replication \"$REFARCH_REPLICATION_USER\" all scram-sha-256"
    fi
    echo '# END refarch'
    sed '/^# BEGIN refarch/,/^# END refarch/d' "$hba"
  } >"$tmp"
  chmod 0600 "$tmp"
  mv "$tmp" "$hba"
}
