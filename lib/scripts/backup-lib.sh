# shellcheck shell=bash
# Sourced by backup.sh and restore.sh (mounted at /opt/refarch-backup in the backup and
# restore pods): the password as a libpq passfile in /tmp, and a bounded wait.
set -euo pipefail
: "${PGHOST:?}" "${PGUSER:?}" "${PGDATABASE:?}" "${REFARCH_PASSWORD_FILE:?}"
export PGPASSFILE=/tmp/refarch.pgpass
pw=$(cat "$REFARCH_PASSWORD_FILE")
pw=${pw//\\/\\\\}; pw=${pw//:/\\:}
( umask 077; printf '*:*:*:*:%s\n' "$pw" >"$PGPASSFILE" )
unset pw
cd "${REFARCH_BACKUP_DIR:-/backups}"
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
