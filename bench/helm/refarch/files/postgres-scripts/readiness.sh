#!/bin/bash
set -euo pipefail
role=$1
pg_isready -q --host=127.0.0.1 --port="${PGPORT:-5432}" --timeout=3
case $role in
  primary) sql='SELECT NOT pg_is_in_recovery()' ;;
  standby) sql="SELECT pg_is_in_recovery() AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming')" ;;
  *) echo "usage: readiness.sh primary|standby" >&2; exit 2 ;;
esac
[ "$(psql -X -At -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres -c "$sql")" = t ]
