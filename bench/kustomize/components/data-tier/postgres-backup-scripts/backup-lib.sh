# Sourced by backup.sh and restore.sh.
set -euo pipefail
: "${PGHOST:?}" "${PGUSER:?}" "${PGDATABASE:?}" "${REFARCH_PASSWORD_FILE:?}"
export PGPASSFILE=/tmp/refarch.pgpass
pw=$(cat "$REFARCH_PASSWORD_FILE")
pw=${pw//\\/\\\\}; pw=${pw//:/\\:}
( umask 077; printf '*:*:*:*:%s\n' "$pw" >"$PGPASSFILE" )
unset pw
cd "${REFARCH_BACKUP_DIR:-/backups}"
