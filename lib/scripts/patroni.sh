#!/bin/bash
# Command of the database pods with replicas above 1: Patroni manages PostgreSQL, with
# the Kubernetes API as its state store (docs/data-tier.md). The configuration is
# patroni.yml next to this script (rendered by the construct), plus bootstrap.yml on
# member 0 only; what differs per pod comes from the environment:
#   PATRONI_NAME, PATRONI_KUBERNETES_POD_IP    the pod's name and IP (downward API)
#   REFARCH_MEMBER_DOMAIN                       <headless Service>.<namespace>.svc.<domain>
#   REFARCH_SUPERUSER_PASSWORD_FILE, REFARCH_REPLICATION_PASSWORD_FILE   mounted Secret keys
#   PATRONI_SUPERUSER_USERNAME, PATRONI_REPLICATION_USERNAME, PGDATA, PGPORT
set -euo pipefail
# shellcheck source=lib.sh
. /opt/refarch/lib.sh
: "${PATRONI_NAME:?}" "${PATRONI_KUBERNETES_POD_IP:?}" "${REFARCH_MEMBER_DOMAIN:?}" "${PGDATA:?}" "${PGPORT:=5432}"
: "${PATRONI_SUPERUSER_USERNAME:?}" "${PATRONI_REPLICATION_USERNAME:?}"

# Passwords reach Patroni through its environment only, never a file or the command line.
PATRONI_SUPERUSER_PASSWORD=$(refarch_secret "${REFARCH_SUPERUSER_PASSWORD_FILE:?}")
PATRONI_REPLICATION_PASSWORD=$(refarch_secret "${REFARCH_REPLICATION_PASSWORD_FILE:?}")
export PATRONI_SUPERUSER_PASSWORD PATRONI_REPLICATION_PASSWORD
# Members reach each other's server by the stable DNS name (the one TLS certificates
# name) and each other's REST API by pod IP.
export PATRONI_POSTGRESQL_CONNECT_ADDRESS=$PATRONI_NAME.$REFARCH_MEMBER_DOMAIN:$PGPORT
export PATRONI_RESTAPI_CONNECT_ADDRESS=$PATRONI_KUBERNETES_POD_IP:8008

refarch_adopt_database

# Only member 0 may create a new cluster: Patroni bootstraps only with a bootstrap section.
# Without this, a new member started before member 0 (as when a single instance is
# upgraded: the StatefulSet adds the members, then converts pod 0) could initialize an
# empty cluster of its own while member 0 holds the data. Patroni reads every .yml file
# of a folder, in name order.
config=/opt/refarch/patroni.yml
if [[ ${PATRONI_NAME##*-} == 0 ]]; then
  config=/opt/refarch
fi

# The image's STOPSIGNAL is SIGINT (PostgreSQL's fast shutdown), which Patroni does not
# treat as a request to shut down gracefully; on SIGTERM it stops PostgreSQL and releases
# the leader lock, so another member takes over at once instead of after the lock's ttl.
# So Patroni runs as a child, and both signals reach it as SIGTERM.
patroni "$config" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM
rc=0
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid" && rc=0 || rc=$?
done
exit "$rc"
