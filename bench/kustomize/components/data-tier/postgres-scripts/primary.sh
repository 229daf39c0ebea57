#!/bin/bash
set -euo pipefail
. /opt/refarch/lib.sh
if [ -s "$PGDATA/PG_VERSION" ]; then
  refarch_write_hba
  if [ -n "${REFARCH_REPLICATION_USER:-}" ]; then
    # Single-user mode: the server is not running yet, and this finishes before it starts.
    out=$(refarch_replication_role_sql | postgres --single -D "$PGDATA" -c log_min_messages=error postgres 2>&1 >/dev/null) || {
      refarch_log "setting up the replication role failed: $out"; exit 1; }
    if printf '%s' "$out" | grep -qE '^(ERROR|FATAL|PANIC)'; then refarch_log "setting up the replication role failed: $out"; exit 1; fi
    refarch_log "replication role $REFARCH_REPLICATION_USER ready"
  fi
fi
exec docker-entrypoint.sh postgres "$@"
