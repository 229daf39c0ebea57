# Sourced by docker-entrypoint.sh after initdb (first start of an empty volume only).
. /opt/refarch/lib.sh
refarch_write_hba
if [ -n "${REFARCH_REPLICATION_USER:-}" ]; then
  refarch_log "creating replication role $REFARCH_REPLICATION_USER"
  refarch_replication_role_sql | psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres >/dev/null
fi
