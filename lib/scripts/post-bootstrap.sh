#!/bin/bash
# Patroni's bootstrap.post_bootstrap: runs once, on the first member of a new cluster,
# right after initdb, with a superuser connection string as $1 (and PGPASSFILE set by
# Patroni). Creates what the official image creates from POSTGRES_USER,
# POSTGRES_PASSWORD_FILE and POSTGRES_DB: the application's role and its database, owned
# by it; unlike the image, that role is no superuser (Patroni's superuser and the
# replication role are separate roles).
set -euo pipefail
# shellcheck source=lib.sh
. /opt/refarch/lib.sh
: "${1:?usage: post-bootstrap.sh CONNINFO}" "${POSTGRES_USER:?}" "${POSTGRES_DB:?}"
pw=$(refarch_secret "${POSTGRES_PASSWORD_FILE:?}")
refarch_log "creating role $POSTGRES_USER and database $POSTGRES_DB"
psql "$1" -X -q -v ON_ERROR_STOP=1 -v role="$POSTGRES_USER" -v db="$POSTGRES_DB" -v pw="$pw" <<'SQL'
CREATE ROLE :"role" WITH LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"role";
SQL
